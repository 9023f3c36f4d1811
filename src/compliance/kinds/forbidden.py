"""Kind `forbidden`: no event matches the selector.

Every matching event is a violated instance. With none, the rule has no instances and no
compliance rate, and passes the gate: the absence of the event is what the rule asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..events import EventRef
from ..findings import Outcome
from ..messages import text
from ..rulemodel import FieldName, RuleBase, Selector
from .base import Evaluator, Extra, InputFacts, RuleResult


class ForbiddenRule(RuleBase):
    """Something that must never happen: buyers' money outside the escrow account."""

    kind: Literal["forbidden"]
    event: Selector
    key: FieldName | None = Field(default=None,
                                  description="field that names the subject of a finding")


class ForbiddenEvaluator(Evaluator):
    """Every matching event up to as_of is a violation."""

    rule: ForbiddenRule

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        return [(self.rule.event, 0, None)]

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        self.items.sort()
        for ts, _, _, _, ref, key, _ in self.items:
            if ts > as_of:
                break
            self.violation(ref, key)
        return RuleResult(self.sorted_findings(), self.summary([]))

    def violation(self, ref: EventRef, key: str | None) -> None:
        """Record the violation one forbidden event is."""
        subject = self.subject(key) if self.key_field else f"event={ref.ident}"
        site, staff = self.people(ref, None)
        self.record(Outcome.VIOLATED, ref, self.finding(
            Outcome.VIOLATED, subject=subject, site=site, staff=staff,
            stop=self.point(ref), evidence=self.evidence([ref]),
            message=text("forbidden.found", self.lang, subject=subject, type=ref.type,
                         at=self.local_text(ref.ts))))
