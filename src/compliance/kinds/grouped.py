"""What periodic and threshold rules share: groups, calendar periods and the input window.

Instances: one per group and calendar period (in the rule's time zone). The groups are every
value of `group_by` seen on any event of the input, plus those the rule lists in `groups:`. The
input window runs from 00:00 local time of the earliest event's date to `as_of`; a period not
wholly inside it is `not_evaluated`. Events without a group value count for no group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from ..events import EventRef
from ..findings import Outcome
from ..messages import text
from ..periods import Every, Period, Periods, window_start
from ..rulemodel import FieldName, RuleBase
from .base import Context, Evaluator, InputFacts


class GroupedRule(RuleBase):
    """Fields of rules judged per group and calendar period."""

    every: Every = Field(description="the calendar period: day, week, month, quarter, "
                                     "half_year or year")
    group_by: FieldName = Field(description="the field whose values are the groups, e.g. site")
    groups: list[str] = Field(default_factory=list,
                              description="groups judged even if no event names them")


class GroupedEvaluator(Evaluator):
    """Buckets the rule's events by group and period, then judges every bucket."""

    rule: GroupedRule

    def __init__(self, rule: GroupedRule, context: Context) -> None:
        super().__init__(rule, context)
        self.group_field = rule.group_by
        self.key_field = rule.group_by
        self.ungrouped = 0

    def buckets(self, as_of: int, facts: InputFacts
                ) -> Iterator[tuple[str, Period, bool, list[tuple[EventRef, Any]]]]:
        """Every (group, period, covered, events with their extras), groups and periods sorted."""
        if facts.earliest is None:
            return
        periods = Periods(window_start(facts.earliest, self.tz), as_of, self.rule.every,
                          self.tz)
        groups = sorted(facts.groups.get(self.rule.group_by, set()) | set(self.rule.groups))
        found: dict[tuple[str, int], list[tuple[EventRef, Any]]] = {}
        self.items.sort()
        for ts, _, _, _, ref, group, extra in self.items:
            index = periods.index(ts)
            if index is None:
                continue
            if group is None:
                self.ungrouped += 1
                continue
            found.setdefault((group, index), []).append((ref, extra))
        for group in groups:
            for index, period in enumerate(periods.periods):
                yield group, period, periods.covered(period), found.get((group, index), [])

    def grouped_notes(self, facts: InputFacts) -> list[str]:
        """Notes on groups the rule could not find, and events without a group."""
        notes = []
        field = self.rule.group_by
        if not facts.groups.get(field) and not self.rule.groups:
            notes.append(text("note.no_group", self.lang, field=field))
        if self.ungrouped:
            notes.append(text("note.ungrouped", self.lang, count=self.ungrouped, field=field))
        return notes

    def grouped_finding(self, outcome: Outcome, group: str, period: Period,
                        events: list[tuple[EventRef, Any]], message: str,
                        **facts: Any) -> None:
        """Count and keep the finding of one group and period."""
        field = self.rule.group_by
        subject = f"{field}={group} {period.label}"
        if outcome is Outcome.COMPLIANT and not self.show_passes:
            # Dated by the last instant of the period, as its findings are (by their due time).
            self.tally.passed(group if self.rule.group_by == "site" else None, None,
                              period.end - 1)
            return
        self.tally.outcomes[outcome] += 1
        refs = [ref for ref, _ in events]
        finding = self.finding(
            outcome, subject=subject, site=group if field == "site" else None,
            due=self.time_text(period.end), period=period.label, group=group,
            message=message, evidence=self.evidence(refs), **facts,
        )
        self.findings.append((subject, period.start, "", finding))

    def not_covered(self, group: str, period: Period, events: list[tuple[EventRef, Any]],
                    as_of: int, facts: InputFacts) -> None:
        """A period the input window does not wholly cover: not judged."""
        assert facts.earliest is not None
        reason = text("reason.period_not_covered", self.lang,
                      start=self.local_text(window_start(facts.earliest, self.tz)),
                      end=self.local_text(as_of))
        subject = f"{self.rule.group_by}={group} {period.label}"
        self.grouped_finding(Outcome.NOT_EVALUATED, group, period, events,
                             text("not_evaluated", self.lang, subject=subject, reason=reason),
                             reason=reason)
