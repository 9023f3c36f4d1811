"""The JSON report of the product contract (§7): deterministic, byte-identical for equal inputs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson

from ..findings import Report

# `findings` is the report's last field: with none, the report ends with this.
_EMPTY_TAIL = b'"findings": []\n}\n'
_INDENT = b"\n    "  # a finding is two levels deep: in the report, in its findings list


def render(report: Report) -> bytes:
    """The report as indented UTF-8 JSON with a final newline."""
    return report.to_json()


def chunks(report: Report) -> Iterator[bytes]:
    """The bytes of `render(report)`, finding by finding, not as one buffer."""
    head = dataclasses.replace(report, findings=()).to_json()
    if not report.findings or not head.endswith(_EMPTY_TAIL):
        yield render(report)
        return
    yield head[:-len(b"]\n}\n")]
    separator = _INDENT
    for finding in report.findings:
        yield separator + orjson.dumps(finding, option=orjson.OPT_INDENT_2).replace(b"\n",
                                                                                    _INDENT)
        separator = b"," + _INDENT
    yield b"\n  ]\n}\n"


def write(report: Report, stream: IO[str], **options: Any) -> None:
    """Write the JSON report to a text stream (its byte buffer when it has one), streamed."""
    buffer = getattr(stream, "buffer", None)
    put: Callable[[bytes], Any]
    if buffer is not None:
        stream.flush()
        put = buffer.write
    else:
        def put(data: bytes) -> Any:
            return stream.write(data.decode("utf-8"))
    for chunk in chunks(report):
        put(chunk)
    if buffer is not None:
        buffer.flush()
