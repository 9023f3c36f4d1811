"""Orchestration: stream the inputs once, feed each rule's evaluator, and assemble the report."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from . import breakdowns, workers
from .__about__ import __version__
from .calendars import CalendarBook, CalendarOverlay
from .durations import to_datetime
from .errors import CheckError, InputError, RuleError, UsageError
from .events import EventRef, TimeParser, text_or_none
from .findings import (
    Finding,
    InputSummary,
    Rejection,
    Report,
    RuleChange,
    RulesInfo,
    RuleSummary,
    ToolInfo,
)
from .kinds import Context, Evaluator, make_evaluator
from .kinds.base import Extra, InputFacts, Item, RuleResult
from .matching import Predicate, compile_where
from .messages import LANGS
from .readers import LogSource, RecordSource, apply_field_map, jsonl
from .rulebook import RuleSet

# Called now and then while reading: (path, bytes read so far, size of the file).
Progress = Callable[[str, int, int], None]
EventInput = str | os.PathLike[str] | Mapping[str, Any]
_PROGRESS_BATCHES = 16
ENGINES = ("native", "durable")
_REPORT_TZ = ZoneInfo("Asia/Shanghai")
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
_ONE_US = timedelta(microseconds=1)


def tool_version() -> str:
    """The version of this package."""
    return __version__


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
    calendar: CalendarOverlay | None = None,
    engine: str = "native",
    cross_check: bool = False,
) -> Report:
    """Check events against rules and return the report.

    `events` is a log file path, a list of paths, or an iterable of event dicts. `as_of` is the
    instant the audit is judged at (an aware datetime or RFC 3339 text); by default the latest
    event time of the input. Nothing here reads the machine's clock.

    `engine` is "native" (the reference) or "durable" (the deadline, min_duration, precedence
    and forbidden rules correlated by durable_rules in a worker process; the other kinds by the
    native code). `cross_check` runs both and raises EngineMismatch if their results differ.
    """
    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r} (one of {', '.join(LANGS)})")
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    if not len(rules):
        raise UsageError("no rules to check (did --select or --ignore leave none?)")
    with _bulk_allocation():
        return _check(events, rules, as_of, lang=lang, show_passes=show_passes,
                      default_tz=default_tz, field_map=field_map, progress=progress,
                      calendar=calendar, engine=engine, cross_check=cross_check)


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small acyclic objects are made.

    The engine keeps hundreds of thousands of tuples alive at once; every generation-2
    collection would walk them all again, which costs a third of a large run. Nothing the
    engine builds has reference cycles, so reference counting alone frees it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check(
    events: EventInput | Iterable[EventInput],
    rules: RuleSet,
    as_of: datetime | str | None,
    *,
    lang: str,
    show_passes: bool,
    default_tz: tzinfo | None,
    field_map: Mapping[str, str] | None,
    progress: Progress | None,
    calendar: CalendarOverlay | None,
    engine: str = "native",
    cross_check: bool = False,
) -> Report:
    parser = TimeParser(default_tz)
    fixed_as_of = _as_of(as_of, parser)
    calendars = CalendarBook([o for o in (rules.profile.calendar, calendar) if o is not None])
    context = Context(lang=lang, show_passes=show_passes, time_parser=parser, calendars=calendars)
    evaluators = [make_evaluator(rule, context) for rule in rules]
    group_fields = sorted({ev.group_field for ev in evaluators if ev.group_field})
    intake = Intake(parser, _dispatch_index(evaluators), fixed_as_of, progress,
                    checks=_check_index(evaluators), group_fields=group_fields)
    inputs = [intake.read(source) for source in _sources(events, field_map)]
    if not any(i.accepted for i in inputs):
        read = sum(i.records for i in inputs)
        detail = f"all {read} records were rejected" if read else "the input holds no records"
        first = next((r for i in inputs for r in i.rejections), None)
        if first is not None:
            detail += f" (first: {first.file}:{first.line}: {first.reason})"
        raise InputError(f"no events to check: {detail}")
    judged_at = fixed_as_of
    if judged_at is None:
        assert intake.latest is not None  # an event was accepted, so it had a time
        judged_at = intake.latest
    _check_overlay_sites(calendars, rules, evaluators)
    facts = InputFacts(
        earliest=intake.earliest,
        groups={name: {text for text in map(text_or_none, values) if text is not None}
                for name, values in intake.group_values.items()},
    )
    summaries: list[RuleSummary] = []
    findings: list[Finding] = []
    passes = []
    results = _finish(evaluators, judged_at, facts, engine, cross_check)
    for evaluator, result in zip(evaluators, results, strict=True):
        summaries.append(result.summary)
        findings.extend(result.findings)
        passes.append((evaluator.tally.passes if result.passes is None else result.passes,
                       evaluator.tz))
    return Report(
        tool=ToolInfo(name="compliance", version=tool_version()),
        as_of=to_datetime(judged_at, _report_zone(rules)).isoformat(),
        lang=lang,
        inputs=tuple(inputs),
        rules=RulesInfo(ids=rules.ids, digest=rules.digest(), changes=tuple(
            RuleChange(rule_id=o.rule_id, change=o.change, reason=o.reason)
            for o in rules.overrides)),
        summary=tuple(summaries),
        breakdowns=breakdowns.compute(findings, passes),
        findings=tuple(findings),
    )


def _finish(evaluators: list[Evaluator], as_of: int, facts: InputFacts, engine: str,
            cross_check: bool) -> list[RuleResult]:
    """Every rule's result, from the engine asked for (or from both, compared)."""
    if engine == "native" and not cross_check:
        return [evaluator.finish(as_of, facts) for evaluator in evaluators]
    from . import durable_engine  # imports durable_rules: only when asked for

    reason = durable_engine.unavailable_reason()
    if reason is not None:
        raise durable_engine.EngineError(reason)
    correlated = [ev for ev in evaluators if durable_engine.supports(ev)]
    # The worker gets a copy of the evaluators as they are now, before any of them finishes.
    durable, _stats = workers.run(durable_engine.finish, correlated, as_of, facts,
                                  what="the durable engine")
    by_rule = {ev.rule.id: result for ev, result in zip(correlated, durable, strict=True)}
    if not cross_check:
        return [by_rule.get(ev.rule.id) or ev.finish(as_of, facts) for ev in evaluators]
    native = [evaluator.finish(as_of, facts) for evaluator in evaluators]
    differences = [
        line
        for ev, result in zip(evaluators, native, strict=True)
        if ev.rule.id in by_rule
        for line in _differences(ev.rule.id, result, by_rule[ev.rule.id])
    ]
    if differences:
        raise EngineMismatch(differences)
    return native


