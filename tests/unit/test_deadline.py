"""The deadline kind's instance semantics (product contract §3), case by case.

Expected values are worked out by hand from the contract, not from the engine.
"""

from __future__ import annotations

from typing import Any

import pytest
from builders import ev, make_rule, rules_of

from compliance import Outcome, check
from compliance.errors import RuleError

COMPLAINT = {
    "kind": "deadline", "key": "complaint_id",
    "start": {"type": "complaint_received"}, "stop": {"type": "complaint_result_fed_back"},
    "within": "48 hours",
}


def run(events: list[dict[str, Any]], as_of: str | None = None, **rule: Any) -> Any:
    report = check(events, rules_of(make_rule(**{**COMPLAINT, **rule})), as_of=as_of,
                   show_passes=True)
    return report


def outcomes(report: Any) -> list[tuple[str, str]]:
    return [(f.subject, f.outcome.value) for f in report.findings]


def test_reply_at_the_bound_is_on_time_and_a_microsecond_later_is_late() -> None:
    on_time = run([ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
                   ev("complaint_result_fed_back", "2025-03-03T09:00:00", complaint_id="C-1")])
    assert outcomes(on_time) == [("complaint_id=C-1", "compliant")]
    late = run([ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
                ev("complaint_result_fed_back", "2025-03-03T09:00:00.000001",
                   complaint_id="C-1")])
    [finding] = late.findings
    assert finding.outcome is Outcome.VIOLATED
    assert finding.overdue_by == "PT0.000001S"


def test_late_stop_reports_due_elapsed_and_overdue() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", id="e-101", complaint_id="C-2002",
           site="S2", staff="P-17"),
        ev("complaint_result_fed_back", "2025-03-04T10:30:00", id="e-188", complaint_id="C-2002"),
    ])
    [f] = report.findings
    assert (f.outcome, f.subject, f.site, f.staff) == (Outcome.VIOLATED, "complaint_id=C-2002",
                                                      "S2", "P-17")
    assert f.due == "2025-03-03T09:00:00+08:00"
    assert (f.elapsed, f.overdue_by) == ("P3DT1H30M", "P1DT1H30M")
    assert f.start is not None and f.stop is not None
    assert (f.start.id, f.stop.id) == ("e-101", "e-188")
    assert [e.id for e in f.evidence] == ["e-101", "e-188"]
    assert [e.line for e in f.evidence] == [1, 2]


def test_one_stop_closes_every_open_instance_of_its_key() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", id="a", complaint_id="C-1"),
        ev("complaint_received", "2025-03-02T09:00:00", id="b", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-03T10:00:00", id="c", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-03T11:00:00", id="d", complaint_id="C-1"),
    ])
    # The first instance is 1 h late, the second on time; the second stop has nothing to close.
    assert [(f.start.id, f.outcome.value) for f in report.findings if f.start] == [
        ("a", "violated"), ("b", "compliant")]
    assert report.summary[0].unmatched_stops == 1


def test_stop_before_any_start_is_unmatched_not_a_finding() -> None:
    report = run([
        ev("complaint_result_fed_back", "2025-03-01T08:00:00", complaint_id="C-1"),
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
    ], as_of="2025-03-02T09:00:00+08:00")
    assert outcomes(report) == [("complaint_id=C-1", "pending")]
    assert report.summary[0].unmatched_stops == 1


