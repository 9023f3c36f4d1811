"""Working days and business hours: the national calendar, overlays and unknown years.

Expected due times are worked out by hand from the State Council's published calendars.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from builders import ev, make_rule, rules_of

from compliance import Outcome, check
from compliance.calendars import CalendarOverlay, WorkCalendar
from compliance.durations import parse_duration, to_datetime, to_us
from compliance.errors import RuleError
from compliance.rulebook import load_calendar

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> int:
    return to_us(dt.datetime.fromisoformat(text))


def due(calendar: WorkCalendar, start: str, duration: str, site: str | None = None) -> str | None:
    reckoned = calendar.add(at(start), parse_duration(duration), site)
    return None if reckoned.due is None else to_datetime(reckoned.due, SH).isoformat()


@pytest.mark.parametrize(("start", "duration", "expected"), [
    # The contract's example: Sunday 09-28 was a make-up working day.
    ("2025-09-27T10:00:00+08:00", "2 working days", "2025-09-30T00:00:00+08:00"),
    # National Day: 10-01..10-08 off; Thursday 10-09 and Friday 10-10 count.
    ("2025-09-30T10:00:00+08:00", "2 working days", "2025-10-11T00:00:00+08:00"),
    # Saturday 10-11 was a make-up working day.
    ("2025-10-09T10:00:00+08:00", "2 working days", "2025-10-12T00:00:00+08:00"),
    # Spring Festival 2026: Saturday 02-14 worked, 02-15..02-23 off.
    ("2026-02-13T18:30:00+08:00", "2 working days", "2026-02-25T00:00:00+08:00"),
    ("2026-02-13T18:30:00+08:00", "1 working day", "2026-02-15T00:00:00+08:00"),
    # Late in the evening in UTC is the next local day in Shanghai.
    ("2025-09-26T17:00:00Z", "1 working day", "2025-09-29T00:00:00+08:00"),
    # Business hours, 09:00-18:00 on working days.
    ("2025-03-03T16:00:00+08:00", "8 business hours", "2025-03-04T15:00:00+08:00"),
    ("2025-03-03T20:00:00+08:00", "8 business hours", "2025-03-04T17:00:00+08:00"),
    ("2025-03-03T10:00:00+08:00", "8 business hours", "2025-03-03T18:00:00+08:00"),
    ("2025-09-30T17:00:00+08:00", "2 business hours", "2025-10-09T10:00:00+08:00"),
    ("2025-09-27T08:00:00+08:00", "9 business hours", "2025-09-28T18:00:00+08:00"),
])
def test_national_calendar(start: str, duration: str, expected: str) -> None:
    assert due(WorkCalendar(SH), start, duration) == expected


def test_every_day_agrees_with_the_holidays_package() -> None:
    # Two independent sources of the State Council's calendar; 2019 to the last known year.
    calendar = WorkCalendar(SH)
    last = calendar.last_day.year
    other = holidays.China(years=range(2019, last + 1))
    day, disagreements = dt.date(2019, 1, 1), []
    while day.year <= last:
        ours = calendar.day(day)
        assert ours is not None
        if ours.working != other.is_working_day(day):
            disagreements.append(day)
        day += dt.timedelta(days=1)
    assert disagreements == []


def test_an_unknown_year_is_never_guessed() -> None:
    calendar = WorkCalendar(SH)
    year = calendar.last_day.year + 1
    assert calendar.day(dt.date(year, 3, 2)) is None
    start = at(f"{year - 1}-12-30T10:00:00+08:00")
    reckoned = calendar.add(start, parse_duration("5 working days"), None)
    assert reckoned.due is None
    assert reckoned.known_until == at(f"{year}-01-01T00:00:00+08:00")


def test_an_overlay_supplies_a_year_and_company_days() -> None:
    overlay = CalendarOverlay.model_validate({
        "national": {"2027": {"holidays": ["2027-01-01", "2027-02-05..2027-02-12"],
                              "working_days": ["2027-02-14"]}},
        "holidays": ["2026-12-31"],
        "sites": {"S2": {"hours": ["09:00-12:00", "13:30-18:00"],
                         "working_days": ["2026-12-26"]}},
    })
    calendar = WorkCalendar(SH, [overlay])
    # Company day off on 12-31, New Year on 01-01 (2027 from the overlay): Monday 01-04, 01-05.
    assert due(calendar, "2026-12-30T10:00:00+08:00", "2 working days") == \
        "2027-01-06T00:00:00+08:00"
    # 2027 Spring Festival from the overlay: 02-05..02-12 off, Saturday 02-13 a weekend, Sunday
    # 02-14 worked (the first), Monday 02-15 the second.
    assert due(calendar, "2027-02-04T10:00:00+08:00", "2 working days") == \
        "2027-02-16T00:00:00+08:00"
    # Site S2 works Saturday 12-26 and breaks for lunch.
    assert due(calendar, "2026-12-26T11:00:00+08:00", "2 business hours", "S2") == \
        "2026-12-26T14:30:00+08:00"
    assert due(calendar, "2026-12-26T11:00:00+08:00", "2 business hours", "S1") == \
        "2026-12-28T11:00:00+08:00"


CALENDAR = """\
national:
  2027:
    holidays: [2027-01-01, 2027-02-05..2027-02-12]
    working_days: [2027-02-14]
holidays:
  - 2026-12-31
hours: 09:00-18:00
sites:
  S1:
    hours: [09:00-12:00, 13:00-20:00]