class EngineMismatch(CheckError):
    """The native and durable engines gave different results (--cross-check)."""

    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        shown = "\n  ".join(differences[:20])
        more = f"\n  ... and {len(differences) - 20} more" if len(differences) > 20 else ""
        super().__init__(f"the native and durable engines disagree ({len(differences)} "
                         f"differences):\n  {shown}{more}")


def _differences(rule_id: str, native: RuleResult, durable: RuleResult) -> list[str]:
    """What one rule's two results disagree on, one line each."""
    lines = []
    if native.summary != durable.summary:
        lines.append(f"{rule_id}: summary native {native.summary.outcomes} "
                     f"durable {durable.summary.outcomes}")
    theirs = set(durable.findings)
    ours = set(native.findings)
    for label, only in (("native only", ours - theirs), ("durable only", theirs - ours)):
        for finding in sorted(only, key=lambda f: (f.subject, f.outcome.value)):
            lines.append(f"{rule_id}: {label}: {finding.outcome.value} {finding.subject}: "
                         f"{finding.message}")
    return lines


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


# Event type → (condition, role rank, where to append, key field, extra) of every rule role that
# listens to it; extra is a field name, a function of the record, or None.
Entry = tuple["Predicate | None", int, Callable[[Item], None], "str | None", "Extra"]
Subscribers = dict[str, list[Entry]]
# Event type → (condition, check) of the rules that refuse some records of that type.
Checks = dict[str, list[tuple["Predicate | None", Callable[[Any], "str | None"]]]]
_DUPLICATE = object()
# Stands for "not a plain RFC 3339 time": the careful parser then says why, or applies a zone.
_NAIVE = datetime(1970, 1, 1)
# Later than any event: the earliest event so far, before there is one.
_NEVER = 2**63
# The proleptic Gregorian ordinal of 1970-01-01.
_EPOCH_DAY = 719163


