"""Properties 1–7 of the style guide for the deadline kind, on random logs and rules."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

from builders import make_rule, rules_of
from hypothesis import given
from hypothesis import strategies as st
from strategies import BASE, KEYS, ROLES, deadline_rules, events, offsets, stamp

from compliance import Outcome, check
from compliance.reporters.json import render

AS_OF = stamp(BASE + timedelta(days=12))


def findings(report: Any) -> list[dict[str, Any]]:
    """Findings without where their evidence stood in the input (positions may change)."""
    out = []
    for finding in report.findings:
        data = finding.to_dict()
        data["evidence"] = [e["id"] for e in data["evidence"]]
        out.append(data)
    return out


def violations(report: Any) -> int:
    return sum(1 for f in report.findings if f.outcome is Outcome.VIOLATED)


@given(deadline_rules(), events())
def test_1_same_inputs_give_a_byte_identical_report(rule: Any, log: list[dict[str, Any]]) -> None:
    first = render(check(log, rules_of(rule), as_of=AS_OF, show_passes=True))
    second = render(check(list(log), rules_of(rule), as_of=AS_OF, show_passes=True))
    assert first == second


@given(deadline_rules(), events(), st.randoms(use_true_random=False))
def test_2_input_order_changes_nothing(rule: Any, log: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = list(log)
    rnd.shuffle(shuffled)
    original = check(log, rules_of(rule), show_passes=True)
    other = check(shuffled, rules_of(rule), show_passes=True)
    assert findings(original) == findings(other)
    assert original.summary == other.summary
    assert original.as_of == other.as_of


@given(deadline_rules(), events(), offsets)
def test_3_another_utc_offset_changes_nothing(rule: Any, log: list[dict[str, Any]],
                                              offset: timedelta) -> None:
    zone = timezone(offset)
    moved = [{**e, "time": datetime.fromisoformat(e["time"]).astimezone(zone).isoformat()}
             for e in log]
    assert render(check(log, rules_of(rule), show_passes=True)) == render(
        check(moved, rules_of(rule), show_passes=True))


def _earliest_allowed(log: list[dict[str, Any]], index: int) -> datetime:
    """How early a stop may move without passing a start, stop or cancel of its key.

    Passing one changes which instances the stop closes, and so what is judged at all.
    """
    stop = log[index]
    at = datetime.fromisoformat(stop["time"])
    # A stop at the instant of a cancel beats it, so a stop may not move onto a cancel either.
    barriers = [
        datetime.fromisoformat(e["time"])
        + (timedelta(microseconds=1) if e["type"] == ROLES["cancel"] else timedelta(0))
        for i, e in enumerate(log)
        if i != index and e["complaint_id"] == stop["complaint_id"]
        and e["type"] in (ROLES["start"], ROLES["stop"], ROLES["cancel"])
        and datetime.fromisoformat(e["time"]) <= at
    ]
    return max(barriers, default=BASE - timedelta(days=1))


@given(deadline_rules(), events(), st.data())
def test_4_an_earlier_reply_or_a_longer_bound_never_adds_a_violation(
    rule: Any, log: list[dict[str, Any]], data: st.DataObject,
) -> None:
    before = check(log, rules_of(rule), as_of=AS_OF)
    stops = [i for i, e in enumerate(log) if e["type"] == ROLES["stop"]]
    if stops:
        index = data.draw(st.sampled_from(stops))
        at = datetime.fromisoformat(log[index]["time"])
        earliest = _earliest_allowed(log, index)
        step = data.draw(st.integers(0, 72 * 60))
        moved = min(at, max(at - timedelta(minutes=step), earliest))
        changed = [dict(e) for e in log]
        changed[index]["time"] = stamp(moved)
        assert violations(check(changed, rules_of(rule), as_of=AS_OF)) <= violations(before)
    longer = rule.model_copy(update={"within": rule.within.__class__(
        rule.within.amount + data.draw(st.integers(1, 48)), "hours")})
    assert violations(check(log, rules_of(longer), as_of=AS_OF)) <= violations(before)


@given(st.integers(1, 72 * 60), st.integers(0, 10**6), st.booleans())
def test_5_a_reply_at_the_bound_is_on_time_and_a_microsecond_later_is_late(
    minutes: int, start_micros: int, late: bool,
) -> None:
    rule = make_rule(kind="deadline", key="complaint_id", start={"type": ROLES["start"]},
                     stop={"type": ROLES["stop"]}, within=f"{minutes} minutes")
    start = BASE + timedelta(microseconds=start_micros)
    stop = start + timedelta(minutes=minutes, microseconds=1 if late else 0)
    log = [{"type": ROLES["start"], "time": stamp(start), "complaint_id": "C-1"},
           {"type": ROLES["stop"], "time": stamp(stop), "complaint_id": "C-1"}]
    [finding] = check(log, rules_of(rule), show_passes=True).findings
    assert finding.outcome is (Outcome.VIOLATED if late else Outcome.COMPLIANT)


@given(st.integers(1, 72 * 60), st.integers(-10**9, 10**9))
def test_6_an_open_instance_is_pending_until_due_then_violated(minutes: int, shift: int) -> None:
    rule = make_rule(kind="deadline", key="complaint_id", start={"type": ROLES["start"]},
                     stop={"type": ROLES["stop"]}, within=f"{minutes} minutes")
    due = BASE + timedelta(minutes=minutes)
    as_of = max(due + timedelta(microseconds=shift), BASE)
    log = [{"type": ROLES["start"], "time": stamp(BASE), "complaint_id": "C-1"}]
    [finding] = check(log, rules_of(rule), as_of=stamp(as_of)).findings
    assert finding.outcome is (Outcome.VIOLATED if as_of > due else Outcome.PENDING)


@given(deadline_rules(), events())
def test_7_checking_each_case_separately_and_merging_equals_the_whole(
    rule: Any, log: list[dict[str, Any]],
) -> None:
    whole = check(log, rules_of(rule), as_of=AS_OF, show_passes=True)
    merged: list[dict[str, Any]] = []
    totals: dict[str, int] = {}
    for key in KEYS:
        part = [e for e in log if e["complaint_id"] == key]
        if not part:
            continue
        report = check(part, rules_of(rule), as_of=AS_OF, show_passes=True)
        merged.extend(findings(report))
        summary = report.summary[0]
        for name, count in asdict(summary.outcomes).items():
            totals[name] = totals.get(name, 0) + count
        totals["cancelled"] = totals.get("cancelled", 0) + summary.cancelled
        totals["unmatched_stops"] = totals.get("unmatched_stops", 0) + summary.unmatched_stops
    assert merged == findings(whole)
    expected = {**asdict(whole.summary[0].outcomes),
                "cancelled": whole.summary[0].cancelled,
                "unmatched_stops": whole.summary[0].unmatched_stops}
    assert totals == expected
