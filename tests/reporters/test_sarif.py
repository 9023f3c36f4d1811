"""`--format sarif`: SARIF 2.1.0, valid against the official schema, with rule metadata,
fingerprints, locations, suppressions for waived findings and baseline states.

Every SARIF log this module produces goes through `valid()`, which checks it against the schema
at $COMPLIANCE_SARIF_SCHEMA (default: ../shared/schemas/sarif-schema-2.1.0.json beside the
repository); the tests are skipped, saying why, only when that file is absent.

The log (times +08:00, 48-hour limit, as of 2025-03-04 10:30), worked out by hand:
    line 1 e1 C-1 received 03-01 09:00; line 2 e2 C-1 fed back 03-04 10:30 → violated
    line 3 e3 C-2 received 03-04 09:00                                       → pending
    line 4 e4 C-4 received 03-01 12:00, no reply                              → violated
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from builders import REPO

from compliance import check, load_rules
from compliance.cli import run
from compliance.reporters import sarif
from compliance.waivers import apply_waivers, load_waivers

SCHEMA = Path(os.environ.get("COMPLIANCE_SARIF_SCHEMA",
                             REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"))
pytestmark = pytest.mark.skipif(not SCHEMA.is_file(),
                                reason=f"the SARIF 2.1.0 schema is not at {SCHEMA} "
                                       "(set COMPLIANCE_SARIF_SCHEMA)")

RULE = """\
id: CMP-002
name: complaint-result-48h
title: 投诉处理结果须在48小时内反馈给客户
title_en: Complaint results are fed back within 48 hours
severity: high
source: [{document: 客户服务手册, section: "1.5.1", quote: 投诉处理结果须在48小时内反馈给客户。}]
kind: deadline
key: complaint_id
start: {type: complaint_received}
stop: {type: complaint_result_fed_back}
within: 48 hours
docs: {rationale: Late answers anger customers., audit_procedure: a, remediation: Call back.}
"""
MINOR = RULE.replace("CMP-002", "CMP-003").replace("complaint-result-48h", "minor") \
    .replace("severity: high", "severity: low")
AS_OF = "2025-03-04T10:30:00+08:00"
EVENTS = [
    {"id": "e1", "type": "complaint_received", "time": "2025-03-01T09:00:00+08:00",
     "complaint_id": "C-1", "site": "S1"},
    {"id": "e2", "type": "complaint_result_fed_back", "time": "2025-03-04T10:30:00+08:00",
     "complaint_id": "C-1"},
    {"id": "e3", "type": "complaint_received", "time": "2025-03-04T09:00:00+08:00",
     "complaint_id": "C-2"},
    {"id": "e4", "type": "complaint_received", "time": "2025-03-01T12:00:00+08:00",
     "complaint_id": "C-4"},
]


def valid(text: str) -> dict[str, Any]:
    """The SARIF log, after checking it against the official schema."""
    log: dict[str, Any] = json.loads(text)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return log


def fp(rule_id: str, subject: str, anchor: str) -> str:
    return hashlib.sha256(f"{rule_id}\0{subject}\0{anchor}".encode()).hexdigest()[:32]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the rule pack and the log under logs/."""
    folder = tmp_path / "rules" / "complaint"
    folder.mkdir(parents=True)
    (folder / "complaint-result-48h.yaml").write_text(RULE, encoding="utf-8")
    (folder / "minor.yaml").write_text(MINOR, encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "export.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(list(args))
    return code, capsys.readouterr().out


def test_sarif_describes_rules_and_results(work: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # The log is named by its absolute path; the SARIF names it relative to the working dir.
    code, out = call(capsys, "check", str(work / "logs" / "export.jsonl"), "--rules", "rules",
                     "--as-of", AS_OF, "--format", "sarif", "--lang", "en")
    assert code == 1
    log = valid(out)
    assert log["version"] == "2.1.0"
    [run_] = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "compliance"
    assert [r["id"] for r in driver["rules"]] == ["CMP-002", "CMP-003"]
    assert driver["rules"][0] == {
        "id": "CMP-002", "name": "complaint-result-48h",
        "shortDescription": {"text": "Complaint results are fed back within 48 hours"},
        "fullDescription": {"text": "Late answers anger customers."},
        "help": {"text": "Source:\n客户服务手册 1.5.1: 投诉处理结果须在48小时内反馈给客户。\n\n"
                         "Remediation:\nCall back.",
                 "markdown": "**Source**\n\n> 客户服务手册 1.5.1: "
                             "投诉处理结果须在48小时内反馈给客户。\n\n"
                             "**Remediation**\n\nCall back."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"severity": "high", "kind": "deadline", "status": "stable",
                       "tags": ["deadline", "high"]},
    }
    assert driver["rules"][1]["defaultConfiguration"] == {"level": "note"}
    results = run_["results"]
    # Report order: rule id, then subject.
    assert [(r["ruleId"], r["properties"]["subject"], r["kind"], r["level"]) for r in results] == [
        ("CMP-002", "complaint_id=C-1", "fail", "error"),
        ("CMP-002", "complaint_id=C-2", "open", "none"),
        ("CMP-002", "complaint_id=C-4", "fail", "error"),
        ("CMP-003", "complaint_id=C-1", "fail", "note"),
        ("CMP-003", "complaint_id=C-2", "open", "none"),
        ("CMP-003", "complaint_id=C-4", "fail", "note"),
    ]
    first = results[0]
    assert first["ruleIndex"] == 0 and results[3]["ruleIndex"] == 1
    assert first["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "logs/export.jsonl"}, "region": {"startLine": 1}}}]
    assert [(r["id"], r["physicalLocation"]["region"]["startLine"], r["message"]["text"])
            for r in first["relatedLocations"]] == [
        (0, 1, "e1 complaint_received 2025-03-01T09:00:00+08:00"),
        (1, 2, "e2 complaint_result_fed_back 2025-03-04T10:30:00+08:00")]
    assert first["partialFingerprints"] == {
        "complianceFingerprint/v1": fp("CMP-002", "complaint_id=C-1", "start:e1")}
    assert results[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}
    assert "suppressions" not in first and "baselineState" not in first
    assert first["message"]["text"].startswith("complaint_id=C-1")
    assert first["properties"]["overdue_by"] == "P1DT1H30M"


def test_sarif_short_descriptions_follow_the_language(work: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _, out = call(capsys, "check", "logs/export.jsonl", "--rules", "rules", "--as-of", AS_OF,
                  "--format", "sarif", "--lang", "zh")
    log = valid(out)
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"] == {
        "text": "投诉处理结果须在48小时内反馈给客户"}
    assert log["runs"][0]["language"] == "zh-CN"


def test_waived_findings_are_suppressed_and_baseline_states_are_given(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "waivers.yaml").write_text(
        "waivers:\n  - rule_id: CMP-002\n    subject: complaint_id=C-1\n"
        "    reason: 等待工程师报告\n    approved_by: QA\n    expires: 2025-03-31\n",
        encoding="utf-8")
    assert call(capsys, "baseline", "logs/export.jsonl", "--rules", "rules", "--as-of",
                "2025-03-03T10:00:00+08:00", "-o", "baseline.json")[0] == 0
    code, out = call(capsys, "check", "logs/export.jsonl", "--rules", "rules", "--as-of", AS_OF,
                     "--format", "sarif", "--waivers", "waivers.yaml",
                     "--baseline", "baseline.json")
    # On 03-03 10:00 only C-1 was overdue (C-4 was due at 12:00): C-4 is new and high.
    assert code == 1
    results = valid(out)["runs"][0]["results"]
    states = [(r["ruleId"], r["properties"]["subject"], r["properties"]["outcome"],
               r.get("baselineState"), "suppressions" in r) for r in results]
    assert states == [
        ("CMP-002", "complaint_id=C-1", "waived", None, True),
        ("CMP-002", "complaint_id=C-2", "pending", None, False),
        ("CMP-002", "complaint_id=C-4", "violated", "new", False),
        ("CMP-003", "complaint_id=C-1", "violated", "unchanged", False),
        ("CMP-003", "complaint_id=C-2", "pending", None, False),
        ("CMP-003", "complaint_id=C-4", "violated", "new", False),
    ]
    assert results[0]["kind"] == "fail" and results[0]["level"] == "error"
    assert results[0]["suppressions"] == [{
        "kind": "external", "status": "accepted", "justification": "等待工程师报告",
        "location": {"physicalLocation": {"artifactLocation": {"uri": "waivers.yaml"},
                                          "region": {"startLine": 2}}},
        "properties": {"approved_by": "QA", "expires": "2025-03-31"},
    }]


def test_sarif_is_deterministic_and_names_odd_paths_as_uris(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = work / "logs" / "导出 1.jsonl"
    odd.write_bytes((work / "logs" / "export.jsonl").read_bytes())
    args = ("check", str(odd), "--rules", "rules", "--as-of", AS_OF, "--format", "sarif")
    first = call(capsys, *args)[1]
    assert call(capsys, *args)[1] == first
    result = valid(first)["runs"][0]["results"][0]
    # 导 = U+5BFC = E5 AF BC, 出 = U+51FA = E5 87 BA in UTF-8; the space is %20.
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "logs/%E5%AF%BC%E5%87%BA%201.jsonl"
    outside = sarif.artifact_uri(str(work.parent / "elsewhere.jsonl"))
    assert outside == "../elsewhere.jsonl"


def test_library_sarif_without_rule_files_and_from_event_dicts(work: Path) -> None:
    rules = load_rules("rules")
    report = check(EVENTS, rules, AS_OF)
    log = valid(sarif.render(report))
    descriptor = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert descriptor["fullDescription"] == {
        "text": "Complaint results are fed back within 48 hours "
                "(投诉处理结果须在48小时内反馈给客户)"}
    assert "help" not in descriptor
    # Events given as dicts have no file: no locations.
    assert all("locations" not in r for r in log["runs"][0]["results"])
    waived = apply_waivers(report, load_waivers(_waiver_file(work)))
    assert valid(sarif.render(waived, rules))["runs"][0]["results"][0]["suppressions"]


def _waiver_file(work: Path) -> Path:
    path = work / "w.yaml"
    path.write_text("waivers:\n  - rule_id: CMP-002\n    pattern: '*'\n    reason: r\n"
                    "    approved_by: QA\n    expires: 2025-12-31\n", encoding="utf-8")
    return path


def test_the_demo_export_gives_valid_sarif(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    demo = REPO / "fixtures" / "logs" / "demo-2025q3.jsonl"
    sarif_out, json_out = tmp_path / "demo.sarif", tmp_path / "demo.json"
    common = ("check", str(demo), "--as-of", "2025-10-01T00:00:00+08:00", "--lang", "zh")
    run([*common, "--format", "sarif", "-o", str(sarif_out)])
    run([*common, "--format", "json", "-o", str(json_out)])
    capsys.readouterr()
    log = valid(sarif_out.read_text(encoding="utf-8"))
    report = json.loads(json_out.read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert len(results) == len(report["findings"]) > 0
    assert [r["partialFingerprints"]["complianceFingerprint/v1"] for r in results] == [
        f["fingerprint"] for f in report["findings"]]
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(report["rules"]["ids"])
    assert all("help" in r for r in log["runs"][0]["tool"]["driver"]["rules"])


PERIODIC = """\
id: AUD-009
name: audit-monthly
title: 每月审计
title_en: Monthly audit
severity: medium
source: [{document: d, section: "2", quote: q}]
kind: periodic
event: {type: audit_done}
every: month
group_by: site
min_count: 1
docs: {rationale: r, audit_procedure: a, remediation: m}
"""


def test_an_absence_is_located_at_the_input_logs(work: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # S1 held its March audit; S2 (seen on a visit) held none: violated, with no event to show.
    (work / "rules" / "audit").mkdir()
    (work / "rules" / "audit" / "audit-monthly.yaml").write_text(PERIODIC, encoding="utf-8")
    (work / "logs" / "audits.jsonl").write_text(
        '{"id": "a1", "type": "audit_done", "time": "2025-03-01T10:00:00+08:00", "site": "S1"}\n'
        '{"id": "a2", "type": "visit", "time": "2025-03-02T10:00:00+08:00", "site": "S2"}\n',
        encoding="utf-8")
    code, out = call(capsys, "check", "logs/audits.jsonl", "logs/export.jsonl", "--rules",
                     "rules", "--select", "AUD-009", "--as-of", "2025-04-01T00:00:00+08:00",
                     "--format", "sarif", "--fail-on", "medium")
    assert code == 1
    [result] = valid(out)["runs"][0]["results"]
    assert result["level"] == "warning" and result["kind"] == "fail"
    assert result["properties"]["subject"] == "site=S2 2025-03"
    assert result["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "logs/audits.jsonl"}}},
        {"physicalLocation": {"artifactLocation": {"uri": "logs/export.jsonl"}}}]
    assert "relatedLocations" not in result
    assert result["partialFingerprints"]["complianceFingerprint/v1"] == fp(
        "AUD-009", "site=S2 2025-03", "period:S2/2025-03")
