"""Kind `min_duration`: a stop comes no earlier than a duration after the start.

Instances: every start event opens one for its key value (one without the key is
`not_evaluated`); a stop closes every open instance of its key: compliant when at least
`at_least` has passed since the start (inclusive), else violated (too short); a cancel closes them
without a verdict. Still open at `as_of`: `pending` while a stop could still come too early, and
`not_evaluated` ("no stop event") once it could not — an activity whose end was never recorded
cannot be shown to have lasted. At equal instants: starts, stops, cancels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field

from ..durations import iso_duration
from ..events import EventRef
from ..findings import Outcome
from ..messages import text
from ..rulemodel import DurationField, FieldName, RuleBase, Selector
from .base import Evaluator, Extra, InputFacts, RuleResult

START, STOP, CANCEL = 0, 3, 4


class MinDurationRule(RuleBase):
    """An activity must last at least a duration (a presentation of at least 30 minutes)."""

    kind: Literal["min_duration"]
    key: FieldName = Field(description="field that ties start and stop together")
    start: Selector
    stop: Selector
    at_least: DurationField
    cancel: Selector | None = None


class MinDurationEvaluator(Evaluator):
    """Single pass over the rule's events in time order."""

    rule: MinDurationRule

    def roles(self) -> list[tuple[Selector | None, int]]:
        """The selectors that start, stop and cancel an instance."""
        rule = self.rule
        return [(rule.start, START), (rule.stop, STOP), (rule.cancel, CANCEL)]

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        return [(selector, rank, None) for selector, rank in self.roles() if selector is not None]

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        self.items.sort()
        open_by_key: dict[str, list[EventRef]] = {}
        starts = without_key = 0
        for ts, rank, _, _, ref, key, _ in self.items:
            if ts > as_of:
                break
            if rank == START:
                starts += 1
                if key is None:
                    without_key += 1
                    self._not_evaluated(ref, None, self.missing_key_reason())
                else:
                    open_by_key.setdefault(key, []).append(ref)
            elif key is None:
                continue
            elif rank == STOP:
                closing = open_by_key.pop(key, None)
                if not closing:
                    self.tally.unmatched_stops += 1
                for start in closing or ():
                    self._judge(start, key, ref)
            else:
                cancelled = open_by_key.pop(key, None)
                self.tally.cancelled += len(cancelled or ())
        for key, starts_open in open_by_key.items():
            for start in starts_open:
                self._judge_open(start, key, as_of)
        notes = self.key_notes(self.roles()[0][0] or self.rule.start, starts, without_key)
        return RuleResult(self.sorted_findings(), self.summary(notes))

    def _judge_open(self, start: EventRef, key: str, as_of: int) -> None:
        """Give an instance still open at as_of its outcome."""
        earliest = self.reckon(start.ts, self.rule.at_least, start.site).due
        if earliest is None:
            self._not_evaluated(start, key, self.unknown_calendar_reason())
        elif as_of < earliest:
            self._pending(start, key, earliest)
        else:
            self._long_enough_at_end(start, key, as_of, earliest)

    def _long_enough_at_end(self, start: EventRef, key: str, as_of: int, earliest: int) -> None:
        """Open at as_of, past the minimum: an activity whose end was never recorded cannot be
        shown to have lasted."""
        reason = text("reason.no_stop", self.lang, as_of=self.local_text(as_of))
        self._not_evaluated(start, key, reason)

    def _record(self, outcome: Outcome, start: EventRef, key: str | None,
                stop: EventRef | None, earliest: int | None, message: str,
                **facts: Any) -> None:
        site, staff = self.people(start, stop)
        self.record(outcome, start, self.finding(
            outcome, subject=self.subject(key), site=site, staff=staff, start=self.point(start),
            stop=self.point(stop), due=self.time_text(earliest) if earliest is not None else None,
            message=message, evidence=self.evidence([start] if stop is None else [start, stop]),
            **facts,
        ))

    def _judge(self, start: EventRef, key: str, stop: EventRef) -> None:
        earliest = self.reckon(start.ts, self.rule.at_least, start.site).due
        if earliest is None:
            self._not_evaluated(start, key, self.unknown_calendar_reason(), stop)
            return
        if stop.ts >= earliest and not self.show_passes:
            self.passed(start, stop)
            return
        elapsed = stop.ts - start.ts
        words = {"subject": self.subject(key), "elapsed": self.span(elapsed),
                 "limit": self.rule.at_least.text(self.lang)}
        if stop.ts >= earliest:
            self._record(Outcome.COMPLIANT, start, key, stop, earliest,
                         text("min_duration.met", self.lang, **words),
                         elapsed=iso_duration(elapsed))
            return
        short = earliest - stop.ts
        self._record(Outcome.VIOLATED, start, key, stop, earliest,
                     text("min_duration.short", self.lang, short=self.span(short), **words),
                     elapsed=iso_duration(elapsed), short_by=iso_duration(short))

    def _pending(self, start: EventRef, key: str, earliest: int) -> None:
        message = text("min_duration.pending", self.lang, subject=self.subject(key),
                       due=self.local_text(earliest))
        self._record(Outcome.PENDING, start, key, None, earliest, message)

    def _not_evaluated(self, start: EventRef, key: str | None, reason: str,
                       stop: EventRef | None = None) -> None:
        message = text("not_evaluated", self.lang, subject=self.subject(key), reason=reason)
        self._record(Outcome.NOT_EVALUATED, start, key, stop, None, message, reason=reason)
