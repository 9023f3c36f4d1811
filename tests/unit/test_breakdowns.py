"""Breakdowns per site, staff, ISO week and month: counted from findings and from the compliant
instances the evaluators count without listing them.

The log (Asia/Shanghai, +08:00; CMP-002: a result within 48 hours; as of 2025-04-02 00:00),
worked out by hand:
    C-1 S1 P-1 received Mon 03-03 09:00, fed back 03-04          compliant  2025-W10 2025-03
    C-2 S1 P-2 received Wed 03-05 23:30, fed back 03-09          violated   2025-W10 2025-03
    C-3 S2 P-1 received Mon 03-10 00:10 (UTC: Sun 03-09), 01:00  compliant  2025-W11 2025-03
    C-4 S2 --  received Tue 04-01 00:30 (UTC: 03-31), 02:00      compliant  2025-W14 2025-04
    C-5 S2 P-2 received Tue 04-01 08:00, no reply by as-of       pending    2025-W14 2025-04
C-3 and C-4 are dated by their local date, not the UTC one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from builders import make_rule, needs_durable, rules_of

from compliance import breakdowns, check
from compliance.findings import Outcome

RULE = make_rule(id="CMP-002", name="complaint-result-48h", kind="deadline", key="complaint_id",
                 start={"type": "complaint_received"},
                 stop={"type": "complaint_result_fed_back"}, within="48 hours")


def _case(case: str, site: str, staff: str | None, received: str,
          fed_back: str | None) -> list[dict[str, Any]]:
    start = {"id": f"{case}-r", "type": "complaint_received", "time": received,
             "complaint_id": case, "site": site}
    if staff:
        start["staff"] = staff
    events = [start]
    if fed_back:
        events.append({"id": f"{case}-f", "type": "complaint_result_fed_back", "time": fed_back,
                       "complaint_id": case})
    return events


EVENTS = [
    *_case("C-1", "S1", "P-1", "2025-03-03T09:00:00+08:00", "2025-03-04T09:00:00+08:00"),
    *_case("C-2", "S1", "P-2", "2025-03-05T23:30:00+08:00", "2025-03-09T10:00:00+08:00"),
    *_case("C-3", "S2", "P-1", "2025-03-10T00:10:00+08:00", "2025-03-10T01:00:00+08:00"),
    *_case("C-4", "S2", None, "2025-04-01T00:30:00+08:00", "2025-04-01T02:00:00+08:00"),
    *_case("C-5", "S2", "P-2", "2025-04-01T08:00:00+08:00", None),
]
AS_OF = "2025-04-02T00:00:00+08:00"

# key: (instances, compliant, violated, pending, compliance rate)
EXPECTED = {
    "site": {"S1": (2, 1, 1, 0, 0.5), "S2": (3, 2, 0, 1, 1.0)},
    "staff": {"P-1": (2, 2, 0, 0, 1.0), "P-2": (2, 0, 1, 1, 0.0), None: (1, 1, 0, 0, 1.0)},
    "week": {"2025-W10": (2, 1, 1, 0, 0.5), "2025-W11": (1, 1, 0, 0, 1.0),
             "2025-W14": (2, 1, 0, 1, 1.0)},
    "month": {"2025-03": (3, 2, 1, 0, 0.666667), "2025-04": (2, 1, 0, 1, 1.0)},
}


def _table(result: breakdowns.Breakdowns, dimension: str) -> dict[str | None, tuple[Any, ...]]:
    return {r.key: (r.instances, r.compliant, r.violated, r.pending, r.compliance_rate)
            for r in result.rows(dimension)}


@pytest.mark.parametrize("show_passes", [False, True])
def test_breakdowns_count_every_instance_by_local_date(show_passes: bool) -> None:
    report = check(EVENTS, rules_of(RULE), AS_OF, show_passes=show_passes)
    assert report.breakdowns is not None
    for dimension, expected in EXPECTED.items():
        assert _table(report.breakdowns, dimension) == expected, dimension
        # Rows are sorted by key, a missing site or staff last.
        keys = [r.key for r in report.breakdowns.rows(dimension)]
        assert keys == list(expected)


def test_breakdowns_are_in_the_json_summary_after_the_rules() -> None:
    data = check(EVENTS, rules_of(RULE), AS_OF).to_dict()
    assert list(data).index("breakdowns") == list(data).index("summary") + 1
    assert data["breakdowns"]["staff"][-1] == {
        "key": None, "instances": 1, "compliant": 1, "violated": 0, "pending": 0,
        "not_evaluated": 0, "waived": 0, "compliance_rate": 1.0}


def test_recount_moves_waived_findings_and_keeps_the_unlisted_passes() -> None:
    report = check(EVENTS, rules_of(RULE), AS_OF)
    assert report.breakdowns is not None
    before = report.findings
    after = tuple(dataclasses.replace(f, outcome=Outcome.WAIVED)
                  if f.outcome is Outcome.VIOLATED else f for f in before)
    result = breakdowns.recount(report.breakdowns, before, after)
    [s1] = [r for r in result.site if r.key == "S1"]
    assert (s1.compliant, s1.violated, s1.waived, s1.compliance_rate) == (1, 0, 1, 0.5)
    assert _table(result, "month")["2025-04"] == (2, 1, 0, 1, 1.0)


def test_a_zone_that_changes_offset_is_counted_by_quarter_hour() -> None:
    from zoneinfo import ZoneInfo

    counts = breakdowns.PassCounts()
    zone = ZoneInfo("Europe/Berlin")
    day = breakdowns.DAY_US
    # 2025-03-30 is the switch to summer time: no single offset from 03-29 to 03-31.
    first = 20_176 * day  # 2025-03-29T00:00Z
    counts.by_local_day(zone, first, first + 2 * day)
    assert counts.width == breakdowns.QUARTER_HOUR_US
    fixed = breakdowns.PassCounts()
    fixed.by_local_day(ZoneInfo("Asia/Shanghai"), first, first + 2 * day)
    assert (fixed.width, fixed.shift) == (day, 8 * 3600 * 1_000_000)
    # 2025-03-29T16:30Z is 03-30 00:30 in Shanghai.
    fixed.add("S1", None, first + 16 * 3600 * 1_000_000 + 30 * 60 * 1_000_000)
    [(_, _, bucket)] = fixed.counts
    assert fixed.day(bucket, ZoneInfo("Asia/Shanghai")).isoformat() == "2025-03-30"


@needs_durable
def test_the_durable_engine_gives_the_same_breakdowns() -> None:
    native = check(EVENTS, rules_of(RULE), AS_OF)
    durable = check(EVENTS, rules_of(RULE), AS_OF, engine="durable")
    assert durable.breakdowns == native.breakdowns


def test_every_rule_of_the_pack_counts_each_instance_once_in_every_dimension() -> None:
    """On the demo export, every kind: each dimension's rows add up to the per-rule summary, and
    listing the passes (--show-passes) changes no row, so the compliant instances counted apart
    are dated, placed and counted exactly as their findings would be."""
    from builders import REPO

    from compliance import load_rules

    logs = [REPO / "fixtures" / "logs" / name for name in (
        "demo-2025q3.jsonl", "demo-aftersales-2025q3.csv", "demo-complaints-2025q3.xes.gz")]
    rules = load_rules(None, None)
    quiet = check(logs, rules, "2025-10-01T00:00:00+08:00")
    listed = check(logs, rules, "2025-10-01T00:00:00+08:00", show_passes=True)
    assert quiet.breakdowns is not None
    assert listed.breakdowns == quiet.breakdowns
    totals = {o.value: sum(getattr(s.outcomes, o.value) for s in quiet.summary) for o in Outcome}
    assert totals["compliant"] > 10_000
    for dimension in breakdowns.DIMENSIONS:
        rows = quiet.breakdowns.rows(dimension)
        assert {o: sum(getattr(r, o) for r in rows) for o in totals} == totals, dimension
