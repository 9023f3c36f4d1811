"""Kind `threshold`: a rate or mean over a population, per group and period, meets a bound.

`{rate: <conditions>}` is the share of population events that match the conditions;
`{mean: <field>}` the mean of a numeric field, each value divided by the event's own
`scale_field` first when the rule gives one (scores out of 5, 10 or 100 become 0..1). Bounds are
inclusive. A period with fewer than `min_sample` population events is `not_evaluated` (so is a
group with none). A population event whose mean field or scale is missing or not a number is a
rejected record. See `grouped` for groups and periods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from ..findings import Outcome
from ..matching import compile_conditions, number
from ..messages import text
from ..rulemodel import Condition, FieldName, Scalar, Selector, StrictModel
from .base import Extra, InputFacts, RuleResult
from .grouped import GroupedEvaluator, GroupedRule


class RateMetric(StrictModel):
    """The share of population events that match conditions."""

    rate: dict[FieldName, Scalar | Condition] = Field(min_length=1)


class MeanMetric(StrictModel):
    """The mean of a numeric field, optionally on the event's own scale."""

    mean: FieldName
    scale_field: FieldName | None = Field(
        default=None, description="field holding each event's scale maximum (5, 10, 100)")


class ThresholdRule(GroupedRule):
    """A KPI: complaint-handling satisfaction at least 95 % a month, per site."""

    kind: Literal["threshold"]
    population: Selector
    metric: RateMetric | MeanMetric
    at_least: float | None = None
    at_most: float | None = None
    min_sample: int = Field(default=1, ge=1,
                            description="fewer population events leave a period not evaluated")

    @model_validator(mode="after")
    def _a_bound(self) -> ThresholdRule:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        return self


class ThresholdEvaluator(GroupedEvaluator):
    """Computes the metric of each group and period."""

    rule: ThresholdRule

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        metric = self.rule.metric
        if isinstance(metric, RateMetric):
            condition = compile_conditions(metric.rate)
            assert condition is not None  # a rate has at least one condition
            return [(self.rule.population, 0, condition)]
        return [(self.rule.population, 0, self._value)]

    def _value(self, record: Mapping[str, Any]) -> float:
        metric = self.rule.metric
        assert isinstance(metric, MeanMetric)
        value = number(record.get(metric.mean))
        assert value is not None  # record_checks refused the others
        if metric.scale_field is not None:
            scale = number(record.get(metric.scale_field))
            assert scale is not None and scale > 0
            value /= scale
        return value

    def record_checks(self) -> Iterable[tuple[Selector, Callable[[Mapping[str, Any]],
                                                                   str | None]]]:
        metric = self.rule.metric
        if not isinstance(metric, MeanMetric):
            return ()
        rule_id = self.rule.id

        def check(record: Mapping[str, Any]) -> str | None:
            value = record.get(metric.mean)
            if number(value) is None:
                return (f"field {metric.mean!r} is {_shown(value)}, not a number "
                        f"(rule {rule_id} takes its mean)")
            if metric.scale_field is not None:
                scale = number(record.get(metric.scale_field))
                if scale is None or scale <= 0:
                    return (f"field {metric.scale_field!r} is "
                            f"{_shown(record.get(metric.scale_field))}, not a positive number "
                            f"(rule {rule_id} divides by it)")
            return None

        return [(self.rule.population, check)]

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        rule = self.rule
        for group, period, covered, events in self.buckets(as_of, facts):
            if not covered:
                self.not_covered(group, period, events, as_of, facts)
                continue
            subject = f"{rule.group_by}={group} {period.label}"
            size = len(events)
            if size and isinstance(rule.metric, RateMetric):
                numerator = sum(1 for _, matched in events if matched)
                value = numerator / size
                parts: dict[str, Any] = {"numerator": numerator, "denominator": size}
            else:
                value = sum(extra for _, extra in events) / size if size else 0.0
                parts = {"denominator": size}
            # The bound is checked on the exact value; reports show six decimals (2/3 reads
            # 0.666667 in every report and fixture), which must not turn 0.9499996 into a pass.
            shown = round(value, 6)
            if size < rule.min_sample:
                reason = text("reason.small_sample", self.lang, count=size, need=rule.min_sample)
                self.grouped_finding(Outcome.NOT_EVALUATED, group, period, events, text(
                    "not_evaluated", self.lang, subject=subject, reason=reason),
                    reason=reason, value=shown if size else None, **parts)
                continue
            met = ((rule.at_least is None or value >= rule.at_least)
                   and (rule.at_most is None or value <= rule.at_most))
            value = shown
            outcome = Outcome.COMPLIANT if met else Outcome.VIOLATED
            message = text("threshold.met" if met else "threshold.missed", self.lang,
                           subject=subject, value=_percent(value), bound=self._bound(),
                           of=_of(parts, self.lang))
            self.grouped_finding(outcome, group, period, events, message, value=value, **parts)
        return RuleResult(self.sorted_findings(), self.summary(self.grouped_notes(facts)))

    def _bound(self) -> str:
        rule = self.rule
        parts = []
        if rule.at_least is not None:
            parts.append(f"≥ {_percent(rule.at_least)}")
        if rule.at_most is not None:
            parts.append(f"≤ {_percent(rule.at_most)}")
        return ", ".join(parts)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".0%", "%")


def _of(parts: dict[str, Any], lang: str) -> str:
    if "numerator" in parts:
        return f"{parts['numerator']}/{parts['denominator']}"
    return f"n={parts['denominator']}" if lang != "zh" else f"样本 {parts['denominator']}"


def _shown(value: Any) -> str:
    return "missing" if value is None or value == "" else repr(value)