def test_open_past_due_is_missing_and_open_before_due_is_pending() -> None:
    events = [ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1")]
    [pending] = run(events, as_of="2025-03-03T09:00:00+08:00").findings
    assert pending.outcome is Outcome.PENDING and pending.overdue_by is None
    [missing] = run(events, as_of="2025-03-03T09:00:01+08:00").findings
    assert missing.outcome is Outcome.VIOLATED and missing.overdue_by == "PT1S"
    assert missing.stop is None


def test_as_of_defaults_to_the_latest_event_and_later_events_are_ignored() -> None:
    events = [
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("page_view", "2025-03-04T09:00:00"),
    ]
    report = run(events)
    assert report.as_of == "2025-03-04T09:00:00+08:00"
    assert outcomes(report) == [("complaint_id=C-1", "violated")]
    # A stop after as_of does not count: the complaint is still missing at as_of.
    events.append(ev("complaint_result_fed_back", "2025-03-05T09:00:00", complaint_id="C-1"))
    report = run(events, as_of="2025-03-04T09:00:00+08:00")
    assert outcomes(report) == [("complaint_id=C-1", "violated")]
    assert report.findings[0].stop is None
    assert report.inputs[0].after_as_of == 1


def test_cancel_closes_without_verdict_and_a_stop_beats_a_cancel_at_the_same_instant() -> None:
    cancelled = run([
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_withdrawn", "2025-03-02T09:00:00", complaint_id="C-1"),
    ], as_of="2025-03-09T00:00:00+08:00", cancel={"type": "complaint_withdrawn"})
    assert cancelled.findings == ()
    assert cancelled.summary[0].cancelled == 1
    assert cancelled.summary[0].instances == 1
    assert cancelled.summary[0].compliance_rate is None
    same_instant = run([
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_withdrawn", "2025-03-02T09:00:00", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-02T09:00:00", complaint_id="C-1"),
    ], cancel={"type": "complaint_withdrawn"})
    assert outcomes(same_instant) == [("complaint_id=C-1", "compliant")]
    assert same_instant.summary[0].cancelled == 0


def test_a_stop_at_the_instant_of_its_start_closes_it() -> None:
    report = run([
        ev("complaint_result_fed_back", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
    ])
    assert outcomes(report) == [("complaint_id=C-1", "compliant")]
    assert report.findings[0].elapsed == "PT0S"


PAUSING = {"pause": {"type": "complaint_waiting_customer"},
           "resume": {"type": "complaint_customer_replied"}}


def test_pause_moves_the_due_time_by_the_wait() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_waiting_customer", "2025-03-01T12:00:00", complaint_id="C-1"),
        ev("complaint_customer_replied", "2025-03-02T12:00:00", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-04T09:00:00", complaint_id="C-1"),
    ], **PAUSING)
    [f] = report.findings
    # 24 h of waiting: due 2025-03-03 09:00 + 24 h = 2025-03-04 09:00, the stop is exactly on it.
    assert (f.outcome, f.due, f.paused) == (Outcome.COMPLIANT, "2025-03-04T09:00:00+08:00", "P1D")
    assert len(f.evidence) == 4


def test_a_stop_during_a_pause_is_on_time_and_an_open_paused_instance_is_pending() -> None:
    events = [
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_waiting_customer", "2025-03-02T09:00:00", complaint_id="C-1"),
    ]
    [open_one] = run(events, as_of="2025-03-10T09:00:00+08:00", **PAUSING).findings
    assert open_one.outcome is Outcome.PENDING
    closed = run([*events, ev("complaint_result_fed_back", "2025-03-06T09:00:00",
                              complaint_id="C-1")], **PAUSING)
    assert outcomes(closed) == [("complaint_id=C-1", "compliant")]


def test_a_pause_that_begins_after_the_due_time_does_not_save_the_instance() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_waiting_customer", "2025-03-03T10:00:00", complaint_id="C-1"),
        ev("complaint_customer_replied", "2025-03-05T10:00:00", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-05T11:00:00", complaint_id="C-1"),
    ], **PAUSING)
    [f] = report.findings
    assert (f.outcome, f.due, f.overdue_by) == (
        Outcome.VIOLATED, "2025-03-03T09:00:00+08:00", "P2DT2H")


