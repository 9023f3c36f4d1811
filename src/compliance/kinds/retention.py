"""Kind `retention`: a record is kept at least a duration.

Every `created` event opens an instance for its key; a `deleted` event closes every open instance
of its key: compliant when at least `at_least` passed (inclusive), violated when deleted too
early (`short_by`). Not deleted by `as_of`: compliant once `at_least` has passed (the record was
kept that long), pending before. A created event without the key is `not_evaluated`.
"""

from __future__ import annotations

from typing import Literal

from ..events import EventRef
from ..findings import Outcome
from ..messages import text
from ..rulemodel import DurationField, FieldName, RuleBase, Selector
from .min_duration import CANCEL, START, STOP, MinDurationEvaluator


class RetentionRule(RuleBase):
    """Evidence kept long enough: video of signings kept at least two years."""

    kind: Literal["retention"]
    key: FieldName
    created: Selector
    deleted: Selector
    at_least: DurationField


class RetentionEvaluator(MinDurationEvaluator):
    """The min_duration pass, where a record still kept at as_of has lasted."""

    rule: RetentionRule  # type: ignore[assignment]

    def roles(self) -> list[tuple[Selector | None, int]]:
        return [(self.rule.created, START), (self.rule.deleted, STOP), (None, CANCEL)]

    def _long_enough_at_end(self, start: EventRef, key: str, as_of: int, earliest: int) -> None:
        if not self.show_passes:
            self.passed(start)
            return
        message = text("retention.kept", self.lang, subject=self.subject(key),
                       limit=self.rule.at_least.text(self.lang))
        self._record(Outcome.COMPLIANT, start, key, None, earliest, message)
