"""Baselines: the violations known at one time, so that a gate fails only on new ones.

A baseline is a JSON file written by `compliance baseline` (or `baseline_json(report)`):

    {"schema_version": "1.0", "kind": "compliance-baseline",
     "tool": {"name": "compliance", "version": "..."}, "as_of": "2025-10-01T00:00:00+08:00",
     "violations": [{"fingerprint": "...", "rule_id": "CMP-002",
                     "subject": "complaint_id=C-2002"}, ...]}

Violations are matched by `compliance.findings.fingerprint` (rule id, subject and the start event
id, else the stop event id, else group and period), so a later export of the same log, in any
order, finds them again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import orjson

from .errors import UsageError
from .findings import BaselineUse, Finding, Outcome, Report

BASELINE_KIND = "compliance-baseline"
_FINGERPRINT = r"^[0-9a-f]{32}$"
BASELINE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "compliance baseline",
    "type": "object",
    "required": ["schema_version", "kind", "violations"],
    "properties": {
        "schema_version": {"type": "string", "pattern": r"^1\."},
        "kind": {"const": BASELINE_KIND},
        "tool": {"type": "object"},
        "as_of": {"type": ["string", "null"]},
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fingerprint"],
                "properties": {
                    "fingerprint": {"type": "string", "pattern": _FINGERPRINT},
                    "rule_id": {"type": "string"},
                    "subject": {"type": "string"},
                },
            },
        },
    },
}


@dataclass(frozen=True, slots=True)
class Baseline:
    """The fingerprints of the violations a baseline file lists."""

    path: str
    as_of: str | None
    fingerprints: frozenset[str]
    entries: int


def _known(finding: Finding) -> bool:
    # A waived finding is a violation too: when its waiver expires it is not new.
    return finding.outcome in (Outcome.VIOLATED, Outcome.WAIVED)


def baseline_json(report: Report) -> bytes:
    """The baseline of a report's violations (violated or waived), as indented JSON bytes."""
    entries = sorted({(f.rule_id, f.subject, f.fingerprint)
                      for f in report.findings if _known(f)})
    document = {
        "schema_version": "1.0",
        "kind": BASELINE_KIND,
        "tool": {"name": report.tool.name, "version": report.tool.version},
        "as_of": report.as_of,
        "violations": [{"fingerprint": fp, "rule_id": rule_id, "subject": subject}
                       for rule_id, subject, fp in entries],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def load_baseline(path: str | Path) -> Baseline:
    """Read and check a baseline file; UsageError naming the file and the problem."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError("baseline: not UTF-8 text", file) from None
    except OSError as exc:
        raise UsageError(f"baseline: cannot read: {exc.strerror}", file) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"baseline: invalid JSON: {exc.msg}", file, exc.lineno) from None
    errors = list(jsonschema.Draft202012Validator(BASELINE_SCHEMA).iter_errors(data))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        where = where.lstrip(".") or "the document"
        raise UsageError(f"baseline: {where}: {error.message} (write one with "
                         "'compliance baseline LOG... -o FILE')", file)
    fingerprints = frozenset(v["fingerprint"] for v in data["violations"])
    return Baseline(path=file, as_of=data.get("as_of"), fingerprints=fingerprints,
                    entries=len(fingerprints))


def apply_baseline(report: Report, baseline: Baseline) -> Report:
    """The report with each violation marked `new` (not in the baseline) or not.

    Only violated findings get `new` (True or False); the gate (`Report.failing`) then counts
    only the new ones. `report.baseline` tells how many violations are new, how many the
    baseline knew, and how many of its entries are no longer violated (`absent`).
    """
    findings: list[Finding] = []
    seen: set[str] = set()
    new = unchanged = 0
    for finding in report.findings:
        if _known(finding) and finding.fingerprint in baseline.fingerprints:
            seen.add(finding.fingerprint)
        if finding.outcome is Outcome.VIOLATED:
            is_new = finding.fingerprint not in baseline.fingerprints
            new += is_new
            unchanged += not is_new
            finding = dataclasses.replace(finding, new=is_new)
        findings.append(finding)
    use = BaselineUse(path=baseline.path, as_of=baseline.as_of, entries=baseline.entries,
                      new=new, unchanged=unchanged, absent=baseline.entries - len(seen))
    return dataclasses.replace(report, findings=tuple(findings), baseline=use)

