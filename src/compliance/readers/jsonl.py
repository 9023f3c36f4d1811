"""JSON Lines: one JSON object per line; blank lines are not records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

import orjson

MAX_RECORD_BYTES = 1 << 20


def read(stream: IO[bytes], field_map: Mapping[str, str]) -> Iterator[tuple[int, Any]]:
    """Yield (line, record or rejection reason) for every non-blank line."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    for number, raw in enumerate(stream, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > MAX_RECORD_BYTES:
            yield number, f"record is {len(raw):,} bytes, over the {MAX_RECORD_BYTES:,}-byte limit"
            continue
        try:
            value = loads(raw)
        except decode_error as exc:
            if not raw.strip():
                continue
            yield number, f"not valid JSON: {_short(str(exc))}"
            continue
        if type(value) is not dict:
            yield number, f"a record must be a JSON object, not {_json_kind(value)}"
            continue
        for target, column in field_map.items():
            if column in value:
                value[target] = value[column]
        yield number, value


def _short(message: str) -> str:
    return message.split(":", 1)[0] if len(message) > 120 else message


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if not isinstance(value, bool) else "a boolean"
