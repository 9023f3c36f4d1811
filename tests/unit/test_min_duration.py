"""The min_duration kind: at least a duration between start and stop."""

from __future__ import annotations

from builders import ev, make_rule, rules_of

from compliance import Outcome, check

PRESENTATION = {
    "kind": "min_duration", "key": "visit_id",
    "start": {"type": "presentation_started"}, "stop": {"type": "presentation_ended"},
    "at_least": "30 minutes",
}


def run(events: list[dict[str, object]], as_of: str | None = None) -> object:
    return check(events, rules_of(make_rule(**PRESENTATION)), as_of=as_of, show_passes=True)


def test_exactly_the_minimum_is_compliant_and_shorter_is_violated() -> None:
    report = run([
        ev("presentation_started", "2025-07-05T10:00:00", visit_id="V-1"),
        ev("presentation_ended", "2025-07-05T10:30:00", visit_id="V-1"),
        ev("presentation_started", "2025-07-05T11:00:00", visit_id="V-2", staff="P-03"),
        ev("presentation_ended", "2025-07-05T11:18:00", visit_id="V-2"),
    ])
    first, second = report.findings  # type: ignore[attr-defined]
    assert (first.subject, first.outcome) == ("visit_id=V-1", Outcome.COMPLIANT)
    assert (second.subject, second.outcome) == ("visit_id=V-2", Outcome.VIOLATED)
    assert (second.elapsed, second.short_by, second.staff) == ("PT18M", "PT12M", "P-03")
    assert second.due == "2025-07-05T11:30:00+08:00"


def test_an_unfinished_activity_is_pending_then_not_evaluated() -> None:
    events = [ev("presentation_started", "2025-07-05T10:00:00", visit_id="V-1")]
    [running] = run(events, as_of="2025-07-05T10:20:00+08:00").findings  # type: ignore[attr-defined]
    assert running.outcome is Outcome.PENDING
    [never] = run(events, as_of="2025-07-06T10:00:00+08:00").findings  # type: ignore[attr-defined]
    assert never.outcome is Outcome.NOT_EVALUATED
    assert "no stop event" in (never.reason or "")
