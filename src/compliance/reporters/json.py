"""The JSON report of the product contract (§7): deterministic, byte-identical for equal inputs."""

from __future__ import annotations

from typing import IO, Any

from ..findings import Report


def render(report: Report) -> bytes:
    """The report as indented UTF-8 JSON with a final newline."""
    return report.to_json()


def write(report: Report, stream: IO[str], **options: Any) -> None:
    """Write the JSON report to a text stream (its byte buffer when it has one)."""
    data = render(report)
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8"))
