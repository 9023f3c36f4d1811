"""Reporters: one module per output format; each reads only the report model."""

from __future__ import annotations

from typing import IO

from ..findings import Report, Severity
from . import json as json_reporter

FORMATS = ("text", "json")


def write(report: Report, fmt: str, stream: IO[str], *, fail_on: Severity | None,
          color: bool = False) -> None:
    """Write `report` to `stream` in format `fmt`."""
    if fmt == "json":
        json_reporter.write(report, stream)
    else:
        # rich is imported only when a text report is asked for: it slows every start-up.
        from . import text as text_reporter

        text_reporter.write(report, stream, fail_on=fail_on, color=color)