class Intake:
    """Reads sources once: checks each record's envelope and hands events to the rules.

    This loop runs once per record of the input, so it is written for speed: the common case
    (text fields, RFC 3339 times) is handled inline and everything else falls back to the
    careful helpers that produce the rejection reasons.
    """

    def __init__(self, parser: TimeParser, index: Subscribers, fixed_as_of: int | None,
                 progress: Progress | None, checks: Checks | None = None,
                 group_fields: Sequence[str] = (), window: bool = False) -> None:
        self.parser = parser
        self.index = index
        self.checks = checks or {}
        # For periodic and threshold rules: every value of their group fields on any event, and
        # the earliest event time (the start of the input window).
        self.group_values: dict[str, set[Any]] = {name: set() for name in group_fields}
        self.window = window or bool(group_fields)
        # Microseconds since the epoch, like every instant the rules see.
        self.earliest: int | None = None
        self.fixed_as_of = fixed_as_of
        self.progress = progress
        self.latest: int | None = None
        # Ids of the events the rules use: a second record with one of them is a duplicate.
        self.seen: dict[str, EventRef] = {}
        self.seq = 0
        self.offsets: dict[Any, int] = {}

    def read(self, source: LogSource | RecordSource) -> InputSummary:
        """Stream one source; return its reconciliation (records = accepted + rejected)."""
        path = source.path
        digest = source.start_digest()
        accepted = after = 0
        rejections: list[tuple[int, str]] = []
        reject = rejections.append
        aware = self.parser.aware
        fromiso = datetime.fromisoformat
        index, progress, seen = self.index, self.progress, self.seen
        # With as_of given, each event is compared with it (to count those after it); without,
        # with the latest event so far (which becomes as_of): one comparison per record either
        # way. Events after a given as_of still reach the rules, which ignore them.
        fixed = self.fixed_as_of
        latest = self.latest
        earliest = self.earliest if self.earliest is not None else _NEVER
        # The UTC offset in microseconds of each fixed-offset zone seen: with it an event's
        # instant is plain integer arithmetic on its fields, several times faster than
        # subtracting aware datetimes (whose zones are distinct objects, one per record).
        offsets = self.offsets
        seq = self.seq
        check_index = self.checks or None
        observe = self.window
        # Most checks group by one field (the site): that one is looked up without a loop.
        # Absent and empty values are collected too and dropped once, at the end.
        group_sets = list(self.group_values.items())
        first_group, first_values = group_sets[0] if group_sets else (None, set())
        other_groups = group_sets[1:]
        batches = source.batches()
        if progress is not None:
            batches = _reporting(batches, source, progress)
        # Batches flattened in C: no generator frame is resumed per record.
        line: int
        record: Any
        when: datetime
        field_map = source.field_map
        loads, decode_error, too_long = orjson.loads, orjson.JSONDecodeError, jsonl.MAX_RECORD_BYTES
        for line, record in chain.from_iterable(batches):
            if type(record) is bytes:
                # A JSON line, decoded here rather than in the reader: one loop over the file.
                if len(record) > too_long:
                    reject((line, jsonl.too_long(record)))
                    continue
                try:
                    record = loads(record)
                except decode_error as exc:
                    reason = jsonl.not_json(record, exc)
                    if reason is not None:
                        reject((line, reason))
                    continue
                if type(record) is not dict:
                    reject((line, jsonl.not_an_object(record)))
                    continue
                if field_map:
                    apply_field_map(record, field_map)
            elif type(record) is str:
                reject((line, record))
                continue
            kind = record.get("type")
            if type(kind) is not str or not kind:
                reject((line, "missing field 'type'" if kind in (None, "")
                        else "field 'type' must be text"))
                continue
            moment = record.get("time")
            try:
                when = fromiso(moment)
            except (TypeError, ValueError):
                when = _NAIVE
            zone = when.tzinfo
            if zone is None:
                try:
                    when = aware(moment)
                except ValueError as exc:
                    reject((line, str(exc)))
                    continue
                zone = when.tzinfo
            offset = offsets.get(zone)
            if offset is None and type(zone) is timezone:
                offset = offsets[zone] = zone.utcoffset(None) // _ONE_US
            if offset is not None:
                ts = (((when.toordinal() - _EPOCH_DAY) * 86400 + when.hour * 3600
                       + when.minute * 60 + when.second) * 1_000_000 + when.microsecond - offset)
            else:  # a zone with daylight saving (a --default-tz): the careful way
                ts = (when - _EPOCH) // _ONE_US
            if check_index is not None and kind in check_index:
                reason = _refusal(check_index[kind], record)
                if reason is not None:
                    reject((line, reason))
                    continue
            subscribers = index.get(kind)
            if subscribers is not None:
                ref: Any = None
                for predicate, rank, append, key_field, extra_field in subscribers:
                    if predicate is not None and not predicate(record):
                        continue
                    if ref is None:
                        seq += 1
                        ident = record.get("id")
                        site, staff = record.get("site"), record.get("staff")
                        if type(ident) is not str or not ident:
                            ident = text_or_none(ident)
                        if type(site) is not str or not site:
                            site = text_or_none(site)
                        if type(staff) is not str or not staff:
                            staff = text_or_none(staff)
                        ref = EventRef(ts, kind, ident, path, line, seq, site, staff)
                        if ident is not None:
                            first = seen.get(ident)
                            if first is not None:
                                reject((line, f"duplicate event id {ident!r} "
                                              f"(first at {first.file}:{first.line})"))
                                ref = _DUPLICATE
                                break
                            seen[ident] = ref
                        else:
                            ident = ""  # sorts before any id, as the order tie-break
                    key = record.get(key_field) if key_field is not None else None
                    if type(key) is not str or not key:
                        key = text_or_none(key)
                    if extra_field is None:
                        extra = None
                    elif isinstance(extra_field, str):
                        extra = record.get(extra_field)
                    else:
                        extra = extra_field(record)
                    append((ts, rank, ident, seq, ref, key, extra))
                if ref is _DUPLICATE:
                    continue
            accepted += 1
            # The latest event (the default as_of) and, for periodic and threshold rules, the
            # earliest (where the input window starts). Exports are mostly in time order, so
            # the earliest is only looked at when an event is not the latest so far.
            if fixed is not None:
                if ts > fixed:
                    after += 1
                if observe:
                    if latest is None:
                        latest = earliest = ts
                    elif ts > latest:
                        latest = ts
                    elif ts < earliest:
                        earliest = ts
            elif latest is None:
                latest = earliest = ts
            elif ts > latest:
                latest = ts
            elif observe and ts < earliest:
                earliest = ts
            if observe:
                if first_group is not None:
                    first_values.add(record.get(first_group))
                for name, values in other_groups:
                    values.add(record.get(name))
        self.latest, self.seq = latest, seq
        self.earliest = None if earliest == _NEVER else earliest
        if progress is not None:
            progress(path, source.size, source.size)
        return InputSummary(
            path=path, format=source.format, sha256=digest(), records=accepted + len(rejections),
            accepted=accepted, rejected=len(rejections), after_as_of=after,
            rejections=tuple(Rejection(file=path, line=ln, reason=why) for ln, why in rejections),
        )


