"""Generate a realistic CRM event log for the benchmark, as JSON Lines.

    python bench/generate.py N OUT.jsonl [--seed S] [--cases C]

Writes exactly N events, roughly in time order (about 1 % of the lines are held back by up to
20 lines or 5 minutes), in constant memory. The log holds three deadline flows that the rules in
bench/rules check, and filler events of types no rule uses:

    complaint   complaint_received -> complaint_initial_handling -> complaint_result_fed_back
                key complaint_id, BEN-001: result within 48 hours
    inquiry     inquiry_received -> inquiry_responded
                key inquiry_id,   BEN-002: response within 2 hours
    visit       customer_arrived -> reception_started
                key visit_id,     BEN-003: reception within 30 minutes
    filler      page_view, call_logged, email_opened, lead_scored, note_added (about 30 %)

Of the flows started, about 10 % have a late stop and about 3 % never get one; every flow started
is finished within the N events (no tail of flows cut short). Every event has
`id`, `type`, `time` (RFC 3339, +08:00, whole seconds), `site` and `staff`; flow events also
carry their key. `--cases` is the number of flows open at the same time (on average), which sets
how densely the flows interleave and how many open instances an engine has to hold.

Next to OUT it writes OUT + ".meta.json": the parameters, the time of the first and last event,
the count of every event type and the verdicts a correct engine reaches per rule for any as_of
at least 48 hours after the last event. `-` as OUT writes the events to standard output (no meta).

Standard library only; the output is a function of (N, seed, cases, GENERATOR_VERSION) alone.
Flows are registered in FLOWS; a future `--kinds` option only has to pick entries of it and pass
them as `flows=` to `generate_file()` / `write()` / `events()`.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import os
import random
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import IO, Any

GENERATOR_VERSION = 1
DEFAULT_SEED = 20250301
DEFAULT_CASES = 2000

TZ = timezone(timedelta(hours=8))
# Monday 2025-01-06 00:00 +08:00: the simulated clock starts here.
EPOCH_START = int(datetime(2025, 1, 6, tzinfo=TZ).timestamp())

MINUTE = 60
HOUR = 3600
DAY = 86400

FILLER_SHARE = 0.30    # share of all events that no rule uses
LATE_SHARE = 0.10      # share of flows whose checked stop comes after the deadline
MISSING_SHARE = 0.03   # share of flows whose checked stop never comes
HOLD_BACK_SHARE = 0.01  # share of lines written a few lines later than their time order
HOLD_BACK_LINES = 20    # a held-back line is written at most about this many lines late
HOLD_BACK_SECONDS = 300  # and never after a line more than this much later than itself

SITES = ("S1", "S2", "S3", "S4", "S5")
STAFF_PER_SITE = 12
CUSTOMERS = 50_000

# Relative arrival intensity by local hour of day (0..23), 0 = closed.
OFFICE_HOURS = tuple(1.0 if 9 <= h < 21 else 0.0 for h in range(24))
DAYTIME = tuple(
    0.05 if h < 7 else 0.4 if h < 9 else 1.0 if h < 21 else 0.3 if h < 23 else 0.1
    for h in range(24)
)


# --------------------------------------------------------------------------------------------
# Flows
# --------------------------------------------------------------------------------------------

ON_TIME, LATE, MISSING = "on_time", "late", "missing"

# (seconds after the start, type, fields beyond the envelope)
Step = tuple[int, str, dict[str, Any]]


@dataclass(frozen=True)
class Flow:
    """One kind of obligation instance: a start event, the checked stop and what happens between.

    Subclasses say which events one instance produces; the generator chooses the outcome
    (on time, late, missing) and hands it to `steps`.
    """

    name: str
    rule_id: str
    key: str
    id_prefix: str
    deadline: int               # seconds; the `within` of the bench rule
    weight: float               # relative number of instances started
    profile: tuple[float, ...]  # arrival intensity by hour of day
    start_type: str
    stop_type: str

    def steps(self, rng: random.Random, outcome: str, customer: str) -> list[Step]:
        raise NotImplementedError

    @property
    def mean_life(self) -> float:
        """Seconds an instance stays open in the generator on average (for --cases)."""
        # means of the two distributions of stop_after, in deadlines; missing stops never come
        on_time, late = (0.02 + 0.98 + 0.3) / 3, (1.02 + 2.5) / 2
        return self.deadline * ((1 - LATE_SHARE - MISSING_SHARE) * on_time + LATE_SHARE * late)

    def stop_after(self, rng: random.Random, outcome: str) -> int:
        """Seconds from start to the checked stop: strictly within or strictly past the deadline."""
        d = self.deadline
        if outcome == LATE:
            return math.ceil(d * rng.uniform(1.02, 2.5))
        return max(1, min(d - 1, int(rng.triangular(0.02 * d, 0.98 * d, 0.3 * d))))


@dataclass(frozen=True)
class ComplaintFlow(Flow):
    def steps(self, rng: random.Random, outcome: str, customer: str) -> list[Step]:
        stop = None if outcome == MISSING else self.stop_after(rng, outcome)
        # The initial handling (24 h in the manual, not checked here) comes well before the result.
        upper = 20 * HOUR if stop is None else max(2, min(20 * HOUR, stop // 2))
        initial = rng.randint(min(15 * MINUTE, upper - 1), upper)
        steps: list[Step] = [
            (0, "complaint_received", {
                "customer": customer,
                "channel": rng.choice(("hotline", "wechat", "onsite", "email")),
                "category": rng.choice(("service", "delivery", "quality", "contract", "billing")),
                "severity": "major" if rng.random() < 0.15 else "normal",
            }),
            (initial, "complaint_initial_handling", {
                "action_type": rng.choice(("call_back", "site_visit", "escalated", "apology")),
            }),
        ]
        if stop is not None:
            steps.append((stop, "complaint_result_fed_back", {
                "channel": rng.choice(("phone", "wechat", "letter", "onsite")),
            }))
        return steps


@dataclass(frozen=True)
class InquiryFlow(Flow):
    def steps(self, rng: random.Random, outcome: str, customer: str) -> list[Step]:
        steps: list[Step] = [(0, "inquiry_received", {
            "customer": customer,
            "channel": rng.choice(("hotline", "wechat", "app", "website", "email")),
        })]
        if outcome != MISSING:
            steps.append((self.stop_after(rng, outcome), "inquiry_responded", {
                "response_kind": rng.choice(("first_response", "answer")),
            }))
        return steps


@dataclass(frozen=True)
class VisitFlow(Flow):
    def steps(self, rng: random.Random, outcome: str, customer: str) -> list[Step]:
        steps: list[Step] = [(0, "customer_arrived", {
            "customer": customer,
            "channel": "appointment" if rng.random() < 0.4 else "walk_in",
        })]
        if outcome != MISSING:
            steps.append((self.stop_after(rng, outcome), "reception_started", {}))
        return steps


FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        ComplaintFlow(
            name="complaint", rule_id="BEN-001", key="complaint_id", id_prefix="C",
            deadline=48 * HOUR, weight=0.20, profile=DAYTIME,
            start_type="complaint_received", stop_type="complaint_result_fed_back",
        ),
        InquiryFlow(
            name="inquiry", rule_id="BEN-002", key="inquiry_id", id_prefix="Q",
            deadline=2 * HOUR, weight=0.35, profile=DAYTIME,
            start_type="inquiry_received", stop_type="inquiry_responded",
        ),
        VisitFlow(
            name="visit", rule_id="BEN-003", key="visit_id", id_prefix="V",
            deadline=30 * MINUTE, weight=0.45, profile=OFFICE_HOURS,
            start_type="customer_arrived", stop_type="reception_started",
        ),
    )
}

FILLER_TYPES = ("page_view", "call_logged", "email_opened", "lead_scored", "note_added")
FILLER_WEIGHTS = (0.40, 0.25, 0.15, 0.10, 0.10)
PAGES = ("/", "/projects", "/projects/p1", "/projects/p2", "/units", "/units/floorplans",
         "/news", "/contact", "/mortgage-calculator", "/appointments")


def filler_fields(rng: random.Random, type_: str, customer: str) -> dict[str, Any]:
    """The fields beyond the envelope of an event no rule uses."""
    if type_ == "page_view":
        return {"customer": customer, "page": rng.choice(PAGES),
                "duration_ms": rng.randint(200, 120_000)}
    if type_ == "call_logged":
        return {"customer": customer, "direction": rng.choice(("inbound", "outbound")),
                "duration_s": rng.randint(5, 1800)}
    if type_ == "email_opened":
        return {"customer": customer, "campaign": f"CM-{rng.randint(1, 40):03d}"}
    if type_ == "lead_scored":
        return {"customer": customer, "score": rng.randint(0, 100)}
    return {"customer": customer, "note_kind": rng.choice(("call", "visit", "preference"))}


# --------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------


@dataclass
class Stats:
    """What the generator wrote; constant size whatever N is."""

    types: Counter[str] = field(default_factory=Counter)
    flows: dict[str, Counter[str]] = field(default_factory=dict)
    first_ts: int | None = None
    last_ts: int | None = None
    held_back: int = 0

    def as_dict(self, flows: Sequence[Flow]) -> dict[str, Any]:
        verdicts = {}
        for flow in flows:
            c = self.flows.get(flow.name, Counter())
            verdicts[flow.rule_id] = {
                "flow": flow.name,
                "started": c[ON_TIME] + c[LATE] + c[MISSING],
                "on_time": c[ON_TIME],
                "late": c[LATE],
                "missing": c[MISSING],
                # for an as_of at least `deadline` after the last event
                "expected": {"compliant": c[ON_TIME], "violated": c[LATE] + c[MISSING]},
            }
        return {
            "first_time": _fmt(self.first_ts) if self.first_ts is not None else None,
            "last_time": _fmt(self.last_ts) if self.last_ts is not None else None,
            "types": dict(sorted(self.types.items())),
            "filler": sum(n for t, n in self.types.items() if t in FILLER_TYPES),
            "held_back": self.held_back,
            "rules": verdicts,
        }


def _fmt(ts: int) -> str:
    return datetime.fromtimestamp(ts, TZ).isoformat()


def arrival_rate(flows: Sequence[Flow], cases: int) -> float:
    """Candidate flow arrivals per second so that about `cases` flows are open at once.

    Little's law: open = rate x mean life; thinning by the hour profile keeps a share of the
    candidates only.
    """
    total = sum(f.weight for f in flows)
    life = sum(f.weight / total * (sum(f.profile) / 24) * f.mean_life for f in flows)
    return cases / life


def events(n: int, seed: int = DEFAULT_SEED, cases: int = DEFAULT_CASES,
           flows: Sequence[Flow] | None = None, stats: Stats | None = None,
           ) -> Iterator[dict[str, Any]]:
    """Yield n events in the order they are written (time order, a few held back).

    `time` is still in seconds since the epoch here; `write` formats it.
    """
    flows = list(FLOWS.values()) if flows is None else list(flows)
    if not flows:
        raise ValueError("at least one flow is needed")
    if n < 0 or cases < 1:
        raise ValueError("n must be >= 0 and cases >= 1")
    stats = Stats() if stats is None else stats
    for flow in flows:
        stats.flows.setdefault(flow.name, Counter())

    rng = random.Random(seed)
    rate = arrival_rate(flows, cases)
    flow_cum = list(itertools.accumulate(f.weight for f in flows))
    filler_cum = list(itertools.accumulate(FILLER_WEIGHTS))
    staff_of = {s: [f"P-{i * STAFF_PER_SITE + k + 1}" for k in range(STAFF_PER_SITE)]
                for i, s in enumerate(SITES)}
    serial = dict.fromkeys((f.name for f in flows), 0)

    pending: list[tuple[int, int, dict[str, Any]]] = []  # (time, tie-break, event) of open flows
    tie = 0
    clock = EPOCH_START
    next_arrival = clock + rng.expovariate(rate)
    written = 0
    held: list[tuple[int, dict[str, Any]]] = []  # (release after this many written, event)

    def stamp(ev: dict[str, Any]) -> dict[str, Any]:
        nonlocal written
        written += 1
        ev["id"] = f"E{written:09d}"
        return ev

    def out(ev: dict[str, Any]) -> Iterator[dict[str, Any]]:
        # Every line goes through here; about HOLD_BACK_SHARE of them come out up to
        # HOLD_BACK_LINES lines and at most HOLD_BACK_SECONDS late.
        i = 0
        while i < len(held):
            release, late = held[i]
            if written >= release or ev["time"] - late["time"] > HOLD_BACK_SECONDS:
                del held[i]
                yield stamp(late)
            else:
                i += 1
        if rng.random() < HOLD_BACK_SHARE:
            held.append((written + rng.randint(1, HOLD_BACK_LINES), ev))
            stats.held_back += 1
        else:
            yield stamp(ev)

    def record(ts: int, type_: str, site: str, staff: str, fields: dict[str, Any]
               ) -> dict[str, Any]:
        stats.types[type_] += 1
        if stats.first_ts is None or ts < stats.first_ts:
            stats.first_ts = ts
        if stats.last_ts is None or ts > stats.last_ts:
            stats.last_ts = ts
        ev = {"id": None, "type": type_, "time": ts, "site": site, "staff": staff}
        ev.update(fields)
        return ev

    def filler(ts: int) -> dict[str, Any]:
        type_ = rng.choices(FILLER_TYPES, cum_weights=filler_cum)[0]
        site = rng.choice(SITES)
        customer = f"CU-{rng.randint(1, CUSTOMERS):05d}"
        return record(ts, type_, site, rng.choice(staff_of[site]),
                      filler_fields(rng, type_, customer))

    # Every flow started is finished within the n events: once the events still open take
    # (about) the rest of the budget, no new flow starts, and filler only fills what is left.
    # So the shares of late and missing stops hold exactly, and the log does not end with a
    # tail of flows cut short.
    max_steps = 3
    arrivals = True
    emitted = 0  # events handed to `out` (written + held)
    while emitted < n:
        if arrivals and len(pending) + max_steps >= (n - emitted) * (1 - FILLER_SHARE):
            arrivals = False
        # Next flow arrival, thinned by the hour-of-day profile of the flow chosen. At most one
        # flow is started per pass: its start comes before the next arrival.
        while arrivals and (not pending or next_arrival < pending[0][0]):
            t = int(next_arrival)
            next_arrival += rng.expovariate(rate)
            flow = rng.choices(flows, cum_weights=flow_cum)[0]
            hour = (t - EPOCH_START) // HOUR % 24  # EPOCH_START is local midnight
            if rng.random() >= flow.profile[hour]:
                continue
            u = rng.random()
            outcome = MISSING if u < MISSING_SHARE else LATE if u < MISSING_SHARE + LATE_SHARE \
                else ON_TIME
            stats.flows[flow.name][outcome] += 1
            serial[flow.name] += 1
            case = f"{flow.id_prefix}-{serial[flow.name]:07d}"
            site = rng.choice(SITES)
            customer = f"CU-{rng.randint(1, CUSTOMERS):05d}"
            # whoever is at the desk logs the start; one colleague handles the rest
            desk, handler = rng.choice(staff_of[site]), rng.choice(staff_of[site])
            steps = flow.steps(rng, outcome, customer)
            assert len(steps) <= max_steps
            for offset, type_, fields in steps:
                tie += 1
                heapq.heappush(pending, (t + offset, tie, {
                    "type": type_, "site": site, "staff": desk if offset == 0 else handler,
                    "fields": {flow.key: case, **fields}}))
        if not pending:
            # All flows finished: the rest of the budget is filler.
            clock += rng.randint(1, 300)
            yield from out(filler(clock))
            emitted += 1
            continue
        ts, _, spec = heapq.heappop(pending)

        # Filler: a geometric number of unrelated events between the last event and this one,
        # as long as the budget leaves room for this event and every one still pending.
        while n - emitted >= len(pending) + 2 and rng.random() < FILLER_SHARE:
            clock = clock + int(rng.random() * max(0, ts - clock))
            yield from out(filler(clock))
            emitted += 1
        clock = ts
        yield from out(record(ts, spec["type"], spec["site"], spec["staff"], spec["fields"]))
        emitted += 1
    while held:
        yield stamp(held.pop(0)[1])


def write(n: int, stream: IO[str], seed: int = DEFAULT_SEED, cases: int = DEFAULT_CASES,
          flows: Sequence[Flow] | None = None) -> Stats:
    """Write n events as JSON Lines to a text stream; return what was written."""
    stats = Stats()
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    fmt_cache: dict[int, str] = {}  # local date prefix by day number
    buf: list[str] = []
    for ev in events(n, seed, cases, flows, stats):
        ts = ev["time"]
        day, rem = divmod(ts - EPOCH_START, DAY)
        prefix = fmt_cache.get(day)
        if prefix is None:
            if len(fmt_cache) > 64:
                fmt_cache.clear()
            prefix = fmt_cache[day] = _fmt(EPOCH_START + day * DAY)[:11]
        h, rem = divmod(rem, HOUR)
        m, s = divmod(rem, MINUTE)
        ev["time"] = f"{prefix}{h:02d}:{m:02d}:{s:02d}+08:00"
        buf.append(dumps(ev))
        if len(buf) >= 4096:
            buf.append("")
            stream.write("\n".join(buf))
            buf.clear()
    if buf:
        buf.append("")
        stream.write("\n".join(buf))
    return stats


def meta_path(out: str) -> str:
    return out + ".meta.json"


def generate_file(n: int, out: str, seed: int = DEFAULT_SEED, cases: int = DEFAULT_CASES,
                  flows: Sequence[Flow] | None = None) -> dict[str, Any]:
    """Write the log and its meta file (atomically: both appear only when complete)."""
    flows = list(FLOWS.values()) if flows is None else list(flows)
    tmp = f"{out}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            stats = write(n, fh, seed, cases, flows)
        meta = {
            "generator_version": GENERATOR_VERSION,
            "events": n,
            "seed": seed,
            "cases": cases,
            "flows": [f.name for f in flows],
            "bytes": os.path.getsize(tmp),
            **stats.as_dict(flows),
        }
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    with open(meta_path(out) + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(meta_path(out) + ".tmp", meta_path(out))
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write N realistic CRM events as JSON Lines for the benchmark.")
    parser.add_argument("n", type=int, metavar="N", help="number of events")
    parser.add_argument("out", metavar="OUT.jsonl", help="output file, or - for standard output")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES,
                        help="flows open at the same time on average "
                             f"(default {DEFAULT_CASES})")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    if args.cases < 1:
        parser.error("--cases must be >= 1")
    flows = list(FLOWS.values())
    if args.out == "-":
        write(args.n, sys.stdout, args.seed, args.cases, flows)
        return 0
    meta = generate_file(args.n, args.out, args.seed, args.cases, flows)
    print(f"wrote {args.n:,} events ({meta['bytes'] / 1e6:.1f} MB) to {args.out}, "
          f"{meta['first_time']} .. {meta['last_time']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
