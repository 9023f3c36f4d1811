"""Small builders of rules and events for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compliance import RuleSet, durable_engine
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


# The rule file of CMP-002 (complaint results within 48 hours) with placeholder docs, and a
# low-severity twin: the small pack the command-line and reporter tests check against.
COMPLAINT_RULE = """\
id: CMP-002
name: complaint-result-48h
title: 投诉处理结果须在48小时内反馈给客户
title_en: Complaint results are fed back within 48 hours
severity: high
source: [{document: d, section: "1.5.1", quote: q}]
kind: deadline
key: complaint_id
start: {type: complaint_received}
stop: {type: complaint_result_fed_back}
within: 48 hours
docs: {rationale: r, audit_procedure: a, remediation: m}
"""
MINOR_RULE = COMPLAINT_RULE.replace("CMP-002", "CMP-003").replace(
    "complaint-result-48h", "minor").replace("severity: high", "severity: low")


# The durable engine's tests run where durable-rules installs (CPython 3.11 and 3.12, with a C
# compiler); on 3.13 and later it cannot be built, which is a platform limit, not missing work.
needs_durable = pytest.mark.skipif(
    durable_engine.unavailable_reason() is not None,
    reason="durable-rules does not install on this Python (3.13+); tested on 3.11 and 3.12")

# The common fields of a rule file, for tests that write a rule with one field wrong.
RULE_FILE_HEAD = """\
id: TST-009
name: bad
title: 测试
title_en: Test
severity: low
source: [{document: d, section: s, quote: q}]
docs: {rationale: r, audit_procedure: a, remediation: m}
"""