def _refusal(checks: list[tuple[Predicate | None, Callable[[Any], str | None]]],
             record: Any) -> str | None:
    """Why a rule refuses this record (a mean taken of text, say), or None."""
    for predicate, check in checks:
        if predicate is None or predicate(record):
            reason = check(record)
            if reason is not None:
                return reason
    return None


def _reporting(batches: Iterator[list[Any]], source: LogSource | RecordSource,
               progress: Progress) -> Iterator[list[Any]]:
    """Pass batches through, telling `progress` how far into the file the reader is."""
    for number, batch in enumerate(batches, 1):
        if number % _PROGRESS_BATCHES == 0:
            progress(source.path, source.bytes_read, source.size)
        yield batch


def _check_overlay_sites(calendars: CalendarBook, rules: RuleSet,
                         evaluators: list[Evaluator]) -> None:
    """A site a calendar overlay names must appear on an event the rules use: a typo in a site
    code would otherwise silently give that site the default hours and days."""
    named = calendars.sites([rule.calendar for rule in rules])
    if not named:
        return
    seen = {item[4].site for evaluator in evaluators for item in evaluator.items}
    seen.update(rules.profile.sites)
    unknown = sorted(set(named) - seen)
    if unknown:
        known = ", ".join(sorted(s for s in seen if s)) or "none"
        file, line = named[unknown[0]]
        raise RuleError(f"unknown site {unknown[0]!r}: no event the rules use carries it "
                        f"(sites seen: {known})", file, line)


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


def _check_index(evaluators: list[Evaluator]) -> Checks:
    """Event type → the record checks of the rules that refuse some records."""
    index: Checks = {}
    for evaluator in evaluators:
        for selector, check in evaluator.record_checks():
            predicate = compile_where(selector)
            for kind in selector.types:
                index.setdefault(kind, []).append((predicate, check))
    return index


def _dispatch_index(evaluators: list[Evaluator]) -> Subscribers:
    """Event type → the entries of every rule role that listens to it."""
    index: Subscribers = {}
    for evaluator in evaluators:
        for selector, rank, extra_field in evaluator.subscriptions():
            predicate = compile_where(selector)
            for kind in selector.types:
                index.setdefault(kind, []).append(
                    (predicate, rank, evaluator.items.append, evaluator.key_field, extra_field))
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
    return [RecordSource(events, field_map=field_map)]
