"""rules/catalogue-coverage.yaml: each catalogue obligation maps to rules, or says why not."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import REPO

from compliance import load_rules

COVERAGE = REPO / "rules" / "catalogue-coverage.yaml"
CATALOGUE = Path(os.environ.get("COMPLIANCE_CATALOGUE",
                                REPO.parent / "shared" / "obligations" / "catalogue.json"))


def entries() -> dict[str, Any]:
    data = yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_entry_has_one_form_and_names_rules_that_exist() -> None:
    ids = set(load_rules().ids)
    for obligation, value in entries().items():
        assert isinstance(value, dict), obligation
        if "rules" in value:
            assert set(value) == {"rules"}, obligation
            assert value["rules"] and set(value["rules"]) <= ids, (obligation, value)
        else:
            assert set(value) == {"automated", "reason"}, obligation
            # Every obligation is settled: a rule, or why records cannot show it.
            assert value["automated"] is False, f"{obligation} is still {value['automated']!r}"
            assert isinstance(value["reason"], str) and len(value["reason"]) > 20, obligation


def test_every_rule_implements_some_obligation() -> None:
    mapped = {rule for value in entries().values() for rule in value.get("rules", [])}
    assert set(load_rules().ids) <= mapped


@pytest.mark.skipif(not CATALOGUE.is_file(), reason=f"the catalogue is not at {CATALOGUE} "
                    "(set COMPLIANCE_CATALOGUE to check coverage)")
def test_every_catalogue_obligation_is_covered_exactly_once() -> None:
    catalogue = [entry["id"] for entry in json.loads(CATALOGUE.read_text(encoding="utf-8"))]
    assert list(entries()) == catalogue
