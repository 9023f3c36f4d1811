"""Fingerprints, `--waivers` and `--baseline`, and `compliance baseline`.

The expected values are worked out by hand from the log below (times +08:00, 48-hour limit,
as of 2025-03-04 10:30):

    C-1  received 03-01 09:00 (e1, line 1), fed back 03-04 10:30 (e2)  → violated, 25.5 h late
    C-2  received 03-04 09:00 (e3, line 3), no reply                   → pending (due 03-06)
    C-3  received 03-01 10:00 (e4, line 4), fed back 03-02 10:00 (e5)  → compliant
    C-4  received 03-01 12:00 (e6, line 6), no reply                   → violated (due 03-03 12:00)

CMP-002 (high) and CMP-003 (low) read the same events, so each has these four instances.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from builders import COMPLAINT_RULE, MINOR_RULE

from compliance import Outcome, Severity, check, load_rules
from compliance.baselines import apply_baseline, baseline_json, load_baseline
from compliance.checker import tool_version
from compliance.cli import run
from compliance.errors import CheckError
from compliance.findings import EventPoint, Finding, fingerprint
from compliance.waivers import apply_waivers, load_waivers

RULE = COMPLAINT_RULE
MINOR = MINOR_RULE
AS_OF = "2025-03-04T10:30:00+08:00"


def event(ident: str, kind: str, time: str, complaint: str, **extra: Any) -> dict[str, Any]:
    return {"id": ident, "type": f"complaint_{kind}", "time": f"2025-03-{time}:00+08:00",
            "complaint_id": complaint, **extra}


EVENTS = [
    event("e1", "received", "01T09:00", "C-1", site="S1"),
    event("e2", "result_fed_back", "04T10:30", "C-1"),
    event("e3", "received", "04T09:00", "C-2"),
    event("e4", "received", "01T10:00", "C-3"),
    event("e5", "result_fed_back", "02T10:00", "C-3"),
    event("e6", "received", "01T12:00", "C-4"),
]


def fp(rule_id: str, subject: str, anchor: str) -> str:
    """The documented recipe: SHA-256 of `rule NUL subject NUL anchor`, first 32 hex digits."""
    return hashlib.sha256(f"{rule_id}\0{subject}\0{anchor}".encode()).hexdigest()[:32]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "complaint"
    folder.mkdir(parents=True)
    (folder / "complaint-result-48h.yaml").write_text(RULE, encoding="utf-8")
    (folder / "minor.yaml").write_text(MINOR, encoding="utf-8")
    return tmp_path / "rules"


def write_log(tmp_path: Path, events: list[dict[str, Any]], name: str = "log.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def by_subject(report: dict[str, Any], rule_id: str) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in report["findings"] if f["rule_id"] == rule_id}


# --- fingerprints ---------------------------------------------------------------------------

def test_fingerprint_follows_the_documented_recipe() -> None:
    def finding(**fields: Any) -> Finding:
        return Finding(rule_id="CMP-002", rule_name="n", severity=Severity.HIGH,
                       outcome=Outcome.VIOLATED, message="m", **fields)

    start = finding(subject="complaint_id=C-1", start=EventPoint(id="e1", time="t1"),
                    stop=EventPoint(id="e2", time="t2"))
    # Worked out once with sha256sum: printf 'CMP-002\0complaint_id=C-1\0start:e1'
    assert fingerprint(start) == start.fingerprint == "74a8ef43391b1f256c357da5edacad2a"
    stop_only = finding(subject="complaint_id=C-1", stop=EventPoint(id="e2", time="t2"))
    assert stop_only.fingerprint == fp("CMP-002", "complaint_id=C-1", "stop:e2")
    period = finding(subject="site=S1 2025-Q3", group="S1", period="2025-Q3")
    assert period.fingerprint == fp("CMP-002", "site=S1 2025-Q3", "period:S1/2025-Q3")
    # The outcome, times and message are not part of it.
    later = finding(subject="complaint_id=C-1", start=EventPoint(id="e1", time="other"))
    assert later.fingerprint == start.fingerprint


def test_fingerprints_do_not_depend_on_record_order_or_language(tmp_path: Path,
                                                                pack: Path) -> None:
    rules = load_rules(pack)
    shuffled = list(EVENTS)
    random.Random(7).shuffle(shuffled)
    first = check(write_log(tmp_path, EVENTS, "a.jsonl"), rules, AS_OF)
    second = check(write_log(tmp_path, shuffled, "b.jsonl"), rules, AS_OF, lang="zh")
    expected = {(rule_id, subject, fp(rule_id, subject, f"start:{start}"))
                for rule_id in ("CMP-002", "CMP-003")
                for subject, start in (("complaint_id=C-1", "e1"), ("complaint_id=C-2", "e3"),
                                       ("complaint_id=C-4", "e6"))}
    for report in (first, second):
        assert {(f.rule_id, f.subject, f.fingerprint) for f in report.findings} == expected


def test_json_findings_carry_their_fingerprint(tmp_path: Path, pack: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                        "--format", "json")
    assert code == 1
    report = json.loads(out)
    findings = by_subject(report, "CMP-002")
    assert findings["complaint_id=C-4"]["fingerprint"] == fp("CMP-002", "complaint_id=C-4",
                                                             "start:e6")
    assert report["waivers"] is None and report["baseline"] is None
    assert all(f["waiver"] is None and f["new"] is None for f in report["findings"])
    assert call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                "--format", "json")[1] == out


# --- waivers --------------------------------------------------------------------------------

WAIVERS = """\
waivers:
  - rule_id: CMP-002
    subject: complaint_id=C-1
    reason: engineer's report awaited
    approved_by: 品控部 王经理
    expires: 2025-03-31
  - rule_id: CMP-002
    pattern: "complaint_id=C-4*"
    reason: old backlog
    approved_by: QA
    expires: 2025-03-03
  - rule_id: CMP-003
    pattern: "complaint_id=C-*"
    reason: minor rule accepted this month
    approved_by: QA
    expires: 2025-03-04
  - rule_id: CMP-002
    subject: complaint_id=C-2
    reason: not a violation yet
    approved_by: QA
    expires: 2026-01-01
