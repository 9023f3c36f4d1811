"""The rule kinds: each module holds a kind's model and its native evaluator."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Context, Evaluator, RuleResult
from .coverage import CoverageEvaluator, CoverageRule
from .deadline import DeadlineEvaluator, DeadlineRule
from .forbidden import ForbiddenEvaluator, ForbiddenRule
from .min_duration import MinDurationEvaluator, MinDurationRule
from .periodic import PeriodicEvaluator, PeriodicRule
from .precedence import PrecedenceEvaluator, PrecedenceRule
from .required_fields import RequiredFieldsEvaluator, RequiredFieldsRule
from .retention import RetentionEvaluator, RetentionRule
from .threshold import ThresholdEvaluator, ThresholdRule

AnyRule = (DeadlineRule | MinDurationRule | PrecedenceRule | ForbiddenRule | PeriodicRule
           | ThresholdRule | RequiredFieldsRule | RetentionRule | CoverageRule)
Rule = Annotated[AnyRule, Field(discriminator="kind")]

# kind → (model, evaluator): adding a kind is one module and one line here.
KINDS: dict[str, tuple[type[AnyRule], type[Evaluator]]] = {
    "deadline": (DeadlineRule, DeadlineEvaluator),
    "min_duration": (MinDurationRule, MinDurationEvaluator),
    "precedence": (PrecedenceRule, PrecedenceEvaluator),
    "forbidden": (ForbiddenRule, ForbiddenEvaluator),
    "periodic": (PeriodicRule, PeriodicEvaluator),
    "threshold": (ThresholdRule, ThresholdEvaluator),
    "required_fields": (RequiredFieldsRule, RequiredFieldsEvaluator),
    "retention": (RetentionRule, RetentionEvaluator),
    "coverage": (CoverageRule, CoverageEvaluator),
}
KIND_MODELS = {kind: model for kind, (model, _) in KINDS.items()}


def make_evaluator(rule: AnyRule, context: Context) -> Evaluator:
    """The native evaluator for a rule of any kind."""
    evaluator: type[Evaluator] = KINDS[rule.kind][1]
    return evaluator(rule, context)


__all__ = ["KINDS", "KIND_MODELS", "AnyRule", "Context", "Evaluator", "Rule", "RuleResult",
           "make_evaluator"]
