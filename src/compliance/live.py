"""The live side of the durable engine: rules fed batch by batch, in a monitor's worker process.

A `LiveEngine` holds the evaluators of the rules the durable engine correlates and one
correlator each on a single synchronous durable_rules host. The monitor hands it events in time
order with the watermark they were released at; it answers with the findings that arose, the
outcomes counted, and the events the open state still rests on (what a restarted worker must be
given again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import tzinfo
from typing import Any

from . import durable_engine
from .calendars import CalendarBook, CalendarOverlay
from .checker import Intake, _check_index, _dispatch_index
from .events import TimeParser
from .findings import Finding, Rejection
from .kinds import Context, make_evaluator
from .readers import RecordSource
from .rulebook import RuleSet

SOURCE = "<monitor>"


@dataclass(frozen=True)
class Step:
    """What one batch did: new findings, outcome counts, rejections, events still needed."""

    findings: tuple[Finding, ...]
    # (rule id, subject, start event id) of reported missed deadlines whose case was cancelled.
    withdrawn: tuple[tuple[str, str, str], ...]
    counts: dict[str, dict[str, int]]
    rejections: tuple[Rejection, ...]
    # Monitor number of each event the open state rests on → the rules that rest on it.
    retained: dict[int, frozenset[str]]


@dataclass(frozen=True)
class OpenInstance:
    """An instance the monitor is waiting on: its rule, subject, start event and due time."""

    rule_id: str
    subject: str
    start_id: str
    start_time: str
    due: str | None
    site: str | None = None
    staff: str | None = None
    # Its deadline passed unanswered (reported as violated); a reply would still be judged late.
    overdue: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class LiveEngine:
    """The durable correlation of the monitor's rules, fed event batches in time order."""

    def __init__(self, rules: RuleSet, *, lang: str = "en", default_tz: tzinfo | None = None,
                 calendar: CalendarOverlay | None = None) -> None:
        reason = durable_engine.unavailable_reason()
        if reason is not None:
            raise durable_engine.EngineError(reason)
        parser = TimeParser(default_tz)
        calendars = CalendarBook([o for o in (rules.profile.calendar, calendar) if o is not None])
        context = Context(lang=lang, show_passes=False, time_parser=parser, calendars=calendars)
        self.evaluators = [make_evaluator(rule, context) for rule in rules
                           if getattr(rule, "kind", None) in durable_engine.KINDS]
        self.intake = Intake(parser, _dispatch_index(self.evaluators), None, None,
                             checks=_check_index(self.evaluators))
        host = durable_engine.SyncHost()
        self.correlators = []
        for evaluator in self.evaluators:
            correlator = durable_engine.CORRELATORS[getattr(evaluator.rule, "kind", "")](
                host, evaluator)
            if isinstance(correlator, durable_engine._DeadlineCorrelator):
                correlator.live_mode = True
            self.correlators.append(correlator)
        self.delivered = [0] * len(self.evaluators)
        self.counted: list[dict[str, int]] = [{} for _ in self.evaluators]

    def feed(self, batch: Sequence[tuple[int, Mapping[str, Any]]], watermark: int,
             only: Mapping[int, frozenset[str]] | None = None) -> Step:
        """Take events (numbered by the monitor, in time order), then the watermark.

        `only` (a replay after a restart) names, per event number, the rules that still rest
        on it: the other rules took the event before the crash and must not take it again.
        Events it does not name go to every rule.
        """
        rejections: tuple[Rejection, ...] = ()
        if batch:
            source = RecordSource([record for _, record in batch], SOURCE,
                                  numbers=[number for number, _ in batch])
            rejections = self.intake.read(source).rejections
        for evaluator, correlator in zip(self.evaluators, self.correlators, strict=True):
            # Cleared in place: the intake appends to this very list.
            items = sorted(evaluator.items)
            evaluator.items.clear()
            if only:
                rule_id = evaluator.rule.id
                items = [item for item in items
                         if rule_id in only.get(item[4].line, (rule_id,))]
            if items:
                correlator.correlate(items, watermark)
            correlator.expire(watermark)
        withdrawn: list[tuple[str, str, str]] = []
        for evaluator, correlator in zip(self.evaluators, self.correlators, strict=True):
            taken = getattr(correlator, "withdrawn", None)
            if taken:
                withdrawn.extend((evaluator.rule.id, *entry) for entry in taken)
                taken.clear()
        return Step(findings=self._new_findings(), withdrawn=tuple(withdrawn),
                    counts=self._new_counts(),
                    rejections=rejections, retained=self.retained())

    def _new_findings(self) -> tuple[Finding, ...]:
        out: list[Finding] = []
        for n, evaluator in enumerate(self.evaluators):
            found = evaluator.findings
            out.extend(entry[3] for entry in found[self.delivered[n]:])
            # Findings already handed on are not kept: a monitor runs for months.
            found.clear()
            self.delivered[n] = 0
        return tuple(out)

    def _new_counts(self) -> dict[str, dict[str, int]]:
        """Outcomes counted since the last batch, per rule."""
        delta: dict[str, dict[str, int]] = {}
        for n, evaluator in enumerate(self.evaluators):
            now = {str(k): v for k, v in evaluator.tally.outcomes.items() if v}
            now["cancelled"] = evaluator.tally.cancelled
            changed = {k: v - self.counted[n].get(k, 0) for k, v in now.items()
                       if v != self.counted[n].get(k, 0)}
            self.counted[n] = now
            if changed:
                delta[evaluator.rule.id] = changed
        return delta

    def retained(self) -> dict[int, frozenset[str]]:
        """The monitor's numbers of the events the open state rests on, with their rules."""
        rules: dict[int, set[str]] = {}
        for evaluator, correlator in zip(self.evaluators, self.correlators, strict=True):
            for ref in correlator.retained():
                rules.setdefault(ref.line, set()).add(evaluator.rule.id)
        return {line: frozenset(ids) for line, ids in rules.items()}

    def pending(self) -> list[OpenInstance]:
        """Every instance still open, in rule and start order."""
        out = []
        for evaluator, correlator in zip(self.evaluators, self.correlators, strict=True):
            overdue = {instance.start.seq for n, (instance, _) in
                       getattr(correlator, "instances", {}).items()
                       if n in getattr(correlator, "reported", ())}
            for start, key, due in correlator.open_instances():
                out.append(OpenInstance(
                    rule_id=evaluator.rule.id, subject=evaluator.subject(key),
                    start_id=start.ident, start_time=evaluator.time_text(start.ts),
                    due=None if due is None else evaluator.time_text(due),
                    site=start.site, staff=start.staff, overdue=start.seq in overdue))
        out.sort(key=lambda o: (o.rule_id, o.start_time, o.start_id))
        return out
