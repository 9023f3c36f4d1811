"""Properties of the periodic, threshold, precedence, forbidden, required-fields and retention
kinds on random logs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from builders import make_rule, rules_of
from hypothesis import given
from hypothesis import strategies as st
from strategies import moved, offsets

from compliance import Outcome, check
from compliance.reporters.json import render

SH = timezone(timedelta(hours=8))
START = datetime(2025, 1, 1, tzinfo=SH)
AS_OF = "2025-07-01T00:00:00+08:00"
SITES = ("S1", "S2", "S3")

PERIODIC = {"kind": "periodic", "event": {"type": "internal_audit"}, "every": "month",
            "group_by": "site", "min_count": 2}
THRESHOLD = {"kind": "threshold", "population": {"type": "complaint_satisfaction"},
             "metric": {"rate": {"satisfied": True}}, "every": "month", "group_by": "site",
             "at_least": 0.8, "min_sample": 3}
OTHERS = [
    {"kind": "precedence", "key": "customer", "before": {"type": "contract_reviewed"},
     "event": {"type": "contract_signed"}, "within": "20 days"},
    {"kind": "forbidden", "event": {"type": "payment_received",
                                    "where": {"account_type": {"ne": "escrow"}}}},
    {"kind": "required_fields", "event": {"type": "contract_signed"}, "fields": ["staff"]},
    {"kind": "retention", "key": "customer", "created": {"type": "contract_reviewed"},
     "deleted": {"type": "payment_received"}, "at_least": "30 days"},
]


@st.composite
def logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Audits, surveys, contracts and payments over half a year at three sites."""
    out: list[dict[str, Any]] = [{"id": "first", "type": "page_view",
                                  "time": START.isoformat(), "site": "S1"}]
    for number in range(draw(st.integers(0, 40))):
        moment = START + timedelta(minutes=draw(st.integers(0, 181 * 24 * 60 - 1)))
        kind = draw(st.sampled_from(["internal_audit", "complaint_satisfaction",
                                     "contract_reviewed", "contract_signed",
                                     "payment_received"]))
        event: dict[str, Any] = {"id": f"e{number}", "type": kind, "time": moment.isoformat(),
                                 "site": draw(st.sampled_from(SITES)),
                                 "customer": draw(st.sampled_from(["CU-1", "CU-2"]))}
        if kind == "complaint_satisfaction":
            event["satisfied"] = draw(st.booleans())
        if kind == "payment_received":
            event["account_type"] = draw(st.sampled_from(["escrow", "company"]))
        if kind == "contract_signed" and draw(st.booleans()):
            event["staff"] = "P-01"
        out.append(event)
    return out


def verdicts(report: Any) -> dict[str, str]:
    return {f.subject: f.outcome.value for f in report.findings}


@given(logs(), st.integers(0, 180), st.sampled_from(SITES))
def test_adding_a_qualifying_event_never_turns_a_compliant_period_violated(
    log: list[dict[str, Any]], day: int, site: str,
) -> None:
    moment = (START + timedelta(days=day, hours=10)).isoformat()
    for rule, extra in ((PERIODIC, {"type": "internal_audit"}),
                        (THRESHOLD, {"type": "complaint_satisfaction", "satisfied": True})):
        before = verdicts(check(log, rules_of(make_rule(**rule)), as_of=AS_OF,
                                show_passes=True))
        added = [*log, {"id": "added", "time": moment, "site": site, **extra}]
        after = verdicts(check(added, rules_of(make_rule(**rule)), as_of=AS_OF,
                               show_passes=True))
        for subject, outcome in before.items():
            if outcome == "compliant":
                assert after[subject] == "compliant"


@given(logs())
def test_a_group_without_events_is_violated_for_periodic_and_not_evaluated_for_threshold(
    log: list[dict[str, Any]],
) -> None:
    quiet = [e for e in log if e["site"] != "S3"] + [
        {"id": "s3", "type": "page_view", "time": START.isoformat(), "site": "S3"}]
    for rule, expected in ((PERIODIC, Outcome.VIOLATED), (THRESHOLD, Outcome.NOT_EVALUATED)):
        report = check(quiet, rules_of(make_rule(**rule)), as_of=AS_OF, show_passes=True)
        s3 = [f for f in report.findings if f.group == "S3"]
        assert len(s3) == 6  # January to June, every one wholly inside the window
        assert {f.outcome for f in s3} == {expected}


