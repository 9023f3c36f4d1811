"""CSV with a header row: plain exports and process-mining exports (`concept:name`, ...)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import IO, Any

from ..errors import InputError
from ..events import PROCESS_MINING_KEYS

_DELIMITERS = ",;\t|"


def read(
    stream: IO[bytes], path: str, field_map: Mapping[str, str]
) -> Iterator[tuple[int, Any]]:
    """Yield (line, record or rejection reason) for every data row; empty cells are absent."""
    # surrogateescape keeps going past a bad byte so that only that row is rejected.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    first = text.readline()
    if not first.strip():
        return
    delimiter = max(_DELIMITERS, key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))
    header = [name.strip() for name in header]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InputError(f"header names a column twice: {', '.join(duplicates)}", path, 1)
    # Process-mining columns stand for envelope fields unless the export also has those fields.
    aliases = {
        field: column for column, field in PROCESS_MINING_KEYS.items()
        if column in header and field not in header
    }
    aliases.update(field_map)
    reader = csv.reader(text, delimiter=delimiter)
    width = len(header)
    previous_end = 1
    try:
        for row in reader:
            number = previous_end + 1
            previous_end = reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                yield number, f"row has {len(row)} columns, the header has {width}"
                continue
            if any(_has_bad_bytes(cell) for cell in row):
                yield number, "not valid UTF-8 text"
                continue
            record = {name: cell for name, cell in zip(header, row, strict=True) if cell != ""}
            for target, column in aliases.items():
                if column in record:
                    record[target] = record[column]
            yield number, record
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path, previous_end + 1) from None


def _has_bad_bytes(cell: str) -> bool:
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
