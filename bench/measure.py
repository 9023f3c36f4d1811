"""Run one command and report its wall time and peak RSS as one JSON line.

    python bench/measure.py --stdout FILE --stderr FILE -- COMMAND [ARG ...]

bench/run.py starts every measured command through this wrapper, in a fresh process each time:
the command is this process's only child, so `getrusage(RUSAGE_CHILDREN).ru_maxrss` after it
has been waited for is the peak resident set size of that command (and of any process it waited
for) alone, not of earlier runs. The wall time is taken around start and wait of the child, so
it includes the child's interpreter start-up and imports.

Prints {"wall_s", "user_s", "sys_s", "max_rss_bytes", "exit_code"} to standard output.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdout", required=True)
    parser.add_argument("--stderr", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    with open(args.stdout, "wb") as out, open(args.stderr, "wb") as err:
        began = time.perf_counter()
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        except OSError as exc:
            err.write(f"cannot start {command[0]}: {exc}\n".encode())
            print(json.dumps({"wall_s": 0.0, "user_s": 0.0, "sys_s": 0.0, "max_rss_bytes": 0,
                              "exit_code": 127}))
            return 0
        code = proc.wait()
        wall = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    print(json.dumps({"wall_s": wall, "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
                      "max_rss_bytes": rss, "exit_code": code}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
