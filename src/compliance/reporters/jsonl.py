"""`--format jsonl`: one finding per line, as in the JSON report, in report order.

Only findings: no header or summary line, so that `jq`, `grep` and line counts see findings and
nothing else (the summary and breakdowns are in `--format json`). Each line is compact UTF-8 JSON
with the keys in the JSON report's order; lines are written one by one as the report is read.
"""

from __future__ import annotations

from typing import IO, Any

import orjson

from ..findings import Report


def write(report: Report, stream: IO[str], **options: Any) -> None:
    """Write one JSON line per finding."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        for finding in report.findings:
            buffer.write(orjson.dumps(finding, option=orjson.OPT_APPEND_NEWLINE))
        buffer.flush()
    else:
        for finding in report.findings:
            stream.write(orjson.dumps(finding, option=orjson.OPT_APPEND_NEWLINE).decode("utf-8"))
