"""Kind `periodic`: at least `min_count` matching events in every calendar period per group.

A group with no event at all in a period the input wholly covers is violated: a site that never
held its quarterly audit is the case the rule exists for. See `grouped` for groups and periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..findings import Outcome
from ..messages import text
from ..rulemodel import Selector
from .base import Extra, InputFacts, RuleResult
from .grouped import GroupedEvaluator, GroupedRule


class PeriodicRule(GroupedRule):
    """A duty done at least so often: an internal audit every quarter, per site."""

    kind: Literal["periodic"]
    event: Selector
    min_count: int = Field(default=1, ge=1, description="events required in each period")


class PeriodicEvaluator(GroupedEvaluator):
    """Counts the matching events of each group and period."""

    rule: PeriodicRule

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        return [(self.rule.event, 0, None)]

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        need = self.rule.min_count
        for group, period, covered, events in self.buckets(as_of, facts):
            if not covered:
                self.not_covered(group, period, events, as_of, facts)
                continue
            subject = f"{self.rule.group_by}={group} {period.label}"
            count = len(events)
            outcome = Outcome.COMPLIANT if count >= need else Outcome.VIOLATED
            key = "periodic.met" if outcome is Outcome.COMPLIANT else "periodic.short"
            message = text(key, self.lang, subject=subject, count=count, need=need)
            self.grouped_finding(outcome, group, period, events, message, count=count)
        return RuleResult(self.sorted_findings(), self.summary(self.grouped_notes(facts)))
