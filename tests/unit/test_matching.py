"""Selector conditions: data compiled to predicates, with CSV text read as the rule's type."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.matching import compile_where, equals
from compliance.rulemodel import Selector


def matches(where: dict[str, Any], record: dict[str, Any]) -> bool:
    predicate = compile_where(Selector(type="t", where=where))
    assert predicate is not None
    return predicate(record)


@pytest.mark.parametrize(("where", "record", "expected"), [
    ({"severity": "major"}, {"severity": "major"}, True),
    ({"severity": "major"}, {"severity": "normal"}, False),
    ({"severity": "major"}, {}, False),
    ({"channel": {"in": ["walk_in", "appointment"]}}, {"channel": "walk_in"}, True),
    ({"channel": {"in": ["walk_in", "appointment"]}}, {"channel": "hotline"}, False),
    ({"channel": {"not_in": ["email"]}}, {}, True),
    ({"channel": {"not_in": ["email"]}}, {"channel": "email"}, False),
    ({"score": {"lt": 4}}, {"score": 3}, True),
    ({"score": {"lt": 4}}, {"score": "3.5"}, True),
    ({"score": {"lt": 4}}, {"score": 4}, False),
    ({"score": {"lt": 4}}, {"score": "n/a"}, False),
    ({"score": {"ge": 4, "le": 5}}, {"score": 5}, True),
    ({"score": {"ge": 4, "le": 5}}, {"score": 6}, False),
    ({"amount": {"exists": True}}, {"amount": 0}, True),
    ({"amount": {"exists": True}}, {"amount": ""}, False),
    ({"amount": {"exists": False}}, {}, True),
    ({"satisfied": True}, {"satisfied": "true"}, True),
    ({"satisfied": True}, {"satisfied": 1}, False),
    ({"score": 4}, {"score": "4"}, True),
    ({"unit": "101"}, {"unit": 101}, True),
    ({"severity": {"ne": "major"}}, {}, True),
    ({"a": "x", "b": "y"}, {"a": "x", "b": "z"}, False),
])
def test_conditions(where: dict[str, Any], record: dict[str, Any], expected: bool) -> None:
    assert matches(where, record) is expected


def test_no_conditions_compile_to_none() -> None:
    assert compile_where(Selector(type="t")) is None


def test_booleans_are_not_numbers() -> None:
    assert not equals(True, 1)
    assert not equals(1, True)
