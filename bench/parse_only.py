"""Baseline (a) of the benchmark: read a JSON Lines file line by line and `json.loads` each line.

    python bench/parse_only.py FILE

Standard library `json` only, nothing kept; prints the number of records parsed. This is the
least any Python reader of the log has to do, and the yardstick `compliance check` is held to.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    loads = json.loads
    count = 0
    with open(sys.argv[1], encoding="utf-8") as fh:
        for line in fh:
            loads(line)
            count += 1
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
