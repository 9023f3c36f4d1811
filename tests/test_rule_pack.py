"""Meta-tests of the bundled rule pack: ids, names, folders, quotes and documentation."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import REPO

from compliance import load_rules
from compliance.rulebook import bundled_rules_path

PACK = load_rules(REPO / "rules")
SEEDS = Path(os.environ.get("COMPLIANCE_SEEDS", REPO.parent / "shared" / "seeds"))


def test_the_default_pack_is_the_repository_pack() -> None:
    assert load_rules().ids == PACK.ids
    assert bundled_rules_path().is_dir()


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_name_folder_and_docs(rule: object) -> None:
    path = Path(PACK.paths[rule.id])  # type: ignore[attr-defined]
    assert path.stem == rule.name  # type: ignore[attr-defined]
    assert path.parent.parent == REPO / "rules", "a rule lives in rules/<chapter>/"
    assert rule.title and rule.title_en  # type: ignore[attr-defined]
    assert re.search(r"[\u4e00-\u9fff]", rule.title), "title is Chinese"  # type: ignore[attr-defined]
    docs = rule.docs  # type: ignore[attr-defined]
    assert docs.rationale and docs.audit_procedure and docs.remediation


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the manuals' texts are not at {SEEDS} "
                    "(set COMPLIANCE_SEEDS to check quotes)")
@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_quote_stands_verbatim_in_a_manual(rule: object) -> None:
    texts = [_squash(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    for source in rule.source:  # type: ignore[attr-defined]
        quote = _squash(source.quote)
        assert any(quote in text for text in texts), f"{rule.id}: quote not found: {source.quote}"  # type: ignore[attr-defined]
        assert any(_squash(source.document) in text for text in texts)


REGISTRY = REPO / "rules" / "ids.yaml"


def test_every_id_is_registered_for_its_rule_and_never_reused() -> None:
    """rules/ids.yaml holds every id ever issued: a new rule registers a new id; an id once
    issued is never given to another rule, and a rule that leaves the pack stays, retired."""
    registry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    for rule in PACK.rules:
        entry = registry.get(rule.id)
        assert entry is not None, f"{rule.id} is not registered in rules/ids.yaml"
        assert entry["name"] == rule.name, (
            f"{rule.id} was issued to {entry['name']!r}, not {rule.name!r}: ids are never "
            "reused, take the next free one")
        assert "retired" not in entry, f"{rule.id} was retired: take a new id"
    for rule_id, entry in registry.items():
        if rule_id not in PACK.ids:
            assert entry.get("retired"), f"{rule_id} left the pack: mark it retired with a reason"


CONFLICTS = [f"C{n}" for n in range(1, 15)]


def _decision_on(rule: Any, conflict: str) -> str | None:
    decisions = rule.docs.decisions or ""
    found = re.search(rf"Conflict {conflict}\b(.*?)(?=\(\d+\) |Conflict C\d|$)", decisions, re.S)
    return None if found is None else found.group(0)


@pytest.mark.parametrize("conflict", CONFLICTS)
def test_every_conflict_of_the_manuals_is_settled_with_the_quotes_it_weighs(
        conflict: str) -> None:
    """Catalogue §5 lists conflicts C1–C14; each is decided in some rule's docs.decisions as
    "Conflict Cn: ...", quoting (in Chinese) the manuals' sentences it weighs."""
    decisions = [(rule.id, _decision_on(rule, conflict)) for rule in PACK.rules]
    settled = [rule_id for rule_id, text in decisions if text is not None]
    assert settled, f"no rule settles conflict {conflict}"
    quoted = [rule_id for rule_id, text in decisions
              if text is not None and re.search(r"[\u4e00-\u9fff]{4,}", text)]
    assert quoted, f"conflict {conflict} is settled in {settled} without quoting the manuals"
