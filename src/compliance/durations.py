"""Durations as written in rule files: parsing, calendar arithmetic and display."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

Unit = Literal[
    "minutes", "hours", "days", "weeks", "months", "quarters", "years",
    "working_days", "business_hours",
]

_UNIT_WORDS: dict[str, Unit] = {
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "week": "weeks", "weeks": "weeks",
    "month": "months", "months": "months",
    "quarter": "quarters", "quarters": "quarters",
    "year": "years", "years": "years",
    "working day": "working_days", "working days": "working_days",
    "business hour": "business_hours", "business hours": "business_hours",
}

# Kept in one place so that the JSON Schema and the parser accept exactly the same strings.
DURATION_PATTERN = (
    r"^\s*[0-9]+\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?"
    r"|months?|quarters?|years?|working\s+days?|business\s+hours?)\s*$"
)
_DURATION_RE = re.compile(r"^\s*([0-9]+)\s*([a-z]+(?:\s+[a-z]+)?)\s*$")

_ELAPSED_US: dict[str, int] = {
    "minutes": 60_000_000,
    "hours": 3_600_000_000,
    "days": 86_400_000_000,
    "weeks": 7 * 86_400_000_000,
}
_MONTHS_PER: dict[str, int] = {"months": 1, "quarters": 3, "years": 12}

_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
_ONE_US = timedelta(microseconds=1)

_NAMES = {
    "en": {"minutes": ("minute", "minutes"), "hours": ("hour", "hours"), "days": ("day", "days"),
           "weeks": ("week", "weeks"), "months": ("month", "months"),
           "quarters": ("quarter", "quarters"), "years": ("year", "years"),
           "working_days": ("working day", "working days"),
           "business_hours": ("business hour", "business hours")},
    "zh": {"minutes": ("分钟", "分钟"), "hours": ("小时", "小时"), "days": ("天", "天"),
           "weeks": ("周", "周"), "months": ("个月", "个月"), "quarters": ("个季度", "个季度"),
           "years": ("年", "年"), "working_days": ("个工作日", "个工作日"),
           "business_hours": ("个营业小时", "个营业小时")},
}


@dataclass(frozen=True, slots=True)
class Duration:
    """An amount of a unit: exact elapsed time (minutes to weeks) or calendar months."""

    amount: int
    unit: Unit

    @property
    def on_calendar(self) -> bool:
        """True for working days and business hours, which need the working calendar."""
        return self.unit in ("working_days", "business_hours")

    @property
    def is_elapsed(self) -> bool:
        """True when the duration is a fixed number of microseconds."""
        return self.unit in _ELAPSED_US

    @property
    def microseconds(self) -> int:
        """The exact length of an elapsed duration."""
        return self.amount * _ELAPSED_US[self.unit]

    def add_to(self, ts_us: int, tz: ZoneInfo) -> int:
        """Return the instant `ts_us` (µs since the epoch) plus this duration, as µs.

        Working days and business hours are added by `calendars.WorkCalendar`, never here.
        """
        if self.on_calendar:
            raise ValueError(f"{self} needs the working calendar")
        if self.is_elapsed:
            return ts_us + self.microseconds
        local = to_datetime(ts_us, tz)
        months = local.month - 1 + self.amount * _MONTHS_PER[self.unit]
        year, month = local.year + months // 12, months % 12 + 1
        day = min(local.day, _days_in_month(year, month))
        # Wall-clock arithmetic in the rule's zone: "one month after 10:00 on 31 Jan" is 10:00 on
        # the last day of February, whatever the offset was in between.
        shifted = local.replace(year=year, month=month, day=day, tzinfo=None).replace(tzinfo=tz)
        return to_us(shifted)

    def text(self, lang: str = "en") -> str:
        """The duration as a person writes it: `48 hours`, `48 小时`."""
        one, many = _NAMES["zh" if lang == "zh" else "en"][self.unit]
        word = one if self.amount == 1 else many
        return f"{self.amount} {word}"

    def __str__(self) -> str:
        return self.text("en")


def parse_duration(text: str) -> Duration:
    """Parse `30 minutes`, `24h`, `1 quarter`; raise ValueError with the accepted forms."""
    match = _DURATION_RE.match(text.strip().lower()) if isinstance(text, str) else None
    unit = _UNIT_WORDS.get(" ".join(match.group(2).split())) if match else None
    if match is None or unit is None:
        raise ValueError(
            f"invalid duration {text!r}: write a whole number and a unit, e.g. '30 minutes', "
            "'24 hours', '3 days', '2 weeks', '1 month', '1 quarter', '1 year', "
            "'2 working days', '8 business hours' (or 30m, 24h, 3d)"
        )
    return Duration(int(match.group(1)), unit)


def _days_in_month(year: int, month: int) -> int:
    nxt = datetime(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime, exactly."""
    return (moment - _EPOCH) // _ONE_US


def to_datetime(ts_us: int, tz: tzinfo) -> datetime:
    """The instant `ts_us` as an aware datetime in `tz`."""
    return (_EPOCH + timedelta(microseconds=ts_us)).astimezone(tz)


def iso_duration(us: int) -> str:
    """An exact span as ISO 8601: `PT30M`, `P1DT1H30M`, `PT0.000001S` (days are 24 hours)."""
    if us < 0:
        return "-" + iso_duration(-us)
    seconds, micro = divmod(us, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if micro:
        clock += f"{seconds}.{micro:06d}".rstrip("0") + "S"
    elif seconds:
        clock += f"{seconds}S"
    if clock:
        return f"P{days}DT{clock}" if days else f"PT{clock}"
    return f"P{days}D" if days else "PT0S"


_ISO_RE = re.compile(
    r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,6}))?S)?)?$"
)


def parse_iso_duration(text: str) -> int:
    """Microseconds of a span written by `iso_duration` (days of 24 hours)."""
    match = _ISO_RE.match(text)
    if not match or text in ("P", "-P", "PT", "-PT"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    sign, days, hours, minutes, seconds, fraction = match.groups()
    us = ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60_000_000
    us += int(seconds or 0) * 1_000_000 + int((fraction or "0").ljust(6, "0"))
    return -us if sign else us


def human_span(us: int, lang: str = "en") -> str:
    """A span for messages: `25 minutes`, `73.5 hours` (one decimal), in the report's language."""
    minutes = us / 60_000_000
    if abs(minutes) < 60:
        value, unit = minutes, "minutes"
    else:
        value, unit = minutes / 60, "hours"
    shown = f"{value:.1f}".rstrip("0").rstrip(".")
    if shown == "-0":
        shown = "0"
    one, many = _NAMES["zh" if lang == "zh" else "en"][unit]
    return f"{shown} {one if shown == '1' else many}"
