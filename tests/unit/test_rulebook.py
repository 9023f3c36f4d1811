"""Rule files: every mistake stops the load with the file, the line and a one-line reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance import load_rules
from compliance.errors import RuleError, UsageError
from compliance.kinds import KIND_MODELS
from compliance.rulebook import load_rule_file, rule_schema, schema_text

GOOD = """\
id: CMP-009
name: {name}
title: 投诉处理结果须在48小时内反馈给客户
title_en: Complaint results are fed back within 48 hours
severity: high
source:
  - document: 房地产销售服务规范手册(标准版)
    section: "1.5.1"
    quote: 投诉受理部门应在24小时内作出初步处理,并在48小时内反馈处理结果
kind: deadline
key: complaint_id
start: {{type: complaint_received}}
stop:
  type: complaint_result_fed_back
  where: {{channel: {{in: [phone, wechat]}}}}
within: 48 hours
docs:
  rationale: r
  audit_procedure: a
  remediation: m
"""


def write(tmp_path: Path, text: str, name: str = "complaint-result") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def good(name: str = "complaint-result") -> str:
    return GOOD.format(name=name)


def test_a_good_rule_loads(tmp_path: Path) -> None:
    rule = load_rule_file(write(tmp_path, good()))
    assert rule.id == "CMP-009" and rule.kind == "deadline"
    assert str(rule.within) == "48 hours"


@pytest.mark.parametrize(("change", "line", "reason"), [
    (("within: 48 hours", "within: soon"), 16, "invalid value 'soon'"),
    (("within: 48 hours", "within: 48 hours\ncolour: red"), 17, "unknown field 'colour'"),
    (("severity: high", "severity: urgent"), 5, "'urgent' is not one of"),
    (("kind: deadline", "kind: sometimes"), 10, "unknown kind 'sometimes'"),
    (("kind: deadline\n", ""), 1, "missing required field 'kind'"),
    (("key: complaint_id\n", ""), 1, "missing required field 'key'"),
    (("within: 48 hours", "within: 48 hours\ndue_field: promised_at"), 10, "exactly one"),
    (("within: 48 hours", "within: 48 hours\npause: {type: waiting}"), 1, "resume"),
    (("{channel: {in: [phone, wechat]}}", "{channel: {within: [phone]}}"), 15,
     "unknown field 'within'"),
    (("id: CMP-009", "id: complaint-9"), 1, "invalid value 'complaint-9': expected an id like"),
    (("key: complaint_id", "key: complaint_id\nkey: other"), 12, "given twice"),
    (("start: {type: complaint_received}", "start: {type: [complaint_received"), 13,
     "invalid YAML"),
    (("timezone", "timezone"), 0, ""),
])
def test_mistakes_name_file_line_and_reason(tmp_path: Path, change: tuple[str, str], line: int,
                                            reason: str) -> None:
    text = good().replace(*change, 1)
    if not reason:  # the identity change: the rule is fine
        load_rule_file(write(tmp_path, text))
        return
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    assert caught.value.file == str(path)
    assert reason in caught.value.reason
    assert caught.value.line == line, str(caught.value)


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, good() + "timezone: Mars/Olympus\n")
    with pytest.raises(RuleError, match="unknown time zone"):
        load_rule_file(path)


def test_name_must_equal_the_file_stem(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="must equal the file name"):
        load_rule_file(write(tmp_path, good("other-name")))


def test_ids_are_unique_in_a_pack(tmp_path: Path) -> None:
    write(tmp_path, good("one"), "one")
    write(tmp_path, good("two"), "two")
    with pytest.raises(RuleError, match="already used"):
        load_rules(tmp_path)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no rule files"):
        load_rules(tmp_path)


def test_select_by_id_prefix_name_and_glob_and_refuse_unknown(tmp_path: Path) -> None:
    write(tmp_path, good("one"), "one")
    write(tmp_path, good("two").replace("CMP-009", "REC-001"), "two")
    pack = load_rules(tmp_path)
    assert pack.select(["CMP"]).ids == ("CMP-009",)
    assert pack.select(["two"]).ids == ("REC-001",)
    assert pack.select(["*-00?"], ["REC-001"]).ids == ("CMP-009",)
    with pytest.raises(UsageError, match="no rule matches 'XYZ'"):
        pack.select(["XYZ"])


def test_the_shipped_schema_equals_the_models(repo: Path) -> None:
    shipped = repo / "src" / "compliance" / "schema" / "rule.schema.json"
    assert shipped.read_text(encoding="utf-8") == schema_text(), (
        "the rule schema drifted from the models: regenerate it with "
        "`compliance rules schema > src/compliance/schema/rule.schema.json`"
    )
    assert json.loads(shipped.read_text())["$defs"].keys() >= {"DeadlineRule", "MinDurationRule"}


def test_schema_names_every_kind() -> None:
    kinds = {ref["$ref"].rsplit("/", 1)[-1] for ref in rule_schema()["oneOf"]}
    assert kinds == {model.__name__ for model in KIND_MODELS.values()}
    assert len(kinds) == 9
