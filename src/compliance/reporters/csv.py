"""`--format csv`: one row per finding, for spreadsheets.

- UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly by double-click;
- RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line
  break, quotes doubled;
- stable columns (`COLUMNS`, named after the JSON report's fields, in every language): the
  messages are in the report's language, outcomes and severities are the JSON codes;
- a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
  so that a spreadsheet shows it as text instead of running it as a formula (CSV injection);
  numbers are written as numbers.
Rows are written one by one as the report is read.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import IO, Any

from ..findings import Finding, Report

BOM = "\ufeff"


def _evidence(f: Finding) -> str:
    return "; ".join(f"{e.id} {e.file}:{e.line}" for e in f.evidence)


def _waiver(name: str) -> Callable[[Finding], Any]:
    def get(f: Finding) -> Any:
        waiver = getattr(f, "waiver", None)
        return None if waiver is None else getattr(waiver, name, None)

    return get


COLUMNS: tuple[tuple[str, Callable[[Finding], Any]], ...] = (
    ("rule_id", lambda f: f.rule_id),
    ("rule_name", lambda f: f.rule_name),
    ("severity", lambda f: f.severity.value),
    ("outcome", lambda f: f.outcome.value),
    ("subject", lambda f: f.subject),
    ("site", lambda f: f.site),
    ("staff", lambda f: f.staff),
    ("start_id", lambda f: f.start.id if f.start else None),
    ("start_time", lambda f: f.start.time if f.start else None),
    ("stop_id", lambda f: f.stop.id if f.stop else None),
    ("stop_time", lambda f: f.stop.time if f.stop else None),
    ("due", lambda f: f.due),
    ("elapsed", lambda f: f.elapsed),
    ("overdue_by", lambda f: f.overdue_by),
    ("short_by", lambda f: f.short_by),
    ("paused", lambda f: f.paused),
    ("period", lambda f: f.period),
    ("group", lambda f: f.group),
    ("count", lambda f: f.count),
    ("value", lambda f: f.value),
    ("reason", lambda f: f.reason),
    ("message", lambda f: f.message),
    ("evidence", _evidence),
    ("waiver_reason", _waiver("reason")),
    ("waiver_approved_by", _waiver("approved_by")),
    ("waiver_expires", _waiver("expires")),
    ("new", lambda f: getattr(f, "new", None)),
    ("fingerprint", lambda f: getattr(f, "fingerprint", None)),
)
HEADER = tuple(name for name, _ in COLUMNS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as a CSV cell: empty for None, `true`/`false`, text made safe for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write(report: Report, stream: IO[str], **options: Any) -> None:
    """Write the findings as CSV with a header row."""
    stream.write(BOM)
    writer = csv.writer(stream, dialect="excel", lineterminator="\r\n")
    writer.writerow(HEADER)
    for finding in report.findings:
        writer.writerow([cell(get(finding)) for _, get in COLUMNS])
