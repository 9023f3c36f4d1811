"""Rule fixtures as tests: each rule's ok-* and violation-* logs against its expected.yaml.

The same harness runs in the test suite and as `compliance rules test`, so that rule authors
test their own rule folders without Python.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from .checker import check
from .durations import to_datetime, to_us
from .errors import CheckError
from .findings import Finding, Outcome
from .rulebook import RuleSet

COMPARABLE = ("outcome", "subject", "site", "staff", "due", "elapsed", "overdue_by", "short_by",
              "paused", "period", "group", "count", "value", "numerator", "denominator",
              "reason", "start_id", "stop_id", "start_time", "stop_time")
LOG_PATTERNS = ("ok-*.jsonl", "violation-*.jsonl")


@dataclass
class FixtureCase:
    """One fixture log of one rule, with what it must produce."""

    rule_id: str
    log: Path
    expected: dict[str, Any]

    @property
    def name(self) -> str:
        """`RULE-ID/log-file`, for test ids and messages."""
        return f"{self.rule_id}/{self.log.name}"


@dataclass
class Discovery:
    """The cases found, and what is missing or inconsistent in the fixture folders."""

    cases: list[FixtureCase] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def fixture_folder(rules: RuleSet, rule_id: str, fixtures_root: Path) -> Path:
    """`<fixtures>/<chapter>/<rule name>/`, the chapter being the rule file's folder."""
    rule = rules[rule_id]
    chapter = Path(rules.paths[rule_id]).parent.name if rule_id in rules.paths else ""
    return fixtures_root / chapter / rule.name


def discover(rules: RuleSet, fixtures_root: Path) -> Discovery:
    """Every rule's fixture cases; a rule without ok and violation logs is a problem."""
    found = Discovery()
    for rule in rules:
        folder = fixture_folder(rules, rule.id, fixtures_root)
        expected_file = folder / "expected.yaml"
        if not expected_file.is_file():
            found.problems.append(f"{rule.id}: no {expected_file}")
            continue
        try:
            expected = yaml.safe_load(expected_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            found.problems.append(f"{expected_file}: invalid YAML: {exc}")
            continue
        if expected.get("rule") != rule.id:
            found.problems.append(f"{expected_file}: 'rule' must be {rule.id}")
        logs = sorted(p for pattern in LOG_PATTERNS for p in folder.glob(pattern))
        for prefix in ("ok-", "violation-"):
            if not any(p.name.startswith(prefix) for p in logs):
                found.problems.append(f"{rule.id}: no {prefix}*.jsonl in {folder}")
        cases = expected.get("cases") or {}
        for name in sorted(set(cases) - {p.name for p in logs}):
            found.problems.append(f"{expected_file}: names {name}, which is not in the folder")
        for log in logs:
            if log.name not in cases:
                found.problems.append(f"{expected_file}: no entry for {log.name}")
                continue
            found.cases.append(FixtureCase(rule.id, log, cases[log.name] or {}))
    return found


def run_case(case: FixtureCase, rules: RuleSet) -> list[str]:
    """Check the case's log with its rule alone; return every mismatch (empty when it passes)."""
    rule_set = rules.select([case.rule_id])
    rule = rule_set[case.rule_id]
    try:
        report = check(case.log, rule_set, as_of=_text(case.expected.get("as_of"), rule.tz),
                       lang="en")
    except CheckError as exc:
        return [f"{case.name}: could not check: {exc}"]
    problems: list[str] = []
    actual = [f for f in report.findings if f.outcome is not Outcome.COMPLIANT]
    violated = [f for f in actual if f.outcome is Outcome.VIOLATED]
    if case.log.name.startswith("ok-") and violated:
        problems.append(f"{case.name}: an ok- log has {len(violated)} violation(s)")
    if case.log.name.startswith("violation-") and not violated:
        problems.append(f"{case.name}: a violation- log has no violation")
    expected = case.expected.get("findings") or []
    if len(actual) != len(expected):
        problems.append(f"{case.name}: expected {len(expected)} findings, got {len(actual)}: "
                        + "; ".join(f"{f.outcome.value} {f.subject}" for f in actual))
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        facts = _facts(got)
        for name, value in want.items():
            if name not in COMPARABLE:
                problems.append(f"{case.name}: finding {index + 1}: unknown field {name!r}")
            elif facts.get(name) != _text(value, rule.tz):
                problems.append(f"{case.name}: finding {index + 1} ({got.subject}): {name} is "
                                f"{facts.get(name)!r}, expected {_text(value, rule.tz)!r}")
    for name, count in (case.expected.get("summary") or {}).items():
        outcomes = asdict(report.summary[0].outcomes)
        known = {**outcomes, "cancelled": report.summary[0].cancelled,
                 "unmatched_stops": report.summary[0].unmatched_stops}
        if name not in known:
            problems.append(f"{case.name}: summary: unknown count {name!r}")
        elif known[name] != count:
            problems.append(f"{case.name}: summary: {name} is {known[name]}, expected {count}")
    return problems


def outcome_counts(case: FixtureCase, rules: RuleSet) -> dict[Outcome, int]:
    """How many instances of each outcome the case's log gives now (empty if it cannot check)."""
    rule_set = rules.select([case.rule_id])
    rule = rule_set[case.rule_id]
    try:
        report = check(case.log, rule_set, as_of=_text(case.expected.get("as_of"), rule.tz))
    except CheckError:
        return {}
    counts = asdict(report.summary[0].outcomes)
    return {Outcome(name): count for name, count in counts.items()}


def _facts(finding: Finding) -> dict[str, Any]:
    facts = finding.to_dict()
    facts["start_id"] = finding.start.id if finding.start else None
    facts["stop_id"] = finding.stop.id if finding.stop else None
    facts["start_time"] = finding.start.time if finding.start else None
    facts["stop_time"] = finding.stop.time if finding.stop else None
    return facts


def _text(value: Any, tz: Any) -> Any:
    """YAML reads unquoted timestamps as datetimes; compare them as the report writes them."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return to_datetime(to_us(value), tz).isoformat()
    return value
