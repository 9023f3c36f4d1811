"""Every bundled rule's fixture logs against its expected.yaml (the harness of `rules test`)."""

from __future__ import annotations

import pytest
from builders import REPO

from compliance import load_rules
from compliance.fixture_harness import discover, run_case

RULES = load_rules(REPO / "rules")
FOUND = discover(RULES, REPO / "fixtures" / "rules")


@pytest.mark.parametrize("case", FOUND.cases, ids=lambda case: case.name)
def test_fixture_case(case: object) -> None:
    assert run_case(case, RULES) == []  # type: ignore[arg-type]


def test_every_rule_has_ok_and_violation_fixtures() -> None:
    assert FOUND.problems == []
    assert {case.rule_id for case in FOUND.cases} == set(RULES.ids)
