"""Kind `precedence`: every event has the required earlier events for the same key.

Every `event` is an instance: compliant when, for each `before` selector, an event of the same
key matched it at or before the event's time (with `within`, no longer than that before it; the
latest such event counts); violated otherwise, naming what was missing. An event without the key
is `not_evaluated`. At equal instants the before-events come first, so a credit check recorded
in the same second as the contract counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from ..events import EventRef
from ..findings import Outcome
from ..messages import text
from ..rulemodel import DurationField, FieldName, RuleBase, Selector
from .base import Evaluator, Extra, InputFacts, RuleResult

BEFORE, EVENT = 0, 3


class PrecedenceRule(RuleBase):
    """Steps in order: a credit check and proof of funds before the contract."""

    kind: Literal["precedence"]
    key: FieldName
    before: Selector | list[Selector]
    event: Selector
    within: DurationField | None = None

    @property
    def befores(self) -> list[Selector]:
        """The required earlier events, as a list."""
        return self.before if isinstance(self.before, list) else [self.before]


def _constant(value: int) -> Callable[[Mapping[str, Any]], int]:
    return lambda _record: value


class PrecedenceEvaluator(Evaluator):
    """Single pass in time order, remembering the latest before-event of each kind per key."""

    rule: PrecedenceRule

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        befores = self.rule.befores
        # The extra of a before-event is which of the selectors it matched; an event can match
        # several, so each selector gets its own subscription.
        roles: list[tuple[Selector, int, Extra]] = [
            (selector, BEFORE, _constant(n)) for n, selector in enumerate(befores)
        ]
        return [*roles, (self.rule.event, EVENT, None)]

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        self.items.sort()
        latest: dict[tuple[str, int], EventRef] = {}
        events = without_key = 0
        names = [", ".join(s.types) for s in self.rule.befores]
        for ts, rank, _, _, ref, key, which in self.items:
            if ts > as_of:
                break
            if rank == BEFORE:
                if key is not None:
                    latest[key, which] = ref
                continue
            events += 1
            if key is None:
                without_key += 1
                self._record(Outcome.NOT_EVALUATED, ref, None, [], self.missing_key_reason())
                continue
            self._judge(ref, key, [latest.get((key, n)) for n in range(len(names))], names)
        notes = self.key_notes(self.rule.event, events, without_key)
        return RuleResult(self.sorted_findings(), self.summary(notes))

    def _judge(self, event: EventRef, key: str, latest: list[EventRef | None],
               names: list[str]) -> None:
        """Judge a guarded event by the latest earlier step of each kind (None: none seen)."""
        found, missing = [], []
        for before, name in zip(latest, names, strict=True):
            if before is not None and self._in_time(before, event):
                found.append(before)
            else:
                missing.append(name)
        outcome = Outcome.VIOLATED if missing else Outcome.COMPLIANT
        self._record(outcome, event, key, found, None, missing)

    def _in_time(self, before: EventRef, event: EventRef) -> bool:
        within = self.rule.within
        if within is None:
            return True
        due = self.reckon(before.ts, within, event.site).due
        return due is not None and event.ts <= due

    def _record(self, outcome: Outcome, event: EventRef, key: str | None,
                found: list[EventRef], reason: str | None,
                missing: list[str] | None = None) -> None:
        if outcome is Outcome.COMPLIANT and not self.show_passes:
            # Dated like its finding would be: by the earliest event found before it.
            self.passed(event, ts=min(r.ts for r in found) if found else None)
            return
        subject = self.subject(key)
        if reason is not None:
            message = text("not_evaluated", self.lang, subject=subject, reason=reason)
        elif missing:
            limit = (text("precedence.within", self.lang, within=self.rule.within.text(self.lang))
                     if self.rule.within else "")
            message = text("precedence.missing", self.lang, subject=subject,
                           missing="; ".join(missing), limit=limit)
        else:
            message = text("precedence.met", self.lang, subject=subject)
        site, staff = self.people(event, None)
        start = min(found, key=lambda r: r.ts) if found else None
        self.record(outcome, event, self.finding(
            outcome, subject=subject, site=site, staff=staff, start=self.point(start),
            stop=self.point(event), reason=reason, message=message,
            evidence=self.evidence([*found, event])))
