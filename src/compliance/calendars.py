"""Working days and business hours on the mainland-China calendar, with company overlays.

A working day in mainland China is not just Monday to Friday: statutory holidays are off and the
official make-up working days (调休, often a Saturday or Sunday) are on. The national calendar
comes from the `chinesecalendar` package, which knows each year once the State Council has
published it and refuses the others. A year nobody knows is never guessed: arithmetic that needs
it says so, and the instance is `not_evaluated` unless its verdict cannot depend on it.

An overlay (a `--calendar` file, or a rule's `calendar:`) adds a year's official calendar before
the package knows it, company closed days and extra working days, and opening hours, each for all
sites or per site. Layers apply in order: the package, the `--calendar` file, the rule's own.

Arithmetic works on precomputed intervals: the working days (whole local days) and the opening
hours of each working day, as sorted arrays of instants with running totals, searched with bisect.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Any

import chinese_calendar  # type: ignore[import-untyped]
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
)

from .durations import Duration, to_datetime, to_us

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
DEFAULT_HOURS: tuple[tuple[int, int], ...] = ((9 * 60, 18 * 60),)

_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
_HOURS_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$"
HOURS_PATTERN = r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$"


def _days(value: Any) -> tuple[date, ...]:
    """`2025-10-01` or a range `2025-10-01..2025-10-08` (inclusive), as dates."""
    text = value.isoformat() if isinstance(value, date) else value
    match = _DATE_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid date {value!r}: write YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2) or match.group(1))
    except ValueError:
        raise ValueError(f"invalid date {value!r}: no such day") from None
    if last < first:
        raise ValueError(f"invalid date range {value!r}: it ends before it starts")
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def _hours(value: Any) -> tuple[tuple[int, int], ...]:
    """`09:00-18:00`, or a list of such spans (a lunch break), as minutes of the day."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"invalid opening hours {value!r}: write 09:00-18:00, or a list of spans")
    spans = []
    for item in items:
        match = _HOURS_RE.match(item.strip()) if isinstance(item, str) else None
        if match is None:
            raise ValueError(f"invalid opening hours {item!r}: write HH:MM-HH:MM, e.g. 09:00-18:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if m1 > 59 or m2 > 59 or h1 > 24 or h2 > 24 or (h1 == 24 and m1) or (h2 == 24 and m2):
            raise ValueError(f"invalid opening hours {item!r}: not a time of day")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end:
            raise ValueError(f"invalid opening hours {item!r}: it must close after it opens")
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            raise ValueError(f"invalid opening hours {value!r}: the spans overlap")
    return tuple(spans)


def _hours_text(spans: tuple[tuple[int, int], ...]) -> list[str]:
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans]


