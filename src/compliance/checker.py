"""Orchestration: stream the inputs once, feed each rule's evaluator, and assemble the report."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

from .durations import to_datetime
from .errors import InputError, UsageError
from .events import EventRef, TimeParser, make_ref
from .findings import (
    Finding,
    InputSummary,
    Rejection,
    Report,
    RulesInfo,
    RuleSummary,
    ToolInfo,
)
from .kinds import Evaluator, make_evaluator
from .matching import Predicate, compile_where
from .messages import LANGS
from .readers import LogSource, RecordSource
from .rulebook import RuleSet

# Called now and then while reading: (path, bytes read so far, size of the file).
Progress = Callable[[str, int, int], None]
EventInput = str | os.PathLike[str] | Mapping[str, Any]
_PROGRESS_EVERY = 1 << 16
_REPORT_TZ = ZoneInfo("Asia/Shanghai")


def tool_version() -> str:
    """The installed version of this package."""
    try:
        return metadata.version("compliance")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def check(
    events: EventInput | Iterable[EventInput],
    rules: RuleSet,
    as_of: datetime | str | None = None,
    *,
    lang: str = "en",
    show_passes: bool = False,
    default_tz: tzinfo | None = None,
    field_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check events against rules and return the report.

    `events` is a log file path, a list of paths, or an iterable of event dicts. `as_of` is the
    instant the audit is judged at (an aware datetime or RFC 3339 text); by default the latest
    event time of the input. Nothing here reads the machine's clock.
    """
    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r} (one of {', '.join(LANGS)})")
    if not len(rules):
        raise UsageError("no rules to check (did --select or --ignore leave none?)")
    parser = TimeParser(default_tz)
    fixed_as_of = _as_of(as_of, parser)
    evaluators = [make_evaluator(rule, lang, show_passes, parser) for rule in rules]
    intake = Intake(parser, _dispatch_index(evaluators), fixed_as_of, progress)
    inputs = [intake.read(source) for source in _sources(events, field_map)]
    latest = intake.latest
    if latest is None:
        read = sum(i.records for i in inputs)
        detail = f"all {read} records were rejected" if read else "the input holds no records"
        first = next((r for i in inputs for r in i.rejections), None)
        if first is not None:
            detail += f" (first: {first.file}:{first.line}: {first.reason})"
        raise InputError(f"no events to check: {detail}")
    judged_at = fixed_as_of if fixed_as_of is not None else latest
    summaries: list[RuleSummary] = []
    findings: list[Finding] = []
    for evaluator in evaluators:
        result = evaluator.finish(judged_at)
        summaries.append(result.summary)
        findings.extend(result.findings)
    return Report(
        tool=ToolInfo(name="compliance", version=tool_version()),
        as_of=to_datetime(judged_at, _report_zone(rules)).isoformat(),
        lang=lang,
        inputs=tuple(inputs),
        rules=RulesInfo(ids=rules.ids, digest=rules.digest()),
        summary=tuple(summaries),
        findings=tuple(findings),
    )


