"""Durations: parsing, exact and calendar arithmetic, ISO 8601 and human display."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from compliance.durations import (
    Duration,
    human_span,
    iso_duration,
    parse_duration,
    parse_iso_duration,
    to_datetime,
    to_us,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("30 minutes", 30, "minutes"), ("30m", 30, "minutes"), ("1 minute", 1, "minutes"),
    ("24 hours", 24, "hours"), ("24h", 24, "hours"), ("3 days", 3, "days"), ("3d", 3, "days"),
    ("2 weeks", 2, "weeks"), ("1 month", 1, "months"), ("1 quarter", 1, "quarters"),
    ("2 years", 2, "years"), ("  48   Hours ", 48, "hours"),
])
def test_parse_accepted_forms(text: str, amount: int, unit: str) -> None:
    assert parse_duration(text) == Duration(amount, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["soon", "", "48", "hours", "1.5 hours", "-3 days", "3 weeks ago"])
def test_parse_rejects_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="write a whole number and a unit"):
        parse_duration(text)


def test_elapsed_units_are_exact() -> None:
    assert parse_duration("48 hours").microseconds == 48 * 3600 * 10**6
    assert parse_duration("3 days").microseconds == 72 * 3600 * 10**6


def test_month_arithmetic_is_local_and_clamped() -> None:
    start = to_us(datetime(2025, 1, 31, 10, 0, tzinfo=SH))
    due = parse_duration("1 month").add_to(start, SH)
    assert to_datetime(due, SH) == datetime(2025, 2, 28, 10, 0, tzinfo=SH)
    quarter = parse_duration("1 quarter").add_to(start, SH)
    assert to_datetime(quarter, SH) == datetime(2025, 4, 30, 10, 0, tzinfo=SH)
    year = parse_duration("1 year").add_to(to_us(datetime(2024, 2, 29, tzinfo=SH)), SH)
    assert to_datetime(year, SH) == datetime(2025, 2, 28, tzinfo=SH)


@pytest.mark.parametrize(("us", "text"), [
    (0, "PT0S"), (30 * 60 * 10**6, "PT30M"), (25 * 3600 * 10**6 + 30 * 60 * 10**6, "P1DT1H30M"),
    (73 * 3600 * 10**6 + 30 * 60 * 10**6, "P3DT1H30M"), (1, "PT0.000001S"),
    (86400 * 10**6, "P1D"), (90 * 10**6 + 500_000, "PT1M30.5S"), (-3600 * 10**6, "-PT1H"),
])
def test_iso_duration_round_trips(us: int, text: str) -> None:
    assert iso_duration(us) == text
    assert parse_iso_duration(text) == us


def test_human_span_in_both_languages() -> None:
    assert human_span(25 * 60 * 10**6, "en") == "25 minutes"
    assert human_span(int(73.5 * 3600 * 10**6), "en") == "73.5 hours"
    assert human_span(int(73.5 * 3600 * 10**6), "zh") == "73.5 小时"
    assert human_span(3600 * 10**6, "en") == "1 hour"
