"""How long after a deadline passes the live monitor's callback sees it (wall clock).

    python bench/monitor_latency.py [--deadlines 40] [--tick 0.2]

Posts complaints whose 24-hour deadline (CMP-001 of the bundled pack) falls a little in the
future, spread over a few seconds, never answers them, and measures for each the time from its
due instant to the `on_finding` call. Prints JSON: the latencies' median, 95th percentile and
maximum in milliseconds. The monitor checks its clock every `tick` seconds, so the latency is
expected to lie between 0 and about one tick plus the worker's round trip.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import compliance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=40)
    parser.add_argument("--tick", type=float, default=0.2)
    args = parser.parse_args(argv)
    rules = compliance.load_rules().select(["CMP-001"])
    arrived: dict[str, float] = {}
    done = threading.Event()

    def on_finding(finding: compliance.Finding) -> None:
        arrived[finding.subject] = time.time()
        if len(arrived) == args.deadlines:
            done.set()

    dues: dict[str, float] = {}
    with compliance.Monitor(rules, on_finding=on_finding, clock="wall",
                            tick=args.tick) as monitor:
        now = datetime.now(UTC)
        for n in range(args.deadlines):
            due = now + timedelta(seconds=1 + 4 * n / args.deadlines)
            subject = f"C-{n:04d}"
            dues[f"complaint_id={subject}"] = due.timestamp()
            monitor.post({"id": f"e-{n}", "type": "complaint_received", "site": "S1",
                          "time": (due - timedelta(hours=24)).isoformat(),
                          "complaint_id": subject})
        if not done.wait(timeout=60):
            print(json.dumps({"error": f"only {len(arrived)} of {args.deadlines} arrived"}))
            return 2
    late_ms = sorted((arrived[s] - dues[s]) * 1000 for s in dues)
    print(json.dumps({
        "deadlines": args.deadlines, "tick_s": args.tick,
        "median_ms": round(statistics.median(late_ms), 1),
        "p95_ms": round(late_ms[int(0.95 * (len(late_ms) - 1))], 1),
        "max_ms": round(late_ms[-1], 1),
        "min_ms": round(late_ms[0], 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
