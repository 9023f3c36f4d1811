"""Breakdowns of a report per site, per staff, per ISO week and per month.

Each row counts the instances of every rule that fall in it, by outcome, with the compliance
rate (compliant / (compliant + violated + waived), as in the per-rule summary). The rows come from
two sources that never overlap: the findings (every outcome but compliant, and compliant too with
`--show-passes`), and the compliant instances the evaluators counted without listing them
(`Tally.passes`, by site, staff and quarter hour).

An instance is dated in its rule's time zone by the time its finding shows first: the start
event, else the stop event, else the last instant before its due time (a periodic or threshold
period is dated by its last day), else its first evidence. An instance without a site or staff
is counted in a row whose key is null.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from .durations import to_datetime
from .findings import Finding, Outcome

QUARTER_HOUR_US = 15 * 60 * 1_000_000
DAY_US = 86_400 * 1_000_000
DIMENSIONS = ("site", "staff", "week", "month")
_OUTCOMES = tuple(Outcome)
_INDEX = {o: i for i, o in enumerate(_OUTCOMES)}


@dataclass(slots=True)
class PassCounts:
    """Compliant instances an evaluator counted without listing them, by site, staff and time.

    `counts` maps (site, staff, bucket) to a number, where bucket = (ts + shift) // width: by
    default a quarter hour since the epoch (every zone's offset is a whole number of quarter
    hours, so a bucket lies within one local date); `by_local_day` makes it the local day when
    the zone's offset does not change over the instances' span (fewer buckets, less work).
    """

    counts: dict[tuple[str | None, str | None, int], int] = field(default_factory=dict)
    shift: int = 0
    width: int = QUARTER_HOUR_US

    def add(self, site: str | None, staff: str | None, ts: int) -> None:
        """Count one instance dated `ts`."""
        bucket = (site, staff, (ts + self.shift) // self.width)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1

    def by_local_day(self, zone: tzinfo, first: int, last: int) -> None:
        """Count by local day when `zone` keeps one offset from `first` to `last` (µs)."""
        if self.counts:
            return  # buckets already counted keep their width
        offset = _fixed_offset(zone, first // DAY_US, last // DAY_US + 1)
        if offset is not None:
            self.shift, self.width = offset, DAY_US

    def day(self, bucket: int, zone: tzinfo) -> date:
        """The local date of a bucket."""
        return to_datetime(bucket * self.width - self.shift, zone).date()


@lru_cache(maxsize=64)
def _fixed_offset(zone: tzinfo, first_day: int, last_day: int) -> int | None:
    """The zone's UTC offset in µs if it is the same at every day from first to last, else None.

    Offsets change at most a few times a year and stay for months, so a change between two
    daily samples shows at the next one.
    """
    offsets = {to_datetime(day * DAY_US, zone).utcoffset() for day in range(first_day,
                                                                              last_day + 1)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else offset // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakdownRow:
    """The instances of one site, staff, week or month: the count of each outcome and the rate."""

    key: str | None
    instances: int
    compliant: int
    violated: int
    pending: int
    not_evaluated: int
    waived: int
    compliance_rate: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakdowns:
    """Rows per site, per staff, per ISO week (`2025-W10`) and per month (`2025-03`), sorted."""

    site: tuple[BreakdownRow, ...] = ()
    staff: tuple[BreakdownRow, ...] = ()
    week: tuple[BreakdownRow, ...] = ()
    month: tuple[BreakdownRow, ...] = ()

    def rows(self, dimension: str) -> tuple[BreakdownRow, ...]:
        """The rows of one dimension: `site`, `staff`, `week` or `month`."""
        rows: tuple[BreakdownRow, ...] = getattr(self, dimension)
        return rows


class _Counts:
    """Mutable counts per dimension and key while a breakdown is built."""

    def __init__(self) -> None:
        self.table: dict[str, dict[str | None, list[int]]] = {d: {} for d in DIMENSIONS}
        self._periods: dict[date | None, tuple[str | None, str | None]] = {None: (None, None)}

    def add(self, site: str | None, staff: str | None, day: date | None, outcome: Outcome,
            n: int) -> None:
        index = _INDEX[outcome]
        periods = self._periods.get(day)
        if periods is None:
            assert day is not None
            year, number, _ = day.isocalendar()
            periods = self._periods[day] = (f"{year}-W{number:02d}",
                                            f"{day.year}-{day.month:02d}")
        table = self.table
        for dimension, key in (("site", site), ("staff", staff), ("week", periods[0]),
                               ("month", periods[1])):
            rows = table[dimension]
            row = rows.get(key)
            if row is None:
                row = rows[key] = [0] * len(_OUTCOMES)
            row[index] += n

    def freeze(self) -> Breakdowns:
        return Breakdowns(**{d: _rows(self.table[d]) for d in DIMENSIONS})


def _rows(table: dict[str | None, list[int]]) -> tuple[BreakdownRow, ...]:
    rows = []
    for key in sorted(table, key=lambda k: (k is None, k or "")):
        counts = dict(zip(_OUTCOMES, table[key], strict=True))
        if not any(counts.values()):
            continue
        judged = (counts[Outcome.COMPLIANT] + counts[Outcome.VIOLATED]
                  + counts[Outcome.WAIVED])
        rows.append(BreakdownRow(
            key=key, instances=sum(counts.values()),
            compliant=counts[Outcome.COMPLIANT], violated=counts[Outcome.VIOLATED],
            pending=counts[Outcome.PENDING], not_evaluated=counts[Outcome.NOT_EVALUATED],
            waived=counts[Outcome.WAIVED],
            compliance_rate=round(counts[Outcome.COMPLIANT] / judged, 6) if judged else None,
        ))
    return tuple(rows)


def finding_date(finding: Finding) -> date | None:
    """The local date an instance is dated by (see the module's doc)."""
    if finding.start is not None:
        return date.fromisoformat(finding.start.time[:10])
    if finding.stop is not None:
        return date.fromisoformat(finding.stop.time[:10])
    if finding.due is not None:
        return (datetime.fromisoformat(finding.due) - timedelta(microseconds=1)).date()
    if finding.evidence:
        return date.fromisoformat(finding.evidence[0].time[:10])
    return None


def _add_findings(counts: _Counts, findings: Iterable[Finding], sign: int) -> None:
    # Most findings are dated by their start event: its date is the first ten characters.
    days: dict[str, date] = {}
    for f in findings:
        if f.start is not None:
            text = f.start.time[:10]
            day: date | None = days.get(text)
            if day is None:
                day = days[text] = date.fromisoformat(text)
        else:
            day = finding_date(f)
        counts.add(f.site, f.staff, day, f.outcome, sign)


def compute(findings: Iterable[Finding],
            passes: Iterable[tuple[PassCounts, tzinfo]] = ()) -> Breakdowns:
    """The breakdowns of `findings` plus the compliant instances counted apart, per rule zone."""
    counts = _Counts()
    _add_findings(counts, findings, 1)
    by_day: dict[tuple[str | None, str | None, date], int] = {}
    for rule_passes, zone in passes:
        days: dict[int, date] = {}
        for (site, staff, bucket), n in rule_passes.counts.items():
            day = days.get(bucket)
            if day is None:
                day = days[bucket] = rule_passes.day(bucket, zone)
            key = (site, staff, day)
            by_day[key] = by_day.get(key, 0) + n
    for (site, staff, day), n in by_day.items():
        counts.add(site, staff, day, Outcome.COMPLIANT, n)
    return counts.freeze()


def recount(breakdowns: Breakdowns, before: Iterable[Finding],
            after: Iterable[Finding]) -> Breakdowns:
    """The breakdowns once findings `before` became `after` (e.g. violations waived).

    The compliant instances counted apart are kept: only the findings' part is replaced.
    """
    counts = _Counts()
    for dimension in DIMENSIONS:
        table = counts.table[dimension]
        for row in breakdowns.rows(dimension):
            table[row.key] = [row.compliant, row.violated, row.pending, row.not_evaluated,
                              row.waived]
    _add_findings(counts, before, -1)
    _add_findings(counts, after, 1)
    return counts.freeze()
