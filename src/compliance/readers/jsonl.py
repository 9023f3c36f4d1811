"""JSON Lines: one JSON object per line; blank lines are not records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain, islice
from typing import IO, Any

import orjson

MAX_RECORD_BYTES = 1 << 20
BATCH = 4096


def read(stream: IO[bytes], field_map: Mapping[str, str]) -> Iterator[list[tuple[int, Any]]]:
    """Yield batches of (line, record or rejection reason), one per non-blank line.

    Batches keep the per-record cost of the generator machinery off the hot path of large logs.
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    limit = MAX_RECORD_BYTES
    first = stream.readline()
    if not first:
        return
    # The first line may carry a byte-order mark; the rest are read straight from the file.
    lines = chain(((1, first.removeprefix(b"\xef\xbb\xbf")),), enumerate(stream, 2))
    while True:
        chunk = list(islice(lines, BATCH))
        if not chunk:
            return
        batch: list[tuple[int, Any]] = []
        add = batch.append
        for number, raw in chunk:
            if len(raw) > limit:
                add((number, f"record is {len(raw):,} bytes, over the {limit:,}-byte limit"))
                continue
            try:
                value = loads(raw)
            except decode_error as exc:
                if raw.strip():
                    add((number, f"not valid JSON: {_short(str(exc))}"))
                continue
            if type(value) is not dict:
                add((number, f"a record must be a JSON object, not {_json_kind(value)}"))
                continue
            if field_map:
                for target, column in field_map.items():
                    if column in value:
                        value[target] = value[column]
            add((number, value))
        yield batch


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
