"""The JSON report of the product contract (§7): deterministic, byte-identical for equal inputs."""

from __future__ import annotations

from typing import IO

import orjson

from ..findings import Report


def render(report: Report) -> bytes:
    """The report as indented UTF-8 JSON with a final newline."""
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"


def write(report: Report, stream: IO[str]) -> None:
    """Write the JSON report to a text stream."""
    stream.write(render(report).decode("utf-8"))
