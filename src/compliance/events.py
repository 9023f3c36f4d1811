"""The event envelope: required fields, timestamps with offsets, and references to events."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .durations import to_us

ENVELOPE_FIELDS = ("type", "time", "id", "case", "customer", "staff", "site", "project", "unit")

# The standard keys of process-mining exports (XES attributes, CSV headers) and the envelope
# fields they stand for.
PROCESS_MINING_KEYS = {
    "case:concept:name": "case",
    "concept:name": "type",
    "time:timestamp": "time",
    "org:resource": "staff",
}

_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_zone(text: str) -> tzinfo:
    """An IANA zone name (`Asia/Shanghai`) or a fixed offset (`+08:00`, `UTC`)."""
    match = _OFFSET_RE.match(text.strip())
    if match:
        sign = -1 if match.group(1) == "-" else 1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        if delta >= timedelta(hours=24):
            raise ValueError(f"offset {text!r} is out of range")
        return timezone(sign * delta)
    if text.strip().upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {text!r} (use an IANA name like Asia/Shanghai or an offset +08:00)"
        ) from None


class TimeParser:
    """Reads RFC 3339 timestamps; text without an offset only when a default zone is given."""

    __slots__ = ("default_tz",)

    def __init__(self, default_tz: tzinfo | None = None) -> None:
        self.default_tz = default_tz

    def parse(self, value: Any) -> int:
        """Parse one timestamp to µs since the epoch; raise ValueError with a one-line reason."""
        return to_us(self.aware(value))

    def aware(self, value: Any) -> datetime:
        """Parse one timestamp to an aware datetime; raise ValueError with a one-line reason."""
        if isinstance(value, datetime):
            moment = value
        else:
            if not isinstance(value, str):
                raise ValueError(f"time must be an RFC 3339 text, not {type(value).__name__}")
            if len(value) < 16 or value[10] not in "Tt ":
                raise ValueError(f"time {value!r} is not an RFC 3339 date and time")
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"time {value!r} is not an RFC 3339 date and time") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            if self.default_tz is None:
                raise ValueError(
                    f"time {value!s} has no UTC offset (add one, or give --default-tz)"
                )
            moment = moment.replace(tzinfo=self.default_tz)
        return moment


class EventRef:
    """What the engine remembers of an event that a rule uses: when, which, and where it stood."""

    __slots__ = ("file", "id", "line", "seq", "site", "staff", "ts", "type")

    def __init__(
        self, ts: int, type_: str, id_: str | None, file: str, line: int, seq: int,
        site: str | None, staff: str | None,
    ) -> None:
        self.ts = ts
        self.type = type_
        self.id = id_
        self.file = file
        self.line = line
        self.seq = seq
        self.site = site
        self.staff = staff

    @property
    def ident(self) -> str:
        """The event id, or `<file>:<line>` when the event has none."""
        return self.id if self.id is not None else f"{self.file}:{self.line}"

    @property
    def order_key(self) -> tuple[str, str, int]:
        """A tie-break among events at the same instant that does not depend on input order."""
        return (self.id or "", self.file, self.line)


def text_or_none(value: Any) -> str | None:
    """A field value as text for grouping and display; None when absent or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
