"""`compliance check` and `compliance validate`: options, formats and the exit-code contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from builders import COMPLAINT_RULE, MINOR_RULE

from compliance.cli import run

RULE = COMPLAINT_RULE
MINOR = MINOR_RULE

EVENTS = [
    {"id": "e1", "type": "complaint_received", "time": "2025-03-01T09:00:00+08:00",
     "complaint_id": "C-1", "site": "S1"},
    {"id": "e2", "type": "complaint_result_fed_back", "time": "2025-03-04T10:30:00+08:00",
     "complaint_id": "C-1"},
    {"id": "e3", "type": "complaint_received", "time": "2025-03-04T09:00:00+08:00",
     "complaint_id": "C-2"},
]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "complaint"
    folder.mkdir(parents=True)
    (folder / "complaint-result-48h.yaml").write_text(RULE, encoding="utf-8")
    (folder / "minor.yaml").write_text(MINOR, encoding="utf-8")
    return tmp_path / "rules"


def write_log(tmp_path: Path, events: list[Any], name: str = "log.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events),
                    encoding="utf-8")
    return path


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_violation_exits_1_with_a_json_report(tmp_path: Path, pack: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["rules"]["ids"] == ["CMP-002", "CMP-003"]
    [summary] = [s for s in report["summary"] if s["rule_id"] == "CMP-002"]
    assert summary["outcomes"]["violated"] == 1 and summary["outcomes"]["pending"] == 1
    assert report["inputs"][0]["records"] == 3 and report["inputs"][0]["accepted"] == 3


def test_fail_on_decides_the_exit_code(tmp_path: Path, pack: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    base = ("check", str(log), "--rules", str(pack), "--format", "json")
    assert call(capsys, *base, "--fail-on", "critical")[0] == 0
    assert call(capsys, *base, "--fail-on", "none")[0] == 0
    assert call(capsys, *base, "--select", "CMP-003", "--fail-on", "medium")[0] == 0
    assert call(capsys, *base, "--select", "CMP-003", "--fail-on", "low")[0] == 1
    # Ignoring every rule would check nothing: that is a usage error, never a pass.
    assert call(capsys, *base, "--ignore", "CMP-002,CMP-003")[0] == 2


def test_compliant_log_exits_0(tmp_path: Path, pack: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, [*EVENTS[:1], {**EVENTS[1], "time": "2025-03-02T09:00:00+08:00"}])
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--format", "text")
    assert code == 0
    assert "PASS" in out or "通过" in out


def test_same_inputs_give_byte_identical_reports(tmp_path: Path, pack: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    outputs = []
    for name in ("a.json", "b.json"):
        target = tmp_path / name
        call(capsys, "check", str(log), "--rules", str(pack), "-o", str(target))
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["findings"]


@pytest.mark.parametrize(("args", "message"), [
    (["check", "missing.jsonl"], "no such file"),
    (["check"], "at least one log"),
    (["check", "{log}", "--select", "NOPE-1"], "no rule matches"),
    (["check", "{log}", "--as-of", "tomorrow"], "as_of"),
    (["check", "{log}", "--as-of", "2025-03-01T00:00:00"], "no UTC offset"),
    (["check", "{log}", "--default-tz", "Mars/Base"], "unknown time zone"),
    (["check", "{log}", "--map", "time"], "FIELD=COLUMN"),
    (["check", "{log}", "--format", "pdf"], "pdf"),
    (["check", "{log}", "--rules", "{bad_rule}"], "bad.yaml:11: within: invalid value 'soon'"),
    (["check", "{empty}"], "no events to check"),
    (["check", "{binary}"], "binary file"),
    (["check", "{naive}"], "no UTC offset"),
])
def test_could_not_check_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, pack: Path, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:
    files = {
        "log": write_log(tmp_path, EVENTS),
        "empty": write_log(tmp_path, [], "empty.jsonl"),
        "naive": write_log(tmp_path, [{**EVENTS[0], "time": "2025-03-01T09:00:00"}], "n.jsonl"),
        "bad_rule": tmp_path / "bad.yaml",
        "binary": tmp_path / "binary.jsonl",
    }
    (tmp_path / "bad.yaml").write_text(RULE.replace("48 hours", "soon").replace(
        "complaint-result-48h", "bad"), encoding="utf-8")
    (tmp_path / "binary.jsonl").write_bytes(bytes(range(256)) * 8)
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    if "--rules" not in argv:
        argv += ["--rules", str(pack)]
    code, _, err = call(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_naive_timestamps_are_read_with_default_tz(tmp_path: Path, pack: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    naive = [{**e, "time": e["time"][:19]} for e in EVENTS]
    log = write_log(tmp_path, naive)
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--format", "json",
                        "--default-tz", "Asia/Shanghai")
    assert code == 1
    assert json.loads(out)["inputs"][0]["rejected"] == 0


def test_map_reads_other_column_names(tmp_path: Path, pack: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    renamed = [{("event_name" if k == "type" else k): v for k, v in e.items()} for e in EVENTS]
    log = write_log(tmp_path, renamed)
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--format", "json",
                        "--map", "type=event_name")
    assert code == 1
    assert json.loads(out)["inputs"][0]["accepted"] == 3


def test_rejected_records_are_counted_and_reconciled(tmp_path: Path, pack: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "mixed.jsonl"
    log.write_text(
        json.dumps(EVENTS[0]) + "\n" + "garbage\n" + json.dumps({"time": EVENTS[0]["time"]}) + "\n"
    )
    code, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--format", "json")
    item = json.loads(out)["inputs"][0]
    assert (item["records"], item["accepted"], item["rejected"]) == (3, 1, 2)
    assert [r["line"] for r in item["rejections"]] == [2, 3]
    assert code == 0  # the open complaint is pending at the only event time


def test_lang_switches_messages(tmp_path: Path, pack: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, EVENTS)
    _, out, _ = call(capsys, "check", str(log), "--rules", str(pack), "--format", "json",
                     "--lang", "zh")
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert any("小时" in m for m in messages)


def test_validate_lists_rejections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "v.jsonl"
    log.write_text(json.dumps(EVENTS[0]) + "\n{\n")
    code, out, err = call(capsys, "validate", str(log))
    assert code == 1
    assert out.startswith(f"{log}:2: not valid JSON")
    assert "2 records, 1 valid, 1 rejected" in err
    log.write_text(json.dumps(EVENTS[0]) + "\n")
    assert call(capsys, "validate", str(log))[0] == 0


def test_rules_commands(pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "rules", "list", "--rules", str(pack))
    assert code == 0 and out.splitlines()[1].split() == [
        "CMP-002", "deadline", "high", "stable", "Complaint", "results", "are", "fed", "back",
        "within", "48", "hours"]
    code, _, err = call(capsys, "rules", "validate", str(pack))
    assert code == 0 and "2 rules valid" in err
    code, out, _ = call(capsys, "rules", "schema")
    assert code == 0 and json.loads(out)["title"] == "compliance rule file"


def test_the_installed_command_runs(tmp_path: Path, pack: Path) -> None:
    log = write_log(tmp_path, EVENTS)
    exe = Path(sys.executable).with_name("compliance")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "compliance"]
    done = subprocess.run([*command, "check", str(log), "--rules", str(pack), "--format",
                           "json"], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["tool"]["name"] == "compliance"
    help_text = subprocess.run([*command, "check", "--help"], capture_output=True, text=True,
                               check=False).stdout
    assert "Exit codes" in help_text


HANDOVER_RULE = RULE.replace("CMP-002", "HND-009").replace("complaint-result-48h", "handover") \
    .replace("key: complaint_id", "key: handover_id") \
    .replace("start: {type: complaint_received}", "start: {type: handover_started}") \
    .replace("stop: {type: complaint_result_fed_back}", "stop: {type: handover_completed}") \
    .replace("within: 48 hours", "within: 2 working days")


def test_a_calendar_file_is_applied_and_its_mistakes_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    rule = tmp_path / "handover.yaml"
    rule.write_text(HANDOVER_RULE, encoding="utf-8")
    log = write_log(tmp_path, [
        {"id": "h1", "type": "handover_started", "time": "2025-12-30T10:00:00+08:00",
         "handover_id": "H-1", "site": "S1"},
        {"id": "h2", "type": "handover_completed", "time": "2026-01-05T10:00:00+08:00",
         "handover_id": "H-1", "site": "S1"},
    ])
    base = ("check", str(log), "--rules", str(rule), "--format", "json")
    # National calendar: 12-31 and Sunday 01-04 (make-up) count, so it is due 2026-01-05 00:00.
    code, out, _ = call(capsys, *base)
    [finding] = json.loads(out)["findings"]
    assert (code, finding["due"]) == (1, "2026-01-05T00:00:00+08:00")
    assert "2026-01-04 (make-up working day)" in finding["due_basis"]
    # The company closes on 12-31 and site S1 on 01-04: due at the end of 01-05.
    calendar = tmp_path / "company.yaml"
    calendar.write_text("holidays: [2025-12-31]\nsites:\n  S1:\n    holidays: [2026-01-04]\n",
                        encoding="utf-8")
    code, out, _ = call(capsys, *base, "--calendar", str(calendar))
    assert (code, json.loads(out)["findings"]) == (0, [])
    calendar.write_text("holidays: [2025-12-31]\nhours: 9:60-18:00\n", encoding="utf-8")
    code, _, err = call(capsys, *base, "--calendar", str(calendar))
    assert code == 2 and f"{calendar}:2: hours: invalid opening hours '9:60-18:00'" in err
    calendar.write_text("sites:\n  S7: {hours: 10:00-20:00}\n", encoding="utf-8")
    code, _, err = call(capsys, *base, "--calendar", str(calendar))
    assert code == 2 and f"{calendar}:2: unknown site 'S7'" in err and "Traceback" not in err


def test_rules_list_show_and_docs_on_the_bundled_pack(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(repo)
    code, out, _ = call(capsys, "rules", "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {row["id"] for row in rows} >= {"CMP-002", "HND-001", "SAT-001"}
    assert next(r for r in rows if r["id"] == "HND-001")["chapter"] == "handover"
    code, out, _ = call(capsys, "rules", "show", "CMP-002")
    assert code == 0
    assert "投诉受理部门应在24小时内作出初步处理" in out and "within: 48 hours" in out
    assert "violation-late-result.jsonl: 2 violated" in out
    code, _, err = call(capsys, "rules", "show", "CMP")
    assert code == 2 and "names 3 rules" in err
    code, out, _ = call(capsys, "rules", "docs")
    assert code == 0
    # The committed catalogue is the generated one: regenerate with `compliance rules docs -o
    # docs/rules.md` after changing a rule.
    assert out == (repo / "docs" / "rules.md").read_text(encoding="utf-8")
