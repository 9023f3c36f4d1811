"""Properties of working-day and business-hour arithmetic on random instants of 2019-2026."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from builders import make_rule, rules_of
from hypothesis import given
from hypothesis import strategies as st
from strategies import offsets

from compliance import Outcome, check
from compliance.calendars import WorkCalendar
from compliance.durations import Duration, to_datetime, to_us
from compliance.reporters.json import render

SH = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar(SH)
instants = st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2026, 11, 30),
                        timezones=st.just(SH))


@given(instants, st.integers(0, 20), st.sampled_from(["working_days", "business_hours"]))
def test_the_due_time_never_decreases_as_n_grows(start: dt.datetime, n: int, unit: str) -> None:
    ts = to_us(start)
    first = CALENDAR.add(ts, Duration(n, unit), None).due  # type: ignore[arg-type]
    second = CALENDAR.add(ts, Duration(n + 1, unit), None).due  # type: ignore[arg-type]
    assert first is not None and second is not None
    assert first <= second
    assert first >= ts


def _business_time(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Opening hours 09:00-18:00 of working days between two instants, day by day."""
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        if chinese_calendar.is_workday(day):
            opening = dt.datetime.combine(day, dt.time(9), tzinfo=SH)
            closing = dt.datetime.combine(day, dt.time(18), tzinfo=SH)
            total += max(dt.timedelta(), min(end, closing) - max(start, opening))
        day += dt.timedelta(days=1)
    return total


@given(instants, st.integers(1, 60))
def test_a_business_hours_clock_advances_only_inside_opening_hours(start: dt.datetime,
                                                                   hours: int) -> None:
    due = CALENDAR.add(to_us(start), Duration(hours, "business_hours"), None).due
    assert due is not None
    local = to_datetime(due, SH)
    assert chinese_calendar.is_workday(local.date())
    assert dt.time(9) < local.time() <= dt.time(18)
    assert _business_time(start, local) == dt.timedelta(hours=hours)


@given(instants, st.integers(1, 10))
def test_working_days_end_at_midnight_after_the_nth_working_day(start: dt.datetime,
                                                                n: int) -> None:
    due = CALENDAR.add(to_us(start), Duration(n, "working_days"), None).due
    assert due is not None
    local = to_datetime(due, SH)
    assert local.time() == dt.time(0)
    counted = [start.date() + dt.timedelta(days=k) for k in range(1, (local.date() -
                                                                        start.date()).days)]
    workdays = [d for d in counted if chinese_calendar.is_workday(d)]
    assert len(workdays) == n and workdays[-1] == local.date() - dt.timedelta(days=1)


HANDOVER = {"kind": "deadline", "key": "handover_id", "start": {"type": "handover_started"},
            "stop": {"type": "handover_completed"}}


@given(instants, st.integers(1, 5), st.sampled_from(["working days", "business hours"]),
       st.booleans())
def test_a_stop_at_the_due_instant_is_on_time_and_a_microsecond_later_is_late(
    start: dt.datetime, n: int, unit: str, late: bool,
) -> None:
    rule = make_rule(**HANDOVER, within=f"{n} {unit}")
    due = CALENDAR.add(to_us(start), Duration(n, unit.replace(" ", "_")), None).due  # type: ignore[arg-type]
    assert due is not None
    stop = to_datetime(due + (1 if late else 0), SH)
    log = [{"type": "handover_started", "time": start.isoformat(), "handover_id": "H-1"},
           {"type": "handover_completed", "time": stop.isoformat(), "handover_id": "H-1"}]
    [finding] = check(log, rules_of(rule), show_passes=True).findings
    assert finding.outcome is (Outcome.VIOLATED if late else Outcome.COMPLIANT)


@given(st.lists(st.tuples(instants, st.integers(0, 8 * 24 * 60), st.sampled_from(["H-1", "H-2"])),
                min_size=1, max_size=8),
       offsets, st.sampled_from(["2 working days", "8 business hours"]))
def test_another_utc_offset_changes_nothing(
    handovers: list[tuple[dt.datetime, int, str]], offset: dt.timedelta, within: str,
) -> None:
    rule = make_rule(**HANDOVER, within=within)
    log = []
    for number, (start, minutes, key) in enumerate(handovers):
        log.append({"id": f"s{number}", "type": "handover_started", "time": start.isoformat(),
                    "handover_id": key})
        stop = start + dt.timedelta(minutes=minutes)
        log.append({"id": f"t{number}", "type": "handover_completed", "time": stop.isoformat(),
                    "handover_id": key})
    zone = dt.timezone(offset)
    moved = [{**e, "time": dt.datetime.fromisoformat(e["time"]).astimezone(zone).isoformat()}
             for e in log]
    assert render(check(log, rules_of(rule), show_passes=True)) == render(
        check(moved, rules_of(rule), show_passes=True))
