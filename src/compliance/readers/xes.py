"""XES (IEEE 1849) event logs, with or without the XES namespace, read as a stream with expat."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any
from xml.parsers import expat

from ..errors import InputError
from ..events import PROCESS_MINING_KEYS

_CHUNK = 1 << 16
_ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})


def _local(name: str) -> str:
    """The element name without its namespace (expat joins them with a space here)."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def _value(tag: str, text: str) -> Any:
    if tag == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if tag == "float":
        try:
            return float(text)
        except ValueError:
            return text
    if tag == "boolean":
        return text.strip().lower() == "true"
    return text


class _Collector:
    """Expat callbacks that gather each trace's events with their trace attributes."""

    def __init__(self, parser: Any, field_map: Mapping[str, str]) -> None:
        self.parser = parser
        self.field_map = field_map
        self.stack: list[str] = []
        self.trace: dict[str, Any] | None = None
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.event: dict[str, Any] | None = None
        self.event_line = 0
        self.ready: list[tuple[int, Any]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        parent = self.stack[-1] if self.stack else None
        self.stack.append(tag)
        if tag == "trace" and parent == "log":
            self.trace, self.pending = {}, []
        elif tag == "event" and parent == "trace":
            self.event, self.event_line = {}, self.parser.CurrentLineNumber
        elif tag in _ATTRIBUTE_TAGS and "key" in attrs:
            # Only direct attributes of an event or trace count; nested meta-attributes do not.
            value = _value(tag, attrs.get("value", ""))
            if parent == "event" and self.event is not None:
                self.event[attrs["key"]] = value
            elif parent == "trace" and self.trace is not None:
                self.trace[attrs["key"]] = value

    def end(self, name: str) -> None:
        tag = self.stack.pop()
        if tag == "event" and self.event is not None:
            if self.trace is not None:
                self.pending.append((self.event_line, self.event))
            self.event = None
        elif tag == "trace" and self.trace is not None:
            for line, event in self.pending:
                self.ready.append((line, self._record(event, self.trace)))
            self.trace, self.pending = None, []

    def _record(self, event: dict[str, Any], trace: dict[str, Any]) -> dict[str, Any]:
        record = {f"case:{key}": value for key, value in trace.items()}
        record.update(event)
        for column, field in PROCESS_MINING_KEYS.items():
            if column in record and field not in record:
                record[field] = record[column]
        for target, column in self.field_map.items():
            if column in record:
                record[target] = record[column]
        return record


def read(
    stream: IO[bytes], path: str, field_map: Mapping[str, str]
) -> Iterator[tuple[int, Any]]:
    """Yield (line of the `<event>` tag, record) for every event of every trace."""
    parser = expat.ParserCreate(namespace_separator=" ")
    collector = _Collector(parser, field_map)
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    # Entity declarations are refused: a log has no business defining them (billion laughs).
    parser.EntityDeclHandler = _refuse_entities
    while True:
        chunk = stream.read(_CHUNK)
        try:
            parser.Parse(chunk, not chunk)
        except expat.ExpatError as exc:
            raise InputError(f"malformed XML: {expat.errors.messages[exc.code]}",
                             path, exc.lineno) from None
        except _EntityRefused:
            raise InputError("XML entity declarations are not allowed in a log",
                             path, parser.CurrentLineNumber) from None
        if collector.ready:
            yield from collector.ready
            collector.ready = []
        if not chunk:
            return


class _EntityRefused(Exception):
    pass


def _refuse_entities(*_: Any) -> None:
    raise _EntityRefused