Days = Annotated[
    tuple[date, ...],
    PlainValidator(_days),
    PlainSerializer(lambda days: f"{days[0]}..{days[-1]}" if len(days) > 1 else str(days[0]),
                    return_type=str),
    WithJsonSchema({"type": "string", "pattern": DATE_PATTERN,
                    "description": "a day YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD"}),
]
Hours = Annotated[
    tuple[tuple[int, int], ...],
    PlainValidator(_hours),
    PlainSerializer(_hours_text, return_type=list[str]),
    WithJsonSchema({
        "anyOf": [{"type": "string", "pattern": HOURS_PATTERN},
                  {"type": "array", "items": {"type": "string", "pattern": HOURS_PATTERN},
                   "minItems": 1}],
        "description": "opening hours HH:MM-HH:MM, or a list of spans (e.g. with a lunch break)",
    }),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayChanges(_Model):
    """Days off and extra working days, on top of the national calendar."""

    holidays: list[Days] = Field(default_factory=list, description="extra days off")
    working_days: list[Days] = Field(default_factory=list, description="extra working days")


class SiteCalendar(DayChanges):
    """One site's opening hours and its own closed or extra working days."""

    hours: Hours | None = None


class NationalYear(_Model):
    """A year's official calendar: every holiday weekday off and every make-up working day."""

    holidays: list[Days] = Field(description="the statutory days off (weekends need not be listed)")
    working_days: list[Days] = Field(default_factory=list,
                                     description="the make-up working days (调休上班)")


class CalendarOverlay(DayChanges):
    """A company calendar: national years the package lacks, closed days, opening hours."""

    national: dict[str, NationalYear] = Field(
        default_factory=dict,
        description="official calendars by year, for years the calendar package does not know",
    )
    hours: Hours | None = Field(default=None, description="opening hours (default 09:00-18:00)")
    sites: dict[str, SiteCalendar] = Field(default_factory=dict)
    # Where each site is named (file, line), set by the loader, for errors found later.
    _site_origins: dict[str, tuple[str, int]] = PrivateAttr(default_factory=dict)

    def name_origins(self, file: str, lines: dict[tuple[Any, ...], int],
                     prefix: tuple[Any, ...] = ()) -> None:
        """Remember the file and line of each site, for an error about it after loading."""
        for site in self.sites:
            self._site_origins[site] = (file, lines.get((*prefix, "sites", site), 1))

    def site_origin(self, site: str) -> tuple[str | None, int | None]:
        """The file and line that name a site, when the overlay came from a file."""
        return self._site_origins.get(site, (None, None))

    @field_validator("national")
    @classmethod
    def _years(cls, value: dict[str, NationalYear]) -> dict[str, NationalYear]:
        for year in value:
            if not re.fullmatch(r"\d{4}", year):
                raise ValueError(f"{year!r} is not a year: write it like 2027")
        return value


def conflicts(overlay: CalendarOverlay) -> list[tuple[tuple[Any, ...], str]]:
    """Each day an overlay lists both as a day off and as a working day, with its place."""
    found = []
    scopes: list[tuple[tuple[Any, ...], DayChanges | NationalYear]] = [((), overlay)]
    scopes += [(("national", year), data) for year, data in overlay.national.items()]
    scopes += [(("sites", site), data) for site, data in overlay.sites.items()]
    for path, scope in scopes:
        off = {day for days in scope.holidays for day in days}
        for index, days in enumerate(scope.working_days):
            both = sorted(off.intersection(days))
            if both:
                found.append(((*path, "working_days", index),
                              f"{both[0]} is listed both as a holiday and as a working day"))
    for year, data in overlay.national.items():
        for field in ("holidays", "working_days"):
            for index, days in enumerate(getattr(data, field)):
                if any(str(day.year) != year for day in days):
                    found.append((("national", year, field, index),
                                  f"{days[0]} is not in {year}"))
    return found


@dataclass(frozen=True, slots=True)
class Day:
    """What the calendar says of one local day for one site."""

    working: bool
    label: str | None  # why, when it is not the plain Monday-to-Friday rule


@dataclass(frozen=True, slots=True)
class Reckoning:
    """A due time, or, where the calendar runs out, the instant up to which it is known."""

    due: int | None
    known_until: int | None = None


class _Clock:
    """Countable time as sorted intervals [start, end) of µs with running totals."""

    def __init__(self, intervals: list[tuple[int, int]]) -> None:
        self.starts = [a for a, _ in intervals]
        self.ends = [b for _, b in intervals]
        self.before: list[int] = []  # countable time before each interval
        total = 0
        for a, b in intervals:
            self.before.append(total)
            total += b - a
        self.after = [t + (b - a) for t, (a, b) in zip(self.before, intervals, strict=True)]
        self.total = total

    def position(self, ts: int) -> int:
        """Countable time from the first interval up to `ts`."""
        i = bisect_right(self.starts, ts) - 1
        if i < 0:
            return 0
        return self.before[i] + min(ts, self.ends[i]) - self.starts[i]

    def advance(self, ts: int, amount: int) -> int | None:
        """The instant by which `amount` of countable time has passed since `ts`; None beyond."""
        if amount <= 0:
            return ts
        target = self.position(ts) + amount
        if target > self.total:
            return None
        # The first interval whose running total reaches the target: exactly at its end counts.
        j = bisect_left(self.after, target)
        return self.starts[j] + (target - self.before[j])

    def spans(self, ts: int, until: int) -> Iterator[tuple[int, int]]:
        """The countable intervals between two instants, clipped to them."""
        i = max(bisect_right(self.starts, ts) - 1, 0)
        while i < len(self.starts) and self.starts[i] < until:
            a, b = max(self.starts[i], ts), min(self.ends[i], until)
            if a < b:
                yield a, b
            i += 1


class WorkCalendar:
    """The working calendar of one time zone and stack of overlays."""

    def __init__(self, tz: tzinfo, overlays: Sequence[CalendarOverlay] = ()) -> None:
        self.tz = tz
        self.overlays = list(overlays)
        self.national: dict[int, NationalYear] = {}
        for overlay in self.overlays:
            self.national.update({int(year): data for year, data in overlay.national.items()})
        package = set(range(2004, _package_last_year() + 1))
        years = package | set(self.national)
        first = min(years)
        last = first
        while last + 1 in years:
            last += 1
        self.first_day, self.last_day = date(first, 1, 1), date(last, 12, 31)
        self._clocks: dict[tuple[str, str | None], _Clock] = {}
        self._ordinals: dict[str | None, list[int]] = {}

    @cached_property
    def _national_days(self) -> dict[date, Day]:
        days: dict[date, Day] = {}
        for data in self.national.values():
            for days_ in data.holidays:
                days.update((d, Day(False, "statutory holiday")) for d in days_)
            for days_ in data.working_days:
                days.update((d, Day(True, "make-up working day")) for d in days_)
        return days

    def day(self, day: date, site: str | None = None) -> Day | None:
        """Whether a local day is a working day for a site; None when no calendar knows it."""
        if not self.first_day <= day <= self.last_day:
            return None
        if day.year in self.national:
            status = self._national_days.get(day) or Day(day.weekday() < 5, None)
        else:
            name = chinese_calendar.holidays.get(day)
            if name is not None:
                status = Day(False, str(name))
            elif day in chinese_calendar.workdays:
                status = Day(True, "make-up working day")
            else:
                status = Day(day.weekday() < 5, None)
        for overlay in self.overlays:
            for scope, label in ((overlay, "company"), (overlay.sites.get(site or ""), "site")):
                if scope is None:
                    continue
                if any(day in days for days in scope.holidays):
                    status = Day(False, f"{label} day off")
                if any(day in days for days in scope.working_days):
                    status = Day(True, f"{label} working day")
        return status

    def hours(self, site: str | None) -> tuple[tuple[int, int], ...]:
        """Opening hours for a site: its own (from any layer, the last one naming them), else
        those of all sites, else 09:00-18:00."""
        general, own = DEFAULT_HOURS, None
        for overlay in self.overlays:
            if overlay.hours is not None:
                general = overlay.hours
            site_calendar = overlay.sites.get(site or "")
            if site_calendar is not None and site_calendar.hours is not None:
                own = site_calendar.hours
        return own or general

    def _site_key(self, site: str | None) -> str | None:
        """Sites without anything of their own share the calendar of all sites."""
        return site if any(site in o.sites for o in self.overlays) else None

    def _local_midnight(self, day: date) -> int:
        return to_us(datetime.combine(day, time(), tzinfo=self.tz))

    def _working_days(self, site: str | None) -> Iterator[date]:
        day = self.first_day
        while day <= self.last_day:
            status = self.day(day, site)
            if status is not None and status.working:
                yield day
            day += timedelta(days=1)

    def ordinals(self, site: str | None) -> list[int]:
        """The working days of the known range, as date ordinals (cached per site)."""
        key = self._site_key(site)
        if key not in self._ordinals:
            self._ordinals[key] = [d.toordinal() for d in self._working_days(key)]
        return self._ordinals[key]

    def clock(self, unit: str, site: str | None) -> _Clock:
        """Countable time: whole working days, or opening hours of working days."""
        key = (unit, self._site_key(site))
        if key not in self._clocks:
            intervals = []
            for ordinal in self.ordinals(key[1]):
                day = date.fromordinal(ordinal)
                midnight = self._local_midnight(day)
                if unit == "working_days":
                    intervals.append((midnight, self._local_midnight(day + timedelta(days=1))))
                    continue
                for start, end in self.hours(key[1]):
                    intervals.append((self._at(day, start), self._at(day, end)))
            self._clocks[key] = _Clock(intervals)
        return self._clocks[key]

    def _at(self, day: date, minutes: int) -> int:
        if minutes >= 24 * 60:
            return self._local_midnight(day + timedelta(days=1))
        return to_us(datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz))

    @property
    def known_until(self) -> int:
        """The first instant no calendar knows: midnight after the last known day."""
        return self._local_midnight(self.last_day + timedelta(days=1))

    def first_unknown_year(self) -> int:
        """The first year after the known range."""
        return self.last_day.year + 1

    def add(self, ts: int, duration: Duration, site: str | None) -> Reckoning:
        """`ts` plus working days (24:00 at the end of the N-th working day after the local
        date of `ts`) or business hours (counted only inside opening hours)."""
        local = to_datetime(ts, self.tz).date()
        if local < self.first_day:
            return Reckoning(None, None)
        if duration.unit == "working_days":
            if local > self.last_day:
                return Reckoning(None, ts)
            ordinals = self.ordinals(site)
            index = bisect_right(ordinals, local.toordinal()) + duration.amount - 1
            if duration.amount == 0:
                return Reckoning(self._local_midnight(local + timedelta(days=1)))
            if index >= len(ordinals):
                return Reckoning(None, self.known_until)
            return Reckoning(self._local_midnight(date.fromordinal(ordinals[index] + 1)))
        due = self.clock("business_hours", site).advance(ts, duration.amount * HOUR_US)
        return Reckoning(due, None if due is not None else max(ts, self.known_until))

    def extend(self, due: int, since: int, until: int, unit: str, site: str | None) -> int | None:
        """A due time moved by the countable time a pause covered; None beyond the calendar."""
        clock = self.clock(unit, site)
        if until > self.known_until:
            return None
        return clock.advance(due, clock.position(until) - clock.position(since))

    def explain(self, ts: int, duration: Duration, site: str | None, lang: str) -> str:
        """How a due time was reached, for an auditor to check by hand."""
        zh = lang == "zh"
        start_day = to_datetime(ts, self.tz).date()
        if duration.unit == "working_days":
            counted: list[tuple[date, str | None]] = []
            skipped: list[tuple[date, str | None]] = []
            day = start_day
            while len(counted) < duration.amount:
                day += timedelta(days=1)
                status = self.day(day, site)
                if status is None:
                    break
                if status.working:
                    counted.append((day, status.label))
                else:
                    skipped.append((day, status.label or "weekend"))
            counted_text = ", ".join(_day_text(d, label, zh) for d, label in counted)
            skipped_text = ", ".join(_runs(skipped, zh))
            if zh:
                out = f"{start_day} 之后的 {duration.amount} 个工作日:{counted_text}"
                return out + (f";不计:{skipped_text}" if skipped else "")
            out = f"{duration.amount} working days after {start_day}: {counted_text}"
            return out + (f"; not counted: {skipped_text}" if skipped else "")
        due = self.add(ts, duration, site).due
        clock = self.clock("business_hours", site)
        parts = []
        for a, b in clock.spans(ts, due if due is not None else self.known_until):
            left, right = to_datetime(a, self.tz), to_datetime(b, self.tz)
            hours = f"{(b - a) / HOUR_US:g}"
            parts.append(f"{left:%Y-%m-%d %H:%M}-{right:%H:%M} ({hours} h)")
        hours_text = ", ".join(_hours_text(self.hours(site)))
        if zh:
            return f"{duration.amount} 个营业小时(营业时间 {hours_text}):" + ", ".join(parts)
        return f"{duration.amount} business hours (open {hours_text}): " + ", ".join(parts)


