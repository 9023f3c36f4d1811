"""Selector conditions compiled to plain predicates over event records (data, never code)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .rulemodel import Condition, Scalar, Selector

Predicate = Callable[[Mapping[str, Any]], bool]

_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f"})


def number(value: Any) -> float | None:
    """A field value as a number, or None: CSV cells are text, so '4.5' counts as 4.5."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def equals(actual: Any, expected: Scalar) -> bool:
    """Whether a field value equals a rule value, reading CSV/XES text as the rule's type."""
    if actual is None:
        return False
    if isinstance(expected, bool):
        if isinstance(actual, bool):
            return actual is expected
        if isinstance(actual, str):
            word = actual.strip().lower()
            return word in _TRUE if expected else word in _FALSE
        return False
    if isinstance(expected, int | float):
        value = number(actual)
        return value is not None and value == expected
    if isinstance(actual, str):
        return actual == expected
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        return str(actual) == expected
    return False


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _condition_tests(name: str, cond: Condition) -> list[Predicate]:
    tests: list[Predicate] = []
    if cond.eq is not None:
        eq = cond.eq
        tests.append(lambda r: equals(r.get(name), eq))
    if cond.ne is not None:
        ne = cond.ne
        tests.append(lambda r: not equals(r.get(name), ne))
    for op, bound in (("lt", cond.lt), ("le", cond.le), ("gt", cond.gt), ("ge", cond.ge)):
        if bound is not None:
            tests.append(_compare(name, op, bound))
    if cond.in_ is not None:
        members = tuple(cond.in_)
        tests.append(lambda r: any(equals(r.get(name), m) for m in members))
    if cond.not_in is not None:
        excluded = tuple(cond.not_in)
        tests.append(lambda r: not any(equals(r.get(name), m) for m in excluded))
    if cond.exists is not None:
        wanted = cond.exists
        tests.append(lambda r: _present(r.get(name)) is wanted)
    return tests


def _compare(name: str, op: str, bound: float) -> Predicate:
    def test(record: Mapping[str, Any]) -> bool:
        value = number(record.get(name))
        if value is None:
            return False
        if op == "lt":
            return value < bound
        if op == "le":
            return value <= bound
        if op == "gt":
            return value > bound
        return value >= bound

    return test


def _equality_test(name: str, value: Scalar) -> Predicate:
    if isinstance(value, str):
        # The common case, an exact text match, skips the type juggling of `equals`.
        return lambda record: record.get(name) == value or equals(record.get(name), value)
    return lambda record: equals(record.get(name), value)


def compile_where(selector: Selector) -> Predicate | None:
    """The selector's `where` as one predicate, or None when it has no conditions."""
    return compile_conditions(selector.where)


def compile_conditions(where: Mapping[str, Scalar | Condition]) -> Predicate | None:
    """Field conditions (a `where`, or a threshold's `rate`) as one predicate; None for none."""
    tests: list[Predicate] = []
    for name, spec in where.items():
        if isinstance(spec, Condition):
            tests.extend(_condition_tests(name, spec))
        else:
            tests.append(_equality_test(name, spec))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda record: all(test(record) for test in tests)
