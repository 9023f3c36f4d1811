"""The rule kinds: each module holds a kind's model and its native evaluator."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Context, Evaluator, RuleResult
from .deadline import DeadlineEvaluator, DeadlineRule
from .min_duration import MinDurationEvaluator, MinDurationRule

Rule = Annotated[DeadlineRule | MinDurationRule, Field(discriminator="kind")]

KIND_MODELS: dict[str, type[DeadlineRule] | type[MinDurationRule]] = {
    "deadline": DeadlineRule,
    "min_duration": MinDurationRule,
}


def make_evaluator(rule: DeadlineRule | MinDurationRule, context: Context) -> Evaluator:
    """The native evaluator for a rule of any kind."""
    if isinstance(rule, DeadlineRule):
        return DeadlineEvaluator(rule, context)
    return MinDurationEvaluator(rule, context)


__all__ = ["KIND_MODELS", "Context", "Evaluator", "Rule", "RuleResult", "make_evaluator"]