@given(logs(), st.randoms(use_true_random=False), offsets)
def test_input_order_and_utc_offset_change_nothing(
    log: list[dict[str, Any]], rnd: Any, offset: timedelta,
) -> None:
    shifted = moved(log, rnd, offset)
    for rule in (PERIODIC, THRESHOLD, *OTHERS):
        rules = rules_of(make_rule(**rule))
        first = check(log, rules, as_of=AS_OF, show_passes=True)
        second = check(shifted, rules, as_of=AS_OF, show_passes=True)
        assert [f.to_dict() | {"evidence": None} for f in first.findings] == [
            f.to_dict() | {"evidence": None} for f in second.findings]
        assert first.summary == second.summary
        assert render(check(log, rules, as_of=AS_OF)) == render(check(log, rules, as_of=AS_OF))


COVERAGE = {"kind": "coverage", "start": {"type": "shift_clock_in"},
            "stop": {"type": "shift_clock_out"}, "key": "staff", "group_by": "site",
            "every": "day", "max_gap": "30 minutes"}
COVERAGE_AS_OF = "2025-01-05T00:00:00+08:00"


@st.composite
def rosters(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Clock-ins and clock-outs of a few guards at two sites over four days, often at the same
    instant (hand-overs), with forgotten clock-outs and stray ones."""
    out: list[dict[str, Any]] = [{"id": f"first-{site}", "type": "page_view",
                                  "time": START.isoformat(), "site": site}
                                 for site in SITES[:2]]
    for number in range(draw(st.integers(0, 30))):
        moment = START + timedelta(minutes=30 * draw(st.integers(0, 4 * 48 - 1)))
        out.append({"id": f"c{number}", "type": draw(st.sampled_from(["shift_clock_in",
                                                                      "shift_clock_out"])),
                    "time": moment.isoformat(), "site": draw(st.sampled_from(SITES[:2])),
                    "staff": draw(st.sampled_from(["G1", "G2", "G3"]))})
    return out


@given(rosters(), st.integers(0, 4 * 48 - 1), st.integers(1, 48), st.sampled_from(SITES[:2]),
       st.sampled_from([{}, {"at_least": 2}, {"max_shift": "8 hours"}]))
def test_adding_a_presence_never_turns_a_covered_period_violated(
    log: list[dict[str, Any]], begin: int, halves: int, site: str, variant: dict[str, Any],
) -> None:
    rule = make_rule(**COVERAGE, **variant)
    before = verdicts(check(log, rules_of(rule), as_of=COVERAGE_AS_OF, show_passes=True))
    start = START + timedelta(minutes=30 * begin)
    added = [*log,
             {"id": "in", "type": "shift_clock_in", "time": start.isoformat(), "site": site,
              "staff": "NEW"},
             {"id": "out", "type": "shift_clock_out", "site": site, "staff": "NEW",
              "time": (start + timedelta(minutes=30 * halves)).isoformat()}]
    after = verdicts(check(added, rules_of(rule), as_of=COVERAGE_AS_OF, show_passes=True))
    assert before.keys() == after.keys()
    for subject, outcome in before.items():
        if outcome == "compliant":
            assert after[subject] == "compliant"


@given(rosters(), st.randoms(use_true_random=False), offsets)
def test_coverage_does_not_depend_on_input_order_or_utc_offset(
    log: list[dict[str, Any]], rnd: Any, offset: timedelta,
) -> None:
    shifted = moved(log, rnd, offset)
    for variant in ({}, {"at_least": 2, "max_shift": "8 hours"}):
        rules = rules_of(make_rule(**COVERAGE, **variant))
        first = check(log, rules, as_of=COVERAGE_AS_OF, show_passes=True)
        second = check(shifted, rules, as_of=COVERAGE_AS_OF, show_passes=True)
        assert [f.to_dict() | {"evidence": None} for f in first.findings] == [
            f.to_dict() | {"evidence": None} for f in second.findings]
        assert [[e.id for e in f.evidence] for f in first.findings] == [
            [e.id for e in f.evidence] for f in second.findings]
        assert first.summary == second.summary
