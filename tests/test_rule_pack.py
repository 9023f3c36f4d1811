"""Meta-tests of the bundled rule pack: ids, names, folders, quotes and documentation."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
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
