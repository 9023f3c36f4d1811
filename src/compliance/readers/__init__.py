"""Readers turn a log file into numbered records; each record is a dict or a rejection reason."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import chain, islice
from typing import IO, Any, cast

from ..errors import InputError
from . import csv as csv_reader
from . import jsonl as jsonl_reader
from . import xes as xes_reader

# One record is a (line, value) pair: value is the record's fields, the reason it was rejected,
# or (from JSON Lines, in batches) the undecoded line.
Record = tuple[int, "dict[str, Any] | str | bytes"]

_EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv", ".xes": "xes",
}
_SNIFF_BYTES = 8192


class LogSource:
    """One input log: its path, format, size, digest and records, read as a stream."""

    def __init__(self, path: str, field_map: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.field_map = dict(field_map or {})
        if not os.path.exists(path):
            raise InputError("no such file", path)
        if os.path.isdir(path):
            raise InputError("is a folder, not a log file", path)
        self.size = os.path.getsize(path)
        self.compressed = _is_gzip(path)
        self.format = _detect_format(path, self._head())
        self._raw: IO[bytes] | None = None

    def _open(self) -> IO[bytes]:
        try:
            raw = open(self.path, "rb")  # noqa: SIM115 - closed by _reading()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", self.path) from None
        self._raw = raw
        if self.compressed:
            return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
        return raw

    @contextmanager
    def _reading(self) -> Iterator[IO[bytes]]:
        """The open (decompressed) stream; a read error becomes an InputError naming the file."""
        stream = self._open()
        try:
            yield stream
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot read: {exc}", self.path) from None
        finally:
            stream.close()
            if self._raw is not None:
                self._raw.close()

    def _head(self) -> bytes:
        with self._reading() as stream:
            head = stream.read(_SNIFF_BYTES)
        if b"\x00" in head:
            raise InputError("binary file, not a text log (JSON Lines, CSV or XES)", self.path)
        return head

    @property
    def bytes_read(self) -> int:
        """How far into the file (compressed bytes) the reader has come, for progress."""
        raw = self._raw
        if raw is None or raw.closed:
            return self.size
        try:
            return raw.tell()
        except (OSError, ValueError):
            return 0

    def records(self) -> Iterator[Record]:
        """Every record of the file in order, with its line number (JSON lines decoded)."""
        for line, value in chain.from_iterable(self.batches()):
            if type(value) is bytes:
                decoded = jsonl_reader.decode(value)
                if decoded is None:
                    continue
                if type(decoded) is dict:
                    apply_field_map(decoded, self.field_map)
                yield line, decoded
            else:
                yield line, value

    def batches(self) -> Iterator[list[Record]]:
        """The records in batches, in order: the fast way to walk a large file.

        A JSON Lines record comes undecoded, as the line's bytes; see `readers.jsonl`.
        """
        with self._reading() as stream:
            if self.format == "jsonl":
                yield from jsonl_reader.read(stream)
            elif self.format == "csv":
                yield from _batched(csv_reader.read(stream, self.path, self.field_map))
            else:
                yield from _batched(xes_reader.read(stream, self.path, self.field_map))

    def start_digest(self) -> Callable[[], str]:
        """Start hashing the file beside the reading; call the result for the SHA-256.

        The file is hashed as stored (a .gz file compressed). hashlib releases the GIL on large
        blocks, so the digest costs the reader almost nothing on a second core.
        """
        result: list[str] = []
        worker = threading.Thread(target=_hash_file, args=(self.path, result), daemon=True)
        worker.start()

        def digest() -> str:
            worker.join()
            if not result:
                raise InputError("cannot read the file to hash it", self.path)
            return result[0]

        return digest


class RecordSource:
    """Records given in memory (an embedding service's dicts), numbered from 1."""

    format = "records"
    size = 0
    bytes_read = 0

    def __init__(
        self, items: Iterable[Any], name: str = "<records>",
        field_map: Mapping[str, str] | None = None, numbers: Iterable[int] | None = None,
    ) -> None:
        self.path = name
        self.items = items
        self.field_map = dict(field_map or {})
        # The "line" of each record: 1, 2, ... unless the caller numbers them (the live monitor
        # numbers events in the order they were posted).
        self.numbers = numbers

    def records(self) -> Iterator[Record]:
        """Each item as a record; anything but a mapping is rejected."""
        numbers = self.numbers if self.numbers is not None else itertools.count(1)
        for number, item in zip(numbers, self.items, strict=False):
            if isinstance(item, Mapping):
                record = dict(item)
                apply_field_map(record, self.field_map)
                yield number, record
            else:
                yield number, f"a record must be a mapping, not {type(item).__name__}"

    def batches(self) -> Iterator[list[Record]]:
        """The records in batches, in order."""
        return _batched(self.records())

    def start_digest(self) -> Callable[[], None]:
        """In-memory records have no file to hash."""
        return lambda: None


def _batched(records: Iterator[Record], size: int = 4096) -> Iterator[list[Record]]:
    while batch := list(islice(records, size)):
        yield batch


def _hash_file(path: str, result: list[str]) -> None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return
    result.append(digest.hexdigest())


def apply_field_map(record: dict[str, Any], field_map: Mapping[str, str]) -> None:
    """Copy each mapped column onto its envelope field (`--map time=created_at`)."""
    for target, column in field_map.items():
        if column in record:
            record[target] = record[column]


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _detect_format(path: str, head: bytes) -> str:
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for ext, fmt in _EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"<"):
        return "xes"
    first_line = text.split(b"\n", 1)[0]
    if b"," in first_line or b"\t" in first_line or b";" in first_line:
        return "csv"
    if not text:
        return "jsonl"
    raise InputError(
        "cannot tell the log format: name it .jsonl, .csv or .xes (optionally .gz)", path
    )
