"""Kind `required_fields`: events of a type carry non-empty fields.

Every matching event is an instance: compliant when each field is present and not empty,
violated otherwise, naming the missing fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field

from ..findings import Outcome
from ..messages import text
from ..rulemodel import FieldName, RuleBase, Selector
from .base import Evaluator, Extra, InputFacts, RuleResult


class RequiredFieldsRule(RuleBase):
    """A record complete enough to audit: a reception names its first responder."""

    kind: Literal["required_fields"]
    event: Selector
    fields: list[FieldName] = Field(min_length=1)
    key: FieldName | None = Field(default=None,
                                  description="field that names the subject of a finding")


class RequiredFieldsEvaluator(Evaluator):
    """Checks each matching event up to as_of."""

    rule: RequiredFieldsRule

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        return [(self.rule.event, 0, self._missing)]

    def _missing(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(name for name in self.rule.fields
                     if record.get(name) is None or record.get(name) == "")

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        self.items.sort()
        for ts, _, _, _, ref, key, missing in self.items:
            if ts > as_of:
                break
            outcome = Outcome.VIOLATED if missing else Outcome.COMPLIANT
            if outcome is Outcome.COMPLIANT and not self.show_passes:
                self.passed(ref)
                continue
            subject = self.subject(key) if self.key_field else f"event={ref.ident}"
            message = (text("required.missing", self.lang, subject=subject,
                            fields=", ".join(missing))
                       if missing else text("required.met", self.lang, subject=subject))
            site, staff = self.people(ref, None)
            self.record(outcome, ref, self.finding(
                outcome, subject=subject, site=site, staff=staff, stop=self.point(ref),
                reason=None, message=message, evidence=self.evidence([ref])))
        return RuleResult(self.sorted_findings(), self.summary([]))