"""


@pytest.mark.parametrize(("change", "line", "reason"), [
    (("hours: 09:00-18:00", "hours: 9:60-18:00"), 7, "not a time of day"),
    (("hours: 09:00-18:00", "hours: 18:00-09:00"), 7, "close after it opens"),
    (("  - 2026-12-31", "  - 2026-02-30"), 6, "no such day"),
    (("  - 2026-12-31", "  - 2026-12-31\nworking_days: [2026-12-31]"), 7,
     "both as a holiday and as a working day"),
    (("[2027-02-14]", "[2028-02-14]"), 4, "not in 2027"),
    (("sites:", "colour: red\nsites:"), 8, "unknown field 'colour'"),
    (("  2027:", "  27:"), 1, "'27' is not a year"),
])
def test_calendar_file_mistakes_name_file_line_and_reason(
    tmp_path: Path, change: tuple[str, str], line: int, reason: str,
) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR.replace(*change, 1), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_calendar(path)
    assert reason in caught.value.reason
    assert (caught.value.file, caught.value.line) == (str(path), line), str(caught.value)


def test_a_good_calendar_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR, encoding="utf-8")
    overlay = load_calendar(path)
    assert overlay.sites["S1"].hours == ((540, 720), (780, 1200))


HANDOVER = {
    "kind": "deadline", "key": "handover_id", "start": {"type": "handover_started"},
    "stop": {"type": "handover_completed"}, "within": "2 working days",
}


def test_a_working_day_deadline_says_how_its_due_time_was_reached() -> None:
    report = check([
        ev("handover_started", "2025-09-30T10:00:00", handover_id="H-1"),
        ev("handover_completed", "2025-10-11T00:00:00", handover_id="H-1"),
        ev("handover_started", "2025-09-30T10:00:00", handover_id="H-2"),
        ev("handover_completed", "2025-10-11T00:00:00.000001", handover_id="H-2"),
    ], rules_of(make_rule(**HANDOVER)), show_passes=True)
    on_time, late = report.findings
    assert (on_time.outcome, late.outcome) == (Outcome.COMPLIANT, Outcome.VIOLATED)
    assert on_time.due == late.due == "2025-10-11T00:00:00+08:00"
    assert late.overdue_by == "PT0.000001S"
    assert late.due_basis is not None
    assert "2025-10-09, 2025-10-10" in late.due_basis
    assert "2025-10-01..2025-10-08" in late.due_basis


def test_an_unknown_year_makes_an_instance_not_evaluated_unless_it_cannot_matter() -> None:
    last = WorkCalendar(SH).last_day.year
    events = [
        # Due in the unknown year, still open when judged in it: cannot be judged.
        ev("handover_started", f"{last}-12-30T10:00:00", handover_id="H-1"),
        # Done before the calendar ran out: on time whatever the next year holds.
        ev("handover_started", f"{last}-12-31T10:00:00", handover_id="H-2"),
        ev("handover_completed", f"{last}-12-31T16:00:00", handover_id="H-2"),
    ]
    rules = rules_of(make_rule(**HANDOVER))
    report = check(events, rules, as_of=f"{last + 1}-01-10T00:00:00+08:00")
    outcomes = {f.subject: f for f in report.findings}
    assert outcomes["handover_id=H-1"].outcome is Outcome.NOT_EVALUATED
    assert str(last + 1) in (outcomes["handover_id=H-1"].reason or "")
    assert report.summary[0].outcomes.compliant == 1
    # Judged before the calendar runs out, the open one is simply pending.
    early = check(events, rules, as_of=f"{last}-12-31T20:00:00+08:00")
    assert [f.outcome for f in early.findings] == [Outcome.PENDING]
    # A calendar overlay that supplies the year makes it judgeable.
    overlay = CalendarOverlay.model_validate(
        {"national": {str(last + 1): {"holidays": [f"{last + 1}-01-01"]}}})
    judged = check(events, rules, as_of=f"{last + 1}-01-10T00:00:00+08:00", calendar=overlay)
    [finding] = judged.findings
    assert finding.outcome is Outcome.VIOLATED


def test_a_site_the_overlay_names_must_appear_on_an_event() -> None:
    overlay = CalendarOverlay.model_validate({"sites": {"S9": {"hours": "10:00-20:00"}}})
    with pytest.raises(RuleError, match="unknown site 'S9'"):
        check([ev("handover_started", "2025-03-03T10:00:00", handover_id="H-1", site="S1")],
              rules_of(make_rule(**HANDOVER)), calendar=overlay)


def test_business_hours_follow_the_site_of_the_start_event() -> None:
    rule = make_rule(**{**HANDOVER, "within": "3 business hours",
                        "calendar": {"sites": {"S1": {"hours": "10:00-20:00"}}}})
    report = check([
        ev("handover_started", "2025-03-03T17:00:00", handover_id="H-1", site="S1"),
        ev("handover_started", "2025-03-03T17:00:00", handover_id="H-2", site="S2"),
    ], rules_of(rule), as_of="2025-03-03T17:30:00+08:00")
    dues = {f.subject: f.due for f in report.findings}
    assert dues == {"handover_id=H-1": "2025-03-03T20:00:00+08:00",
                    "handover_id=H-2": "2025-03-04T11:00:00+08:00"}


def test_a_sites_own_hours_beat_general_hours_of_a_later_layer() -> None:
    company = CalendarOverlay.model_validate({"sites": {"S1": {"hours": "10:00-20:00"}}})
    rule = CalendarOverlay.model_validate({"hours": "08:00-17:00"})
    calendar = WorkCalendar(SH, [company, rule])
    assert calendar.hours("S1") == ((600, 1200),)
    assert calendar.hours("S2") == ((480, 1020),)