def validate(
    events: EventInput | Iterable[EventInput],
    *,
    default_tz: tzinfo | None = None,
    field_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> list[InputSummary]:
    """Read logs against the event envelope only: every record accepted or rejected, with why."""
    intake = Intake(TimeParser(default_tz), {}, None, progress)
    return [intake.read(source) for source in _sources(events, field_map)]


Subscribers = dict[str, list[tuple[Predicate | None, Evaluator, int]]]


class Intake:
    """Reads sources once: checks each record's envelope and hands events to the rules."""

    def __init__(self, parser: TimeParser, index: Subscribers, fixed_as_of: int | None,
                 progress: Progress | None) -> None:
        self.parser = parser
        self.index = index
        self.fixed_as_of = fixed_as_of
        self.progress = progress
        self.latest: int | None = None
        # Ids of the events the rules use: a second record with one of them is a duplicate.
        self.seen: dict[str, EventRef] = {}
        self.seq = 0

    def read(self, source: LogSource | RecordSource) -> InputSummary:
        """Stream one source; return its reconciliation (records = accepted + rejected)."""
        path = source.path
        records = accepted = after = 0
        rejections: list[tuple[int, str]] = []
        reject = rejections.append
        parse = self.parser.parse
        index, fixed_as_of, progress, seen = self.index, self.fixed_as_of, self.progress, self.seen
        latest = self.latest
        for line, record in source.records():
            records += 1
            if progress is not None and records % _PROGRESS_EVERY == 0:
                progress(path, source.bytes_read, source.size)
            if type(record) is str:
                reject((line, record))
                continue
            kind = record.get("type")
            if type(kind) is not str or not kind:
                reject((line, "missing field 'type'" if kind in (None, "")
                        else "field 'type' must be text"))
                continue
            moment = record.get("time")
            if moment is None or moment == "":
                reject((line, "missing field 'time'"))
                continue
            try:
                ts = parse(moment)
            except ValueError as exc:
                reject((line, str(exc)))
                continue
            subscribers = index.get(kind)
            if subscribers is not None and (fixed_as_of is None or ts <= fixed_as_of):
                matched = [(ev, rank) for pred, ev, rank in subscribers
                           if pred is None or pred(record)]
                if matched:
                    self.seq += 1
                    ref = make_ref(record, ts, path, line, self.seq)
                    if ref.id is not None:
                        first = seen.get(ref.id)
                        if first is not None:
                            reject((line, f"duplicate event id {ref.id!r} "
                                          f"(first at {first.file}:{first.line})"))
                            continue
                        seen[ref.id] = ref
                    for ev, rank in matched:
                        ev.collect(rank, ref, record)
            accepted += 1
            if latest is None or ts > latest:
                latest = ts
            if fixed_as_of is not None and ts > fixed_as_of:
                after += 1
        self.latest = latest
        if progress is not None:
            progress(path, source.size, source.size)
        return InputSummary(
            path=path, format=source.format, sha256=source.sha256(), records=records,
            accepted=accepted, rejected=len(rejections), after_as_of=after,
            rejections=tuple(Rejection(file=path, line=ln, reason=why) for ln, why in rejections),
        )


def _as_of(value: datetime | str | None, parser: TimeParser) -> int | None:
    if value is None:
        return None
    try:
        return parser.parse(value)
    except ValueError as exc:
        raise UsageError(f"as_of: {exc}") from None


def _report_zone(rules: RuleSet) -> tzinfo:
    zones = {rule.timezone for rule in rules}
    return ZoneInfo(zones.pop()) if len(zones) == 1 else _REPORT_TZ


def _dispatch_index(evaluators: list[Evaluator]) -> Subscribers:
    """Event type → the (condition, evaluator, role) entries that listen to it."""
    index: Subscribers = {}
    for evaluator in evaluators:
        for selector, rank in evaluator.subscriptions():
            predicate = compile_where(selector)
            for kind in selector.types:
                index.setdefault(kind, []).append((predicate, evaluator, rank))
    return index


def _sources(
    events: EventInput | Iterable[EventInput], field_map: Mapping[str, str] | None
) -> list[LogSource | RecordSource]:
    """Files become streaming log sources; dicts become one in-memory source."""
    if isinstance(events, str | os.PathLike):
        return [LogSource(os.fspath(events), field_map)]
    if isinstance(events, Mapping):
        return [RecordSource([events], field_map=field_map)]
    if isinstance(events, list | tuple):
        paths = [e for e in events if isinstance(e, str | os.PathLike)]
        if len(paths) == len(events) and paths:
            return [LogSource(os.fspath(p), field_map) for p in paths]
        if paths:
            raise UsageError("give either log file paths or event dicts, not both at once")
    return [RecordSource(events, field_map=field_map)]  # type: ignore[arg-type]
