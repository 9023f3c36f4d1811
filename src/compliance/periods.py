"""Calendar periods, from a day to a year, in a rule's time zone: bounds and labels."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from .durations import to_datetime, to_us

Every = Literal["day", "week", "month", "quarter", "half_year", "year"]
_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def first_day(day: date, every: Every) -> date:
    """The first day of the period that holds `day` (weeks start on Monday)."""
    if every == "day":
        return day
    if every == "week":
        return day - timedelta(days=day.weekday())
    months = _MONTHS[every]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def next_first_day(start: date, every: Every) -> date:
    """The first day of the period after the one starting on `start`."""
    if every == "day":
        return start + timedelta(days=1)
    if every == "week":
        return start + timedelta(days=7)
    month = start.month - 1 + _MONTHS[every]
    return date(start.year + month // 12, month % 12 + 1, 1)


def label(start: date, every: Every) -> str:
    """`2025-07-01`, `2025-W27`, `2025-07`, `2025-Q3`, `2025-H2` or `2025`."""
    if every == "day":
        return start.isoformat()
    if every == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if every == "month":
        return f"{start.year}-{start.month:02d}"
    if every == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if every == "half_year":
        return f"{start.year}-H{(start.month - 1) // 6 + 1}"
    return str(start.year)


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar period: [start, end) in µs, and its label."""

    start: int
    end: int
    label: str


class Periods:
    """The periods that meet an input window [window_start, as_of), to bucket events by time.

    A period that would start at as_of itself holds nothing that could be judged: it is left out.
    """

    def __init__(self, window_start: int, as_of: int, every: Every, tz: tzinfo) -> None:
        self.window_start = window_start
        self.as_of = as_of
        self.periods: list[Period] = []
        day = first_day(to_datetime(window_start, tz).date(), every)
        while True:
            begin = _midnight(day, tz)
            if begin >= as_of and self.periods:
                break
            following = next_first_day(day, every)
            self.periods.append(Period(begin, _midnight(following, tz), label(day, every)))
            day = following
        self._starts = [p.start for p in self.periods]

    def index(self, ts: int) -> int | None:
        """The period holding an instant inside the window, or None outside it."""
        if ts < self.window_start or ts > self.as_of or ts >= self.periods[-1].end:
            return None
        return bisect_right(self._starts, ts) - 1

    def covered(self, period: Period) -> bool:
        """Whether the period lies wholly inside the window (only those are judged)."""
        return period.start >= self.window_start and period.end <= self.as_of


def _midnight(day: date, tz: tzinfo) -> int:
    return to_us(datetime.combine(day, time(), tzinfo=tz))


def window_start(earliest: int, tz: tzinfo) -> int:
    """00:00 local time of the earliest event's date: where the input window begins."""
    return _midnight(to_datetime(earliest, tz).date(), tz)
