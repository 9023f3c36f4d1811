"""JSON Lines: one JSON object per line; blank lines are not records.

The reader hands out each line undecoded, as bytes: the intake decodes it in its own loop, so
that a large log is walked once rather than twice (see `checker.Intake`). `decode` does the same
for callers that want the record itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, islice
from typing import IO, Any

import orjson

MAX_RECORD_BYTES = 1 << 20
BATCH = 4096


def read(stream: IO[bytes]) -> Iterator[list[tuple[int, Any]]]:
    """Yield batches of (line number, line bytes); the first line loses a byte-order mark."""
    first = stream.readline()
    if not first:
        return
    lines = chain(((1, first.removeprefix(b"\xef\xbb\xbf")),), enumerate(stream, 2))
    while batch := list(islice(lines, BATCH)):
        yield batch


def decode(raw: bytes) -> dict[str, Any] | str | None:
    """One line as a record, the reason it is rejected, or None for a blank line."""
    if len(raw) > MAX_RECORD_BYTES:
        return too_long(raw)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return not_json(raw, exc)
    return value if type(value) is dict else not_an_object(value)


def too_long(raw: bytes) -> str:
    """The rejection of a line over the size limit."""
    return f"record is {len(raw):,} bytes, over the {MAX_RECORD_BYTES:,}-byte limit"


def not_json(raw: bytes, exc: Exception) -> str | None:
    """The rejection of a line that is not JSON; None when it is blank (not a record)."""
    if not raw.strip():
        return None
    message = str(exc)
    return f"not valid JSON: {message.split(':', 1)[0] if len(message) > 120 else message}"


def not_an_object(value: Any) -> str:
    """The rejection of JSON that is not an object."""
    if isinstance(value, list):
        kind = "an array"
    elif isinstance(value, str):
        kind = "a string"
    elif value is None:
        kind = "null"
    else:
        kind = "a boolean" if isinstance(value, bool) else "a number"
    return f"a record must be a JSON object, not {kind}"