def test_an_instance_opened_during_a_pause_waits_until_the_resume() -> None:
    report = run([
        ev("complaint_waiting_customer", "2025-03-01T08:00:00", complaint_id="C-1"),
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1"),
        ev("complaint_customer_replied", "2025-03-02T09:00:00", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-04T09:00:00", complaint_id="C-1"),
    ], **PAUSING)
    [f] = report.findings
    assert (f.outcome, f.due) == (Outcome.COMPLIANT, "2025-03-04T09:00:00+08:00")


def test_due_field_with_offset_and_its_failures() -> None:
    rule = {"within": None, "due_field": "promised_at", "offset": "2 hours"}
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1",
           promised_at="2025-03-01T17:00:00+08:00"),
        ev("complaint_result_fed_back", "2025-03-01T19:30:00", complaint_id="C-1"),
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-2"),
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-3", promised_at="soon"),
    ], **rule)
    by_subject = {f.subject: f for f in report.findings}
    late = by_subject["complaint_id=C-1"]
    assert (late.outcome, late.due, late.overdue_by) == (
        Outcome.VIOLATED, "2025-03-01T19:00:00+08:00", "PT30M")
    assert by_subject["complaint_id=C-2"].outcome is Outcome.NOT_EVALUATED
    assert "promised_at" in (by_subject["complaint_id=C-2"].reason or "")
    assert by_subject["complaint_id=C-3"].outcome is Outcome.NOT_EVALUATED


def test_a_start_without_the_key_is_not_evaluated_and_noted() -> None:
    report = run([ev("complaint_received", "2025-03-01T09:00:00")])
    [f] = report.findings
    assert f.outcome is Outcome.NOT_EVALUATED and f.subject == "complaint_id=(missing)"
    assert any("complaint_id" in note for note in report.summary[0].notes)


def test_a_rule_whose_key_no_start_event_carries_says_so() -> None:
    report = run([ev("complaint_received", "2025-03-01T09:00:00", ticket="C-1"),
                  ev("complaint_received", "2025-03-01T10:00:00", ticket="C-2")])
    summary = report.summary[0]
    assert (summary.instances, summary.outcomes.not_evaluated) == (2, 2)
    assert summary.compliance_rate is None
    assert any("none of the 2 start events carries the key field complaint_id" in note
               for note in summary.notes)


def test_a_rule_whose_start_never_occurs_says_so() -> None:
    report = run([ev("page_view", "2025-03-01T09:00:00")])
    summary = report.summary[0]
    assert summary.instances == 0 and summary.compliance_rate is None
    assert any("complaint_received" in note for note in summary.notes)


def test_where_conditions_select_events() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-1", severity="major"),
        ev("complaint_received", "2025-03-01T09:00:00", complaint_id="C-2", severity="normal"),
    ], as_of="2025-03-10T00:00:00+08:00",
        start={"type": "complaint_received", "where": {"severity": "major"}})
    assert outcomes(report) == [("complaint_id=C-1", "violated")]


def test_timestamps_in_other_offsets_compare_as_instants() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00+08:00", complaint_id="C-1"),
        ev("complaint_result_fed_back", "2025-03-03T01:00:00Z", complaint_id="C-1"),
    ])
    [f] = report.findings
    assert f.outcome is Outcome.COMPLIANT and f.stop is not None
    assert f.stop.time == "2025-03-03T09:00:00+08:00"


@pytest.mark.parametrize(("fields", "message"), [
    ({"due_field": "x"}, "exactly one"),
    ({"within": None}, "exactly one"),
    ({"offset": "1 hour"}, "offset"),
    ({"pause": {"type": "p"}}, "together"),
])
def test_inconsistent_deadline_rules_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_rule(**{**COMPLAINT, **fields})


def test_duplicate_event_ids_are_rejected_and_counted() -> None:
    report = run([
        ev("complaint_received", "2025-03-01T09:00:00", id="e-1", complaint_id="C-1"),
        ev("complaint_received", "2025-03-01T09:00:00", id="e-1", complaint_id="C-1"),
    ], as_of="2025-03-02T00:00:00+08:00")
    assert report.summary[0].instances == 1
    item = report.inputs[0]
    assert (item.records, item.accepted, item.rejected) == (2, 1, 1)
    assert "duplicate" in item.rejections[0].reason


def test_rule_error_type_is_exported() -> None:
    assert issubclass(RuleError, Exception)
