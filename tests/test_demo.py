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
    # The generator's own evaluator judges every rule of the pack at the default as_of (the
    # latest event); there most periodic and threshold periods are not wholly covered yet.
    got = {s.rule_id: counts(s) for s in report.summary  # type: ignore[attr-defined]
           if s.rule_id in EXPECTED["rules"]}
    assert got == EXPECTED["rules"]
    assert report.as_of == EXPECTED["as_of"]  # type: ignore[attr-defined]


def test_the_expected_counts_cover_every_rule_of_the_pack() -> None:
    # A rule added to the pack needs its records in the demo and its counts in the generator.
    assert {rule.id for rule in load_rules()} == set(EXPECTED["rules"])
    assert set(EXPECTED["quarter_end"]["rules"]) == set(EXPECTED["rules"])


def test_judged_at_the_end_of_the_quarter_every_rule_gives_the_planted_counts() -> None:
    # With --as-of 2025-10-01T00:00:00+08:00 September and Q3 are wholly covered: the daily,
    # monthly and quarterly duties and KPIs are judged.
    quarter_end = EXPECTED["quarter_end"]
    report = check(LOGS / "demo-2025q3.jsonl", load_rules(), as_of=quarter_end["as_of"])
    got = {s.rule_id: counts(s) for s in report.summary  # type: ignore[attr-defined]
           if s.rule_id in quarter_end["rules"]}
    assert got == quarter_end["rules"]


def test_the_planted_bad_records_are_rejected_and_reconciled(report: object) -> None:
    [item] = report.inputs  # type: ignore[attr-defined]
    assert (item.records, item.rejected) == (EXPECTED["records"], EXPECTED["rejected"])
    assert item.rejected == 10
    assert item.accepted + item.rejected == item.records
    reasons = " ".join(r.reason for r in item.rejections)
    assert "no UTC offset" in reasons and "missing field 'type'" in reasons
    assert "not valid JSON" in reasons and "JSON object, not an array" in reasons


# The rules whose events each export holds (AFS-003 judges the handovers, not in the CSV).
@pytest.mark.parametrize(("name", "rules"), [
    ("demo-complaints-2025q3.xes.gz", ("CMP-001", "CMP-002")),
    ("demo-aftersales-2025q3.csv", ("AFS-001", "AFS-002")),
])
def test_process_mining_exports_check_with_no_options(name: str, rules: tuple[str, ...]) -> None:
    planted = {rule_id: EXPECTED["rules"][rule_id] for rule_id in rules}
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