"""


def check_with_waivers(tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str],
                       *options: str) -> tuple[int, str, str]:
    """`compliance check` of EVENTS against the pack with WAIVERS, judged at AS_OF."""
    log = write_log(tmp_path, EVENTS)
    waivers = write(tmp_path, "waivers.yaml", WAIVERS)
    return call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                "--waivers", str(waivers), *options)


def test_waivers_turn_covered_violations_into_waived(tmp_path: Path, pack: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check_with_waivers(tmp_path, pack, capsys, "--format", "json")
    waivers = tmp_path / "waivers.yaml"
    # C-4 of CMP-002 (high) is still violated: its waiver expired on 03-03.
    assert code == 1
    report = json.loads(out)
    major, minor = report["summary"]
    assert major["outcomes"] == {"compliant": 1, "violated": 1, "pending": 1,
                                 "not_evaluated": 0, "waived": 1}
    # compliant / (compliant + violated + waived) = 1 / 3, as before the waivers.
    assert major["compliance_rate"] == pytest.approx(1 / 3)
    assert minor["outcomes"] == {"compliant": 1, "violated": 0, "pending": 1,
                                 "not_evaluated": 0, "waived": 2}
    assert minor["compliance_rate"] == pytest.approx(1 / 3)
    findings = by_subject(report, "CMP-002")
    assert findings["complaint_id=C-1"]["outcome"] == "waived"
    assert findings["complaint_id=C-1"]["waiver"] == {
        "reason": "engineer's report awaited", "approved_by": "品控部 王经理",
        "expires": "2025-03-31", "file": str(waivers), "line": 2}
    assert findings["complaint_id=C-4"]["outcome"] == "violated"
    assert findings["complaint_id=C-4"]["waiver"] is None
    assert findings["complaint_id=C-2"]["outcome"] == "pending"
    # The expiry day itself is still covered (as_of is 2025-03-04 in the report's zone).
    assert {f["outcome"] for f in by_subject(report, "CMP-003").values()} == {"waived", "pending"}
    states = [(w["line"], w["state"], w["matched"]) for w in report["waivers"]]
    assert states == [(2, "applied", 1), (7, "expired", 1), (12, "applied", 2), (17, "unused", 0)]
    assert report["waivers"][1] == {
        "rule_id": "CMP-002", "subject": None, "pattern": "complaint_id=C-4*",
        "reason": "old backlog", "approved_by": "QA", "expires": "2025-03-03",
        "file": str(waivers), "line": 7, "state": "expired", "matched": 1}


def test_a_waiver_of_every_gated_violation_passes_the_gate(
        tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    waivers = write(tmp_path, "w.yaml", WAIVERS.replace("expires: 2025-03-03",
                                                        "expires: 2025-06-30"))
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                        "--format", "json", "--waivers", str(waivers))
    assert code == 0
    assert json.loads(out)["summary"][0]["outcomes"]["violated"] == 0


def test_expiry_is_judged_on_the_date_of_as_of_in_the_report_zone(tmp_path: Path,
                                                                   pack: Path) -> None:
    # 2025-03-03T20:00Z is 2025-03-04 04:00 in Shanghai: a waiver ending 03-03 has expired,
    # although the UTC date is still 03-03. The machine's clock plays no part.
    rules = load_rules(pack).select(["CMP-002"])
    report = check(write_log(tmp_path, EVENTS), rules, "2025-03-03T20:00:00Z")
    waived = apply_waivers(report, load_waivers(write(tmp_path, "w.yaml", WAIVERS)))
    assert waived.as_of == "2025-03-04T04:00:00+08:00"
    assert [w.state.value for w in waived.waivers or ()] == ["applied", "expired", "unused",
                                                              "unused"]
    before = check(write_log(tmp_path, EVENTS), rules, "2025-03-03T15:59:59Z")
    assert [w.state.value for w in apply_waivers(before, load_waivers(
        tmp_path / "w.yaml")).waivers or ()] == ["applied", "applied", "unused", "unused"]


def test_the_text_report_shows_waived_findings_and_the_waivers(
        tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = check_with_waivers(tmp_path, pack, capsys, "--format", "text", "--lang", "en")
    log, waivers = tmp_path / "log.jsonl", tmp_path / "waivers.yaml"
    assert "waived: engineer's report awaited (approved by 品控部 王经理, until 2025-03-31)" in out
    assert "Waivers (4)" in out
    header = next(line for line in out.splitlines() if line.startswith("Rule "))
    assert header.split()[4:8] == ["Compliant", "Violated", "Waived", "Pending"]
    row = next(line for line in out.splitlines() if line.startswith("CMP-002 "))
    # instances 4: compliant 1, violated 1 (C-4), waived 1 (C-1), pending 1
    assert row.split()[-8:-3] == ["4", "1", "1", "1", "1"]
    _, plain, _ = call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                       "--format", "text", "--lang", "en")
    assert "Waived" not in plain and "Waivers" not in plain
    assert (f"  EXPIRED  CMP-002 pattern complaint_id=C-4*: expired on 2025-03-03: "
            f"1 violation(s) no longer waived; reason: old backlog; approved by QA; "
            f"expires 2025-03-03 ({waivers}:7)") in out
    assert "  unused   CMP-002 complaint_id=C-2: matched no violation" in out
    _, zh, _ = call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                    "--format", "text", "--lang", "zh", "--waivers", str(waivers))
    assert "豁免 (4)" in zh and "已过期" in zh and "未使用" in zh


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("waivers:\n  - rule_id: CMP-002\n    subject: complaint_id=C-1\n"
     "    approved_by: QA\n    expires: 2025-03-31\n", 2, "missing required field 'reason'"),
    ("waivers:\n  - rule_id: CMP-002\n    subject: a\n    pattern: b\n    reason: r\n"
     "    approved_by: QA\n    expires: 2025-03-31\n", 2,
     "give exactly one of 'subject' and 'pattern'"),
    ("waivers:\n  - rule_id: CMP-002\n    reason: r\n    approved_by: QA\n"
     "    expires: 2025-03-31\n", 2, "give exactly one of 'subject' and 'pattern'"),
    ("waivers:\n  - rule_id: CMP-002\n    subject: a\n    reason: r\n    approved_by: QA\n"
     "    expires: 2025-02-30\n", 6, "expires"),
    ("waivers:\n  - rule_id: CMP-002\n    subject: a\n    reason: r\n    approver: QA\n"
     "    expires: 2025-03-31\n", 5, "unknown field 'approver'"),
    ("waivers:\n  - rule_id: cmp-2\n    subject: a\n    reason: r\n    approved_by: QA\n"
     "    expires: 2025-03-31\n", 2, "rule_id"),
    ("- rule_id: CMP-002\n", 1, "a waiver file must be a mapping"),
    ("waivers: [\n", 2, "invalid YAML"),
])
def test_a_bad_waiver_file_exits_2_with_file_and_line(
        tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str], text: str, line: int,
        reason: str) -> None:
    log = write_log(tmp_path, EVENTS)
    waivers = write(tmp_path, "bad.yaml", text)
    code, out, err = call(capsys, "check", str(log), "--rules", str(pack), "--waivers",
                          str(waivers))
    assert code == 2 and out == ""
    assert err.startswith(f"compliance: error: {waivers}:{line}: ")
    assert reason in err and "Traceback" not in err and err.count("\n") == 1


def test_a_missing_waiver_file_exits_2(tmp_path: Path, pack: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    code, _, err = call(capsys, "check", str(log), "--rules", str(pack), "--waivers",
                        str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in err and "cannot read" in err


# --- baselines ------------------------------------------------------------------------------

def expected_baseline() -> dict[str, Any]:
    return {
        "schema_version": "1.0", "kind": "compliance-baseline",
        "tool": {"name": "compliance", "version": tool_version()},
        "as_of": AS_OF,
        "violations": [
            {"fingerprint": fp(rule_id, f"complaint_id={c}", f"start:{e}"), "rule_id": rule_id,
             "subject": f"complaint_id={c}"}
            for rule_id in ("CMP-002", "CMP-003") for c, e in (("C-1", "e1"), ("C-4", "e6"))
        ],
    }


def test_baseline_writes_the_fingerprints_of_the_current_violations(
        tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    target = tmp_path / "baseline.json"
    code, out, _ = call(capsys, "baseline", str(log), "--rules", str(pack), "--as-of", AS_OF,
                        "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == expected_baseline()
    # Any record order gives the same bytes; so does stdout.
    shuffled = list(EVENTS)
    random.Random(3).shuffle(shuffled)
    code, out, _ = call(capsys, "baseline", str(write_log(tmp_path, shuffled, "s.jsonl")),
                        "--rules", str(pack), "--as-of", AS_OF)
    assert code == 0 and out.encode("utf-8") == target.read_bytes()


def test_check_with_a_baseline_fails_only_on_new_violations(
        tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    baseline = tmp_path / "baseline.json"
    assert call(capsys, "baseline", str(log), "--rules", str(pack), "--as-of", AS_OF,
                "-o", str(baseline))[0] == 0
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--as-of", AS_OF,
                        "--format", "json", "--baseline", str(baseline))
    assert code == 0
    report = json.loads(out)
    assert report["baseline"] == {"path": str(baseline), "as_of": AS_OF, "entries": 4,
                                  "new": 0, "unchanged": 4, "absent": 0}
    assert {(f["subject"], f["new"]) for f in by_subject(report, "CMP-002").values()} == {
        ("complaint_id=C-1", False), ("complaint_id=C-4", False), ("complaint_id=C-2", None)}

    # Later: C-4 is answered (late, still a known violation), C-5 is new and missing, and C-1
    # is found answered in time after a correction of its export (no longer violated).
    later = [e for e in EVENTS if e["id"] != "e2"] + [
        event("e2", "result_fed_back", "02T09:00", "C-1"),
        event("e7", "received", "01T08:00", "C-5"),
    ]
    log2 = write_log(tmp_path, later, "later.jsonl")
    code, out, _ = call(capsys, "check", str(log2), "--rules", str(pack), "--as-of", AS_OF,
                        "--format", "json", "--baseline", str(baseline))
    assert code == 1
    report = json.loads(out)
    assert report["baseline"] == {"path": str(baseline), "as_of": AS_OF, "entries": 4,
                                  "new": 2, "unchanged": 2, "absent": 2}
    assert {(f["subject"], f["outcome"], f["new"])
            for f in by_subject(report, "CMP-002").values()} == {
        ("complaint_id=C-4", "violated", False), ("complaint_id=C-5", "violated", True),
        ("complaint_id=C-2", "pending", None)}
    # Only the new violation of the low rule: below --fail-on high, so the gate passes.
    assert call(capsys, "check", str(log2), "--rules", str(pack), "--as-of", AS_OF,
                "--format", "json", "--baseline", str(baseline), "--select", "CMP-003")[0] == 0
    _, text, _ = call(capsys, "check", str(log2), "--rules", str(pack), "--as-of", AS_OF,
                      "--format", "text", "--lang", "en", "--baseline", str(baseline))
    assert (f"Baseline: {baseline} (as of {AS_OF}): 2 new violation(s), 2 known, "
            "2 of its 4 no longer violated") in text
    assert "NEW" in text and "in baseline" in text


def test_waivers_and_baseline_together(tmp_path: Path, pack: Path) -> None:
    rules = load_rules(pack)
    log = write_log(tmp_path, EVENTS)
    report = check(log, rules, AS_OF)
    baseline_file = write(tmp_path, "b.json", baseline_json(report).decode("utf-8"))
    waived = apply_waivers(report, load_waivers(write(tmp_path, "w.yaml", WAIVERS)))
    both = apply_baseline(waived, load_baseline(baseline_file))
    # Waived findings are not marked: they never fail the gate anyway.
    assert [(f.rule_id, f.subject, f.outcome.value, f.new) for f in both.findings
            if f.outcome is not Outcome.PENDING] == [
        ("CMP-002", "complaint_id=C-1", "waived", None),
        ("CMP-002", "complaint_id=C-4", "violated", False),
        ("CMP-003", "complaint_id=C-1", "waived", None),
        ("CMP-003", "complaint_id=C-4", "waived", None),
    ]
    assert both.baseline is not None and both.baseline.absent == 0
    assert both.exit_code(Severity.HIGH) == 0 and waived.exit_code(Severity.HIGH) == 1


@pytest.mark.parametrize(("text", "reason"), [
    ('{\n  "schema_version": "1.0",\n  "kind": "compliance-baseline",,\n  "violations": []\n}\n',
     ":3: baseline: invalid JSON"),
    ('{"schema_version": "1.0", "kind": "report", "violations": []}', "kind"),
    ('{"schema_version": "1.0", "kind": "compliance-baseline", "violations": '
     '[{"fingerprint": "xyz"}]}', "violations[0].fingerprint"),
    ('{"schema_version": "1.0", "kind": "compliance-baseline"}', "'violations' is a required"),
    ("[]", "the document"),
])
def test_a_bad_baseline_exits_2_with_the_reason(tmp_path: Path, pack: Path,
                                                capsys: pytest.CaptureFixture[str], text: str,
                                                reason: str) -> None:
    log = write_log(tmp_path, EVENTS)
    baseline = write(tmp_path, "bad.json", text)
    code, out, err = call(capsys, "check", str(log), "--rules", str(pack), "--baseline",
                          str(baseline))
    assert code == 2 and out == ""
    assert err.startswith(f"compliance: error: {baseline}") and reason in err
    assert err.count("\n") == 1


def test_a_missing_baseline_exits_2(tmp_path: Path, pack: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    code, _, err = call(capsys, "check", str(log), "--rules", str(pack), "--baseline",
                        str(tmp_path / "none.json"))
    assert code == 2 and "none.json: baseline: cannot read" in err


def test_library_errors_are_check_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckError):
        load_baseline(write(tmp_path, "b.json", "{}"))
    with pytest.raises(CheckError):
        load_waivers(write(tmp_path, "w.yaml", "waivers: 3\n"))


def test_waivers_move_the_breakdowns_too(tmp_path: Path, pack: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = check_with_waivers(tmp_path, pack, capsys, "--format", "json")
    report = json.loads(out)
    sites = {row["key"]: row for row in report["breakdowns"]["site"]}
    # S1: C-1 of both rules, both waived. No site: C-2 pending twice, C-3 compliant twice,
    # C-4 violated (CMP-002, its waiver expired) and waived (CMP-003).
    assert {k: v for k, v in sites["S1"].items() if k != "key"} == {
        "instances": 2, "compliant": 0, "violated": 0, "pending": 0, "not_evaluated": 0,
        "waived": 2, "compliance_rate": 0.0}
    assert {k: v for k, v in sites[None].items() if k != "key"} == {
        "instances": 6, "compliant": 2, "violated": 1, "pending": 2, "not_evaluated": 0,
        "waived": 1, "compliance_rate": 0.5}
