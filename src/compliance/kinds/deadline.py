"""Kind `deadline`: after a start event, a stop event for the same key comes in time.

Instances, exactly (product contract §3):
- every start event opens one instance for its key value; one without the key is
  `not_evaluated` ("missing key");
- a stop event closes every open instance of its key; a stop with nothing open is counted as
  unmatched, not a finding;
- a cancel event closes every open instance of its key without a verdict (`cancelled`);
- due = start + `within`, or the time in the start event's `due_field` plus `offset`;
- between a pause and the next resume of the key the clock stands still and `due` moves later by
  that much; a pause that begins after an instance is already due does not save it;
- closed at or before due: compliant; after: violated (late); open at `as_of`: violated (missing)
  when past due, else pending;
- at equal instants: starts, resumes, pauses, stops, cancels (a resume and a pause at the same
  instant end the old wait and begin a new one); events after `as_of` are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from ..durations import iso_duration
from ..events import EventRef
from ..findings import Outcome
from ..messages import text
from ..rulemodel import DurationField, FieldName, RuleBase, Selector
from .base import Context, Evaluator, Extra, InputFacts, RuleResult

START, RESUME, PAUSE, STOP, CANCEL = range(5)
COMPLIANT = Outcome.COMPLIANT


class DeadlineRule(RuleBase):
    """A stop must follow a start for the same key within a duration or by a due time."""

    kind: Literal["deadline"]
    key: FieldName = Field(description="field that ties the events of one instance together")
    start: Selector
    stop: Selector
    within: DurationField | None = None
    due_field: FieldName | None = Field(
        default=None, description="field of the start event holding the due time"
    )
    offset: DurationField | None = Field(default=None, description="added to due_field")
    cancel: Selector | None = None
    pause: Selector | None = None
    resume: Selector | None = None

    model_config = ConfigDict(json_schema_extra={
        "oneOf": [{"required": ["within"]}, {"required": ["due_field"]}],
        "dependentRequired": {
            "pause": ["resume"], "resume": ["pause"], "offset": ["due_field"],
        },
    })

    @model_validator(mode="after")
    def _consistent(self) -> DeadlineRule:
        if (self.within is None) == (self.due_field is None):
            raise ValueError("give exactly one of 'within' and 'due_field'")
        if self.offset is not None and self.due_field is None:
            raise ValueError("'offset' goes with 'due_field'")
        if (self.pause is None) != (self.resume is None):
            raise ValueError("'pause' and 'resume' go together")
        return self


class _Open:
    """One open instance: its start event, due time (µs) and the pauses that moved it.

    `due` is None when the working calendar runs out before it; `known_until` is then the
    instant up to which the instance is certainly not due. `base` is the instant the rule's
    duration was added to (the start, or the time in `due_field`).
    """

    __slots__ = ("base", "due", "known_until", "pause_refs", "paused", "reason", "start")

    def __init__(self, start: EventRef, due: int | None, reason: str | None = None,
                 known_until: int | None = None, base: int | None = None) -> None:
        self.start = start
        self.due = due
        self.reason = reason
        self.known_until = known_until
        self.base = start.ts if base is None else base
        self.paused = 0
        self.pause_refs: list[EventRef] | None = None


class DeadlineEvaluator(Evaluator):
    """Single pass over the rule's events in time order."""

    rule: DeadlineRule

    def __init__(self, rule: DeadlineRule, context: Context) -> None:
        super().__init__(rule, context)
        self.time_parser = context.time_parser
        within = rule.within
        self.within_us = within.microseconds if within and within.is_elapsed else None
        # The duration that sets due times; on the working calendar, pauses are measured in
        # working time too.
        self.duration = within if within is not None else rule.offset
        self.calendar_unit = (self.duration.unit if self.duration and self.duration.on_calendar
                              else None)
        self.limit = self._limit_text()

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        rule = self.rule
        roles = [(rule.start, START, rule.due_field), (rule.stop, STOP, None),
                 (rule.cancel, CANCEL, None), (rule.pause, PAUSE, None),
                 (rule.resume, RESUME, None)]
        return [(selector, rank, extra) for selector, rank, extra in roles if selector is not None]

    def _limit_text(self) -> str:
        rule = self.rule
        if rule.within is not None:
            return text("limit.within", self.lang, within=rule.within.text(self.lang))
        if rule.offset is not None:
            return text("limit.due_field_offset", self.lang, field=rule.due_field,
                        offset=rule.offset.text(self.lang))
        return text("limit.due_field", self.lang, field=rule.due_field)

    def _open(self, start: EventRef, raw_due: Any) -> _Open:
        """A new instance with its due time, or with the reason it cannot have one."""
        rule = self.rule
        if rule.within is not None:
            reckoned = self.reckon(start.ts, rule.within, start.site)
            return _Open(start, reckoned.due, known_until=reckoned.known_until)
        if raw_due is None or raw_due == "":
            return _Open(start, None, text("reason.missing_due_field", self.lang,
                                           field=rule.due_field))
        try:
            base = self.time_parser.parse(raw_due)
        except ValueError as exc:
            return _Open(start, None, text("reason.bad_due_field", self.lang,
                                           field=rule.due_field, error=exc))
        if rule.offset is None:
            return _Open(start, base, base=base)
        reckoned = self.reckon(base, rule.offset, start.site)
        return _Open(start, reckoned.due, known_until=reckoned.known_until, base=base)

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        self.items.sort()
        open_by_key: dict[str, list[_Open]] = {}
        paused: dict[str, tuple[int, EventRef]] = {}
        starts = without_key = 0
        within_us, quiet = self.within_us, not self.show_passes
        met = 0
        tally = self.tally
        if self.items:
            tally.passes.by_local_day(self.tz, self.items[0][0], min(self.items[-1][0], as_of))
        passes, shift, width = tally.passes.counts, tally.passes.shift, tally.passes.width
        passes_get = passes.get
        for ts, rank, _, _, ref, key, extra in self.items:
            if ts > as_of:
                break
            if rank == START:
                starts += 1
                if key is None:
                    without_key += 1
                    self._not_evaluated(ref, None, self.missing_key_reason(), [ref])
                    continue
                if within_us is not None:
                    instance = _Open(ref, ts + within_us)
                else:
                    instance = self._open(ref, extra)
                waiting = open_by_key.get(key)
                if waiting is None:
                    open_by_key[key] = [instance]
                else:
                    waiting.append(instance)
            elif key is None:
                continue
            elif rank == STOP:
                closing = open_by_key.pop(key, None)
                if not closing:
                    self.tally.unmatched_stops += 1
                    continue
                pause = paused.get(key)
                for instance in closing:
                    due = instance.due
                    if quiet and pause is None and due is not None and ts <= due:
                        # Most instances are met: count them without building a finding.
                        met += 1
                        start = instance.start
                        bucket = (start.site or ref.site, start.staff or ref.staff,
                                  (start.ts + shift) // width)
                        passes[bucket] = passes_get(bucket, 0) + 1
                    else:
                        self._judge(instance, key, ts, ref, pause)
            elif rank == CANCEL:
                cancelled = open_by_key.pop(key, None)
                if cancelled:
                    self.tally.cancelled += len(cancelled)
            elif rank == PAUSE:
                paused.setdefault(key, (ts, ref))
            else:  # RESUME
                began = paused.pop(key, None)
                if began is not None:
                    for instance in open_by_key.get(key, ()):
                        self._apply_pause(instance, began, ts, ref)
        self.tally.outcomes[COMPLIANT] += met
        for key, instances in open_by_key.items():
            for instance in instances:
                self._judge(instance, key, as_of, None, paused.get(key))
        notes = self.key_notes(self.rule.start, starts, without_key)
        return RuleResult(self.sorted_findings(), self.summary(notes))

    def _apply_pause(self, instance: _Open, began: tuple[int, EventRef], until: int,
                     resume: EventRef | None) -> int | None:
        """Move the instance's due time by the part of a pause it was open for and not yet due.

        On the working calendar the due time moves by the working time the pause covered.
        Returns the due time; with `resume` None the pause is still running at `until` and the
        instance itself is left unchanged.
        """
        pause_ts, pause_ref = began
        since = max(pause_ts, instance.start.ts)
        due = instance.due
        if due is None or since > due or until <= since:
            return due
        if self.calendar_unit is None:
            moved: int | None = due + (until - since)
        else:
            moved = self.calendar.extend(due, since, until, self.calendar_unit,
                                         instance.start.site)
        if resume is None or moved is None:
            return moved
        instance.due = moved
        instance.paused += until - since
        if instance.pause_refs is None:
            instance.pause_refs = []
        instance.pause_refs.extend((pause_ref, resume))
        return moved

    def _judge(self, instance: _Open, key: str, at: int, stop: EventRef | None,
               pause: tuple[int, EventRef] | None) -> None:
        """Give a closed (stop at `at`) or still open (`at` = as_of) instance its outcome."""
        start = instance.start
        refs = [start, *(instance.pause_refs or ())]
        if stop is not None:
            refs.append(stop)
        if instance.reason is not None:
            self._not_evaluated(start, stop, instance.reason, refs, key)
            return
        due = instance.due
        paused_us = instance.paused
        if pause is not None and due is not None:
            extended = self._apply_pause(instance, pause, at, None)
            if extended is None:
                due = None
            elif extended > due:
                refs.append(pause[1])
                paused_us += at - max(pause[0], start.ts)
                due = extended
        if due is None:
            self._judge_unknown(instance, key, at, stop, refs)
            return
        if stop is not None and at <= due and not self.show_passes:
            self.passed(start, stop)
            return
        elapsed = at - start.ts
        lang = self.lang
        subject = self.subject(key)
        due_text = self.time_text(due)
        words = {"subject": subject, "limit": self.limit, "due": due_text[:16].replace("T", " ")}
        overdue_by = None
        if at <= due:
            if stop is None:
                in_pause = pause is not None and due > (instance.due or due)
                outcome = Outcome.PENDING
                message = text("deadline.pending_paused" if in_pause else "deadline.pending",
                               lang, **words)
            else:
                outcome = Outcome.COMPLIANT
                message = text("deadline.met", lang, elapsed=self.span(elapsed), **words)
        else:
            outcome = Outcome.VIOLATED
            overdue = at - due
            overdue_by = iso_duration(overdue)
            if stop is None:
                message = text("deadline.missing", lang, as_of=self.local_text(at),
                               overdue=self.span(overdue), **words)
            else:
                message = text("deadline.late", lang, elapsed=self.span(elapsed),
                               overdue=self.span(overdue), **words)
        site, staff = self.people(start, stop)
        self.record(outcome, start, self.finding(
            outcome, subject=subject, site=site, staff=staff,
            start=self.point(start), stop=self.point(stop), due=due_text,
            due_basis=self._basis(instance), elapsed=iso_duration(elapsed), overdue_by=overdue_by,
            paused=iso_duration(paused_us) if paused_us else None,
            message=message, evidence=self.evidence(refs),
        ))

    def _basis(self, instance: _Open) -> str | None:
        """How a working-calendar due time was reached; None for elapsed time."""
        if self.calendar_unit is None or self.duration is None:
            return None
        return self.calendar.explain(instance.base, self.duration, instance.start.site,
                                     self.lang)

    def _judge_unknown(self, instance: _Open, key: str, at: int, stop: EventRef | None,
                       refs: list[EventRef]) -> None:
        """An instance whose due time lies in a year the calendar does not know.

        It is still judged when no due time in that year could change the verdict: closed, or
        judged, before the calendar runs out, it cannot be late yet.
        """
        start = instance.start
        known = instance.known_until
        if known is None or at > known:
            self._not_evaluated(start, stop, self.unknown_calendar_reason(), refs, key)
            return
        if stop is not None:
            if self.show_passes:
                subject = self.subject(key)
                site, staff = self.people(start, stop)
                self.record(Outcome.COMPLIANT, start, self.finding(
                    Outcome.COMPLIANT, subject=subject, site=site, staff=staff,
                    start=self.point(start), stop=self.point(stop),
                    elapsed=iso_duration(at - start.ts), due_basis=self._basis(instance),
                    message=text("deadline.met", self.lang, subject=subject, limit=self.limit,
                                 elapsed=self.span(at - start.ts)),
                    evidence=self.evidence(refs)))
            else:
                self.passed(start, stop)
            return
        subject = self.subject(key)
        site, staff = self.people(start, None)
        self.record(Outcome.PENDING, start, self.finding(
            Outcome.PENDING, subject=subject, site=site, staff=staff, start=self.point(start),
            elapsed=iso_duration(at - start.ts), due_basis=self._basis(instance),
            message=text("deadline.pending_unknown", self.lang, subject=subject,
                         known_until=self.local_text(known)),
            evidence=self.evidence(refs)))

    def _not_evaluated(self, start: EventRef, stop: EventRef | None, reason: str,
                       refs: list[EventRef], key: str | None = None) -> None:
        subject = self.subject(key)
        site, staff = self.people(start, stop)
        self.record(Outcome.NOT_EVALUATED, start, self.finding(
            Outcome.NOT_EVALUATED, subject=subject, site=site, staff=staff,
            start=self.point(start), stop=self.point(stop), reason=reason,
            message=text("not_evaluated", self.lang, subject=subject, reason=reason),
            evidence=self.evidence(refs),
        ))
