"""Small builders of rules and events for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compliance import RuleSet
from compliance.kinds import KIND_MODELS

REPO = Path(__file__).resolve().parents[1]

_META: dict[str, Any] = {
    "title": "测试规则", "title_en": "Test rule", "severity": "high",
    "source": [{"document": "test", "section": "1", "quote": "test"}],
    "docs": {"rationale": "r", "audit_procedure": "a", "remediation": "m"},
}


def make_rule(**fields: Any) -> Any:
    """A rule model from its kind-specific fields, with placeholder metadata."""
    data = {"id": "TST-001", "name": "test-rule", **_META, **fields}
    return KIND_MODELS[data["kind"]].model_validate(data)


def rules_of(*rules: Any) -> RuleSet:
    """A rule set of the given models."""
    return RuleSet(rules)


def ev(type_: str, time: str, **fields: Any) -> dict[str, Any]:
    """An event dict; `time` without an offset gets +08:00 for brevity."""
    if not time.endswith("Z") and "+" not in time[19:] and "-" not in time[19:]:
        time += "+08:00"
    return {"type": type_, "time": time, **fields}