def _runs(days: list[tuple[date, str | None]], zh: bool) -> Iterator[str]:
    """Consecutive days as ranges: `2025-10-01..2025-10-08 (National Day, Mid-autumn Festival)`."""
    run: list[tuple[date, str | None]] = []
    for day, label in [*days, (date.max, None)]:
        if run and (day == date.max or day - run[-1][0] != timedelta(days=1)):
            labels = [name for _, name in run if name]
            names = ", ".join(_ZH_LABELS.get(n, n) if zh else n for n in dict.fromkeys(labels))
            span = f"{run[0][0]}..{run[-1][0]}" if len(run) > 1 else str(run[0][0])
            yield f"{span} ({names})" if names else span
            run = []
        run.append((day, label))


def _day_text(day: date, label: str | None, zh: bool) -> str:
    if label is None:
        return day.isoformat()
    if zh:
        label = _ZH_LABELS.get(label, label)
    return f"{day} ({label})"


_ZH_LABELS = {
    "make-up working day": "调休上班", "statutory holiday": "法定节假日", "weekend": "周末",
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    "company day off": "公司休息日", "company working day": "公司工作日",
    "site day off": "案场休息日", "site working day": "案场工作日",
}


def _package_last_year() -> int:
    """The last year the chinesecalendar package knows."""
    last: int = max(day.year for day in chinese_calendar.holidays)
    return last


class CalendarBook:
    """The working calendars of a check: one per time zone and rule overlay, built once."""

    def __init__(self, overlays: Sequence[CalendarOverlay] = ()) -> None:
        self.overlays = list(overlays)
        self._built: dict[tuple[str, int], WorkCalendar] = {}

    def for_rule(self, timezone: str, tz: tzinfo, own: CalendarOverlay | None) -> WorkCalendar:
        """The calendar of a rule: the national one, the check's overlays, the rule's own."""
        key = (timezone, id(own))
        if key not in self._built:
            layers = [*self.overlays, *([own] if own is not None else [])]
            self._built[key] = WorkCalendar(tz, layers)
        return self._built[key]

    def sites(self, rule_overlays: Sequence[CalendarOverlay | None]
              ) -> dict[str, tuple[str | None, int | None]]:
        """Every site an overlay of this check names, with the file and line naming it."""
        overlays = [o for o in (*self.overlays, *rule_overlays) if o is not None]
        return {site: o.site_origin(site) for o in reversed(overlays) for site in o.sites}
