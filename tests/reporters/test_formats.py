"""`--format jsonl|csv|markdown|junit|github|auto`, `--lang` and `--redact`: each output parsed
back (json, csv, xml.etree, the workflow-command grammar) and held against the JSON report.

The log (times +08:00, as of 2025-03-04 10:30), worked out by hand, for both rules (CMP-002: high,
CMP-003: low, each "a result within 48 hours"):
    line 1 e1 C-1 received 03-01 09:00 (S1, P-1); line 2 e2 fed back 03-04 10:30  violated
    line 3 e3 C-2 received 03-04 09:00                                            pending
    line 4 e4 C-3 received 03-02 09:00 (S2);      line 5 e5 fed back 03-02 10:00  compliant
    line 6 e6 C-"4",<x>&| received 03-01 12:00, no reply                          violated
    line 7 e7 =HYPERLINK("x") received 03-04 08:00                                pending
so per rule: 5 instances, 1 compliant, 2 violated, 2 pending; the compliance rate 1/3. With
--fail-on high the two CMP-002 violations fail the gate, the two CMP-003 ones do not.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from builders import COMPLAINT_RULE, MINOR_RULE

from compliance.cli import run

RULE = COMPLAINT_RULE
MINOR = MINOR_RULE
CONTACT = RULE.replace("CMP-002", "CMP-004").replace("complaint-result-48h", "by-contact") \
    .replace("key: complaint_id", "key: contact")

TRICKY = 'C-"4",<x>&|'
FORMULA = '=HYPERLINK("x")'
EVENTS = [
    {"id": "e1", "type": "complaint_received", "time": "2025-03-01T09:00:00+08:00",
     "complaint_id": "C-1", "site": "S1", "staff": "P-1", "contact": "13812345678"},
    {"id": "e2", "type": "complaint_result_fed_back", "time": "2025-03-04T10:30:00+08:00",
     "complaint_id": "C-1", "contact": "13812345678"},
    {"id": "e3", "type": "complaint_received", "time": "2025-03-04T09:00:00+08:00",
     "complaint_id": "C-2"},
    {"id": "e4", "type": "complaint_received", "time": "2025-03-02T09:00:00+08:00",
     "complaint_id": "C-3", "site": "S2"},
    {"id": "e5", "type": "complaint_result_fed_back", "time": "2025-03-02T10:00:00+08:00",
     "complaint_id": "C-3"},
    {"id": "e6", "type": "complaint_received", "time": "2025-03-01T12:00:00+08:00",
     "complaint_id": TRICKY},
    {"id": "e7", "type": "complaint_received", "time": "2025-03-04T08:00:00+08:00",
     "complaint_id": FORMULA},
]
AS_OF = "2025-03-04T10:30:00+08:00"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "rules" / "complaint"
    folder.mkdir(parents=True)
    (folder / "complaint-result-48h.yaml").write_text(RULE, encoding="utf-8")
    (folder / "minor.yaml").write_text(MINOR, encoding="utf-8")
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in EVENTS),
                   encoding="utf-8")
    return tmp_path / "rules", log


def report(capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path], fmt: str,
           *extra: str) -> tuple[int, str]:
    rules, log = setup
    code = run(["check", str(log), "--rules", str(rules), "--as-of", AS_OF, "--format", fmt,
                *extra])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, out


def json_report(capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path],
                *extra: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report(capsys, setup, "json", *extra)[1])
    return data


def test_the_json_report_is_what_the_docstring_worked_out(
        capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    data = json_report(capsys, setup)
    for s in data["summary"]:
        assert s["instances"] == 5
        assert {k: v for k, v in s["outcomes"].items() if v} == {
            "compliant": 1, "violated": 2, "pending": 2}
        assert s["compliance_rate"] == pytest.approx(1 / 3, abs=1e-6)
    assert [r["key"] for r in data["breakdowns"]["site"]] == ["S1", "S2", None]


def test_jsonl_is_one_finding_per_line_as_in_the_json_report(
        capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    findings = json_report(capsys, setup)["findings"]
    code, out = report(capsys, setup, "jsonl")
    assert code == 1
    assert out.endswith("\n")
    assert [json.loads(line) for line in out.splitlines()] == findings
    assert len(findings) == 8


def test_csv_opens_in_spreadsheets_and_holds_every_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    findings = json_report(capsys, setup)["findings"]
    target = tmp_path / "report.csv"
    report(capsys, setup, "csv", "--output", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    assert raw.count(b"\r\n") == raw.count(b"\n")  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(findings)
    for row, finding in zip(rows, findings, strict=True):
        assert row["rule_id"] == finding["rule_id"]
        assert row["outcome"] == finding["outcome"]
        assert row["fingerprint"] == finding["fingerprint"]
        assert row["start_id"] == finding["start"]["id"]
        assert row["overdue_by"] == (finding["overdue_by"] or "")
        expected = finding["subject"]
        assert row["subject"] == ("'" + expected if expected.startswith("=") else expected)
    subjects = {row["subject"] for row in rows}
    assert f"complaint_id={TRICKY}" in subjects  # quotes, commas survive the round trip
    assert f"complaint_id={FORMULA}" in subjects  # no formula: the cell starts with a letter
    violated = [r for r in rows if r["outcome"] == "violated"]
    assert len(violated) == sum(s["outcomes"]["violated"]
                                for s in json_report(capsys, setup)["summary"])


def test_csv_quotes_a_cell_that_would_be_a_formula(tmp_path: Path) -> None:
    from compliance.reporters.csv import cell

    assert cell("=1+1") == "'=1+1"
    assert cell("-2") == "'-2"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("C-1") == "C-1"
    assert cell(3) == 3
    assert cell(None) == ""
    assert cell(True) == "true"


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, unescaped `\\|` kept inside its cell."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def _table(lines: list[str], heading: str) -> list[list[str]]:
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(_cells(line))
    return rows[2:]  # without the header and the alignment row


def test_markdown_tables_equal_the_json_report(
        capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    data = json_report(capsys, setup)
    _, out = report(capsys, setup, "markdown", "--lang", "en")
    lines = out.splitlines()
    assert lines[0] == "# Compliance report"
    assert "**Overall compliance rate: 33.3%** (2 of 6 judged instances compliant)" in lines
    assert "**FAIL: 2 violation(s) of stable rules at or above high**" in lines
    rules = _table(lines, "## Per rule")
    assert [r[0] for r in rules] == [s["rule_id"] for s in data["summary"]]
    for row, s in zip(rules, data["summary"], strict=True):
        o = s["outcomes"]
        assert row[4:10] == [str(v) for v in (s["instances"], o["compliant"], o["violated"],
                                               o["pending"], o["not_evaluated"], o["waived"])]
        assert row[10] == "33.3%"
    for dimension, heading in (("site", "### Per site"), ("staff", "### Per staff"),
                               ("week", "### Per week"), ("month", "### Per month")):
        rows = _table(lines, heading)
        expected = data["breakdowns"][dimension]
        assert [r[0] for r in rows] == [e["key"] or "(none)" for e in expected]
        assert [int(r[1]) for r in rows] == [e["instances"] for e in expected]
        assert [int(r[3]) for r in rows] == [e["violated"] for e in expected]
    findings = _table(lines, "## Findings")
    assert len(findings) == len(data["findings"])
    assert [f[0] for f in findings] == [f["rule_id"] for f in data["findings"]]
    # Escaped: the tricky subject is one cell, its markup written as entities.
    assert "complaint_id=C-\"4\",&lt;x&gt;&amp;|" in [f[3] for f in findings]


def test_markdown_and_text_follow_lang(capsys: pytest.CaptureFixture[str],
                                       setup: tuple[Path, Path]) -> None:
    _, zh = report(capsys, setup, "markdown", "--lang", "zh")
    assert zh.startswith("# 合规检查报告\n")
    assert "## 按规则" in zh and "### 按案场" in zh and "## 发现项" in zh
    assert "投诉处理结果须在48小时内反馈给客户" in zh
    _, text = report(capsys, setup, "text", "--lang", "zh")
    assert "分项统计" in text and "按案场" in text


def test_junit_counts_equal_the_json_report(capsys: pytest.CaptureFixture[str],
                                            setup: tuple[Path, Path]) -> None:
    data = json_report(capsys, setup)
    _, out = report(capsys, setup, "junit", "--lang", "en")
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [s["rule_id"] for s in data["summary"]]
    total_failures = 0
    for suite, s in zip(suites, data["summary"], strict=True):
        cases = suite.findall("testcase")
        o = s["outcomes"]
        assert int(suite.get("failures", "")) == o["violated"]
        assert int(suite.get("skipped", "")) == o["pending"] + o["not_evaluated"] + o["waived"]
        assert int(suite.get("tests", "")) == len(cases)
        assert len([c for c in cases if c.find("failure") is not None]) == o["violated"]
        assert len([c for c in cases if c.find("skipped") is not None]) == o["pending"]
        # One passing testcase stands for the unlisted compliant instances.
        passed = [c for c in cases if len(c) == 0]
        assert [c.get("name") for c in passed] == ["1 compliant instance(s)"]
        total_failures += o["violated"]
        names = {c.get("name") for c in cases}
        assert f"complaint_id={TRICKY} [e6]" in names  # escaped and parsed back intact
    assert int(root.get("failures", "")) == total_failures
    failure = suites[0].find("testcase/failure")
    assert failure is not None and failure.get("type") == "high"
    # The first finding in report order is the tricky subject's (`"` sorts before `1`).
    assert "log.jsonl:6 e6" in (failure.text or "")
    assert "Late by: 22.5 hours" in (failure.text or "")


def test_junit_follows_lang(capsys: pytest.CaptureFixture[str],
                            setup: tuple[Path, Path]) -> None:
    _, out = report(capsys, setup, "junit", "--lang", "zh")
    root = ET.fromstring(out.encode("utf-8"))
    assert root.get("name") == "合规检查报告"
    assert any(c.get("name") == "合规实例 1 个" for c in root.iter("testcase"))


COMMAND = re.compile(r"^::(error|warning) file=([^,]*),line=(\d+),title=([^:]*)::(.*)$")


def test_github_annotates_each_violation_at_its_evidence(
        capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    data = json_report(capsys, setup)
    code, out = report(capsys, setup, "github", "--lang", "en")
    assert code == 1
    lines = out.splitlines()
    commands = [COMMAND.match(line) for line in lines[:-1]]
    assert all(commands), lines
    parsed = [(m.group(1), m.group(2), int(m.group(3)), m.group(4), m.group(5))
              for m in commands if m]
    violations = [f for f in data["findings"] if f["outcome"] == "violated"]
    assert len(parsed) == len(violations) == 4
    assert [p[0] for p in parsed] == ["error", "error", "warning", "warning"]
    _, log = setup
    assert {p[1] for p in parsed} == {str(log)}
    assert sorted({p[2] for p in parsed}) == [1, 6]  # the start events' lines
    assert parsed[0][3] == "CMP-002 Complaint results are fed back within 48 hours"
    # The tricky subject's comma is escaped in no property, its text kept in the message.
    assert any(TRICKY in p[4] for p in parsed)
    assert lines[-1].startswith("compliance: 4 violation(s), 2 failing the gate")


def test_github_escapes_workflow_command_values() -> None:
    from compliance.reporters.github import data, prop

    assert data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert prop("x:y,z") == "x%3Ay%2Cz"


def test_auto_is_github_under_github_actions_else_json(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        setup: tuple[Path, Path]) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out = report(capsys, setup, "auto")
    assert out.startswith("::error ")
    monkeypatch.delenv("GITHUB_ACTIONS")
    _, out = report(capsys, setup, "auto")
    assert json.loads(out)["schema_version"]


def test_every_format_is_byte_identical_on_a_second_run(
        capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    for fmt in ("jsonl", "csv", "markdown", "junit", "github"):
        assert report(capsys, setup, fmt)[1] == report(capsys, setup, fmt)[1], fmt


# Redaction: a rule keyed by the customer's phone number (`contact`).

@pytest.fixture
def contact_setup(setup: tuple[Path, Path]) -> tuple[Path, Path]:
    rules, log = setup
    (rules / "complaint" / "by-contact.yaml").write_text(CONTACT, encoding="utf-8")
    return rules, log


def test_contact_fields_are_masked_in_human_formats_by_default(
        capsys: pytest.CaptureFixture[str], contact_setup: tuple[Path, Path]) -> None:
    for fmt in ("markdown", "csv", "junit", "github", "text"):
        out = report(capsys, contact_setup, fmt, "--select", "CMP-004")[1]
        assert "13812345678" not in out, fmt
        masked = "138\\*\\*\\*\\*5678" if fmt == "markdown" else "138****5678"
        assert masked in out, fmt
    for fmt in ("json", "jsonl"):
        out = report(capsys, contact_setup, fmt, "--select", "CMP-004")[1]
        assert "contact=13812345678" in out, fmt


def test_redact_and_no_redact_override_the_default(
        capsys: pytest.CaptureFixture[str], contact_setup: tuple[Path, Path]) -> None:
    plain = json_report(capsys, contact_setup, "--select", "CMP-004")
    masked = json_report(capsys, contact_setup, "--select", "CMP-004", "--redact", "contact")
    assert "13812345678" not in json.dumps(masked)
    # The placeholder of a start event without the key is not a value: it stays.
    assert sorted({f["subject"] for f in masked["findings"]}) == [
        "contact=(missing)", "contact=138****5678"]
    # Only the wording changes: fingerprints, outcomes and counts stay.
    assert [f["fingerprint"] for f in masked["findings"]] == \
        [f["fingerprint"] for f in plain["findings"]]
    assert masked["summary"] == plain["summary"]
    out = report(capsys, contact_setup, "markdown", "--select", "CMP-004", "--no-redact")[1]
    assert "contact=13812345678" in out
    # An explicit list replaces the default one: staff masked, contact shown.
    out = report(capsys, contact_setup, "markdown", "--select", "CMP-004", "--redact", "staff")[1]
    assert "contact=13812345678" in out and "P-1" not in out and "P\\*\\*" in out


def test_redact_and_no_redact_together_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path]) -> None:
    rules, log = setup
    code = run(["check", str(log), "--rules", str(rules), "--redact", "contact", "--no-redact"])
    assert code == 2
    assert "--no-redact" in capsys.readouterr().err


def test_mask_is_deterministic_and_keeps_a_recognisable_shape() -> None:
    from compliance.redaction import mask

    assert mask("13812345678") == "138****5678"
    assert mask("110101199003071234") == "110***********1234"
    assert mask("张三丰") == "张**"
    assert mask("a@b.cn") == "a*****"
    assert mask("x") == "*"
    assert mask("13812345678") == mask("13812345678")


def test_the_streamed_json_report_equals_the_whole_one(tmp_path: Path) -> None:
    from compliance import check, load_rules
    from compliance.reporters.json import chunks, render

    demo = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "demo-2025q3.jsonl"
    whole = check([demo], load_rules(None, None), "2025-10-01T00:00:00+08:00", lang="zh",
                  show_passes=True)
    assert len(whole.findings) > 1000
    assert b"".join(chunks(whole)) == render(whole)
    empty = check([demo], load_rules(None, None).select(["CMP-002"], []),
                  "2025-07-01T00:00:00+08:00", lang="en")
    assert b"".join(chunks(empty)) == render(empty)


def test_every_format_of_the_contract_is_offered() -> None:
    from compliance import reporters

    assert set(reporters.FORMATS) >= {"text", "json", "jsonl", "csv", "markdown", "html",
                                      "junit", "sarif", "github"}
