"""The company profile: parameters, sites, calendar and rule overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import ev

from compliance import Outcome, check, load_rules
from compliance.errors import RuleError

HEAD = """\
title: 测试
title_en: Test
severity: high
source: [{document: d, section: s, quote: q}]
docs: {rationale: r, audit_procedure: a, remediation: m}
"""
REPLY = HEAD + """\
id: TST-001
name: reply
status: draft
kind: deadline
key: case
start: {type: asked}
stop: {type: answered}
within: {param: timely}
"""
AUDIT = HEAD + """\
id: TST-002
name: audit
kind: periodic
event: {type: internal_audit}
every: month
group_by: site
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "test"
    folder.mkdir(parents=True)
    (folder / "reply.yaml").write_text(REPLY, encoding="utf-8")
    (folder / "audit.yaml").write_text(AUDIT, encoding="utf-8")
    return tmp_path / "rules"


def profile(pack: Path, text: str) -> Path:
    path = pack / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_parameters_fill_the_rules_places(pack: Path) -> None:
    profile(pack, "params: {timely: 1 working day}\n")
    rules = load_rules(pack)
    assert str(rules["TST-001"].within) == "1 working day"  # type: ignore[union-attr]
    profile(pack, "params: {timely: 2 hours}\n")
    assert str(load_rules(pack)["TST-001"].within) == "2 hours"  # type: ignore[union-attr]


def test_a_parameter_the_profile_does_not_set_is_an_error_at_its_line(pack: Path) -> None:
    profile(pack, "params: {}\n")
    with pytest.raises(RuleError) as caught:
        load_rules(pack)
    assert "'timely'" in caught.value.reason
    assert caught.value.line == 13 and caught.value.file is not None
    assert caught.value.file.endswith("reply.yaml")


def test_overrides_change_and_disable_rules_and_are_reported(pack: Path) -> None:
    path = profile(pack, """\
params: {timely: 2 hours}
overrides:
  TST-001: {severity: low, within: 4 hours, reason: our desk promises four hours}
  TST-002: {disabled: true, reason: audits are tracked elsewhere}
""")
    rules = load_rules(pack, path)
    assert rules.ids == ("TST-001",)
    rule = rules["TST-001"]
    assert (rule.severity.value, str(rule.within)) == ("low", "4 hours")  # type: ignore[union-attr]
    report = check([ev("asked", "2025-03-03T10:00:00", case="K-1"),
                    ev("answered", "2025-03-03T13:00:00", case="K-1")], rules)
    assert report.summary[0].outcomes.compliant == 1  # 3 h: late by 2 h, on time by 4 h
    changes = {(c.rule_id, c.change) for c in report.rules.changes}
    assert changes == {("TST-001", "severity: low"), ("TST-001", "within: 4 hours"),
                       ("TST-002", "disabled")}
    assert all(c.reason for c in report.rules.changes)


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("params: {timely: 2 hours}\noverrides:\n  TST-404: {disabled: true, reason: gone}\n", 3,
     "does not have"),
    ("params: {timely: 2 hours}\noverrides:\n  TST-002: {within: 2 hours, reason: r}\n", 3,
     "within"),
    ("params: {timely: 2 hours}\noverrides:\n  TST-001: {severity: low}\n", 3,
     "missing required field 'reason'"),
    ("params: {timely: 2 hours}\ncolour: red\n", 2, "unknown field 'colour'"),
])
def test_profile_mistakes_name_file_line_and_reason(pack: Path, text: str, line: int,
                                                    reason: str) -> None:
    path = profile(pack, text)
    with pytest.raises(RuleError) as caught:
        load_rules(pack)
    assert reason in caught.value.reason
    assert (caught.value.file, caught.value.line) == (str(path), line), str(caught.value)


def test_the_profiles_sites_are_judged_even_without_events(pack: Path) -> None:
    profile(pack, "params: {timely: 2 hours}\nsites: [S1, S9]\n")
    rules = load_rules(pack).select(["TST-002"])
    report = check([ev("internal_audit", "2025-03-01T10:00:00", site="S1")], rules,
                   as_of="2025-04-01T00:00:00+08:00")
    outcomes = {f.subject: f.outcome for f in report.findings}
    assert outcomes == {"site=S9 2025-03": Outcome.VIOLATED}


def test_the_bundled_profile_loads_with_the_pack() -> None:
    rules = load_rules()
    assert rules.profile.params["timely"] == "1 working day"
    assert rules.overrides == ()
