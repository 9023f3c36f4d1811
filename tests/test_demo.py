"""The bundled demo export: the engine reports exactly what the generator planted, in any format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import REPO

from compliance import check, load_rules

LOGS = REPO / "fixtures" / "logs"
EXPECTED = json.loads((LOGS / "demo-2025q3.expected.json").read_text(encoding="utf-8"))


def counts(summary: object) -> dict[str, int]:
    outcomes = summary.outcomes  # type: ignore[attr-defined]
    return {"compliant": outcomes.compliant, "violated": outcomes.violated,
            "pending": outcomes.pending, "not_evaluated": outcomes.not_evaluated,
            "cancelled": summary.cancelled}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def report() -> object:
    return check(LOGS / "demo-2025q3.jsonl", load_rules())


def test_every_rule_the_generator_plants_gives_the_planted_counts(report: object) -> None:
    # The generator plants the flows of the deadline, duration and handover rules; the demo has
    # no facility, audit, survey or contract records yet.
    got = {s.rule_id: counts(s) for s in report.summary  # type: ignore[attr-defined]
           if s.rule_id in EXPECTED["rules"]}
    assert got == EXPECTED["rules"]
    assert report.as_of == EXPECTED["as_of"]  # type: ignore[attr-defined]


def test_the_planted_bad_records_are_rejected_and_reconciled(report: object) -> None:
    [item] = report.inputs  # type: ignore[attr-defined]
    assert (item.records, item.rejected) == (9298, 10)
    assert item.accepted + item.rejected == item.records
    reasons = " ".join(r.reason for r in item.rejections)
    assert "no UTC offset" in reasons and "missing field 'type'" in reasons
    assert "not valid JSON" in reasons and "JSON object, not an array" in reasons


@pytest.mark.parametrize(("name", "prefix"), [
    ("demo-complaints-2025q3.xes.gz", "CMP"),
    ("demo-aftersales-2025q3.csv", "AFS"),
])
def test_process_mining_exports_check_with_no_options(name: str, prefix: str) -> None:
    planted = {rule_id: c for rule_id, c in EXPECTED["rules"].items()
               if rule_id.startswith(prefix)}
    report = check(LOGS / name, load_rules().select(sorted(planted)), as_of=EXPECTED["as_of"])
    assert report.inputs[0].rejected == 0
    assert {s.rule_id: counts(s) for s in report.summary} == planted


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, str(LOGS / "generate_demo.py"), "--out-dir", str(tmp_path)],
                   check=True, capture_output=True)
    for produced in tmp_path.iterdir():
        assert produced.read_bytes() == (LOGS / produced.name).read_bytes(), produced.name
