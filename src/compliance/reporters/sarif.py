"""SARIF 2.1.0 (`--format sarif`): findings as static-analysis results for code-scanning tools.

One run; `tool.driver.rules` describes every rule that was run (from the rule files when the
command line passes them, else from the report's summary); one result per finding, in report
order, one per line so that the file streams and diffs well. Deterministic: no timestamps, no
absolute paths (log files are named relative to the working directory).

Mapping:
- `level` from severity: critical and high → error, medium → warning, low and info → note.
- `kind`: violated and waived → fail; pending → open; not_evaluated → review; compliant (with
  --show-passes) → pass. SARIF wants level `none` for every kind but fail.
- `partialFingerprints["complianceFingerprint/v1"]` is `compliance.findings.fingerprint`.
- `locations`: the first evidence event's log file and line; `relatedLocations`: every evidence
  event. A finding without evidence (an absence) is located at the input logs as a whole (no
  region). Events given as dicts (no file) give no location.
- `suppressions`: a waived finding has one, kind external, status accepted, justification = the
  waiver's reason, located at the waiver in its file.
- `baselineState` (with --baseline): violations new or unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import IO, Any, Protocol
from urllib.parse import quote

import orjson

from ..findings import Evidence, Finding, Outcome, Report, RuleSummary, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "complianceFingerprint/v1"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
_KIND = {Outcome.VIOLATED: "fail", Outcome.WAIVED: "fail", Outcome.PENDING: "open",
         Outcome.NOT_EVALUATED: "review", Outcome.COMPLIANT: "pass"}
_DETAILS = ("subject", "site", "staff", "due", "elapsed", "overdue_by", "short_by", "period",
            "group", "reason")


class _Source(Protocol):
    document: str
    section: str
    quote: str


class _Docs(Protocol):
    rationale: str
    remediation: str


class RuleFacts(Protocol):
    """What this reporter reads of a rule file (a `compliance.rulemodel` rule has it all)."""

    id: str
    name: str
    title: str
    title_en: str

    @property
    def source(self) -> Sequence[_Source]: ...

    @property
    def docs(self) -> _Docs: ...


def write(report: Report, stream: IO[str], *, rules: Iterable[RuleFacts] | None = None,
          **options: Any) -> None:
    """Write the SARIF log; `rules` (the rule files that were run) give the rule metadata."""
    files = {rule.id: rule for rule in rules or ()}
    descriptors = [_descriptor(s, files.get(s.rule_id), report.lang) for s in report.summary]
    index = {s.rule_id: i for i, s in enumerate(report.summary)}
    logs = tuple(artifact_uri(i.path) for i in report.inputs if not i.path.startswith("<"))
    run_head = {
        "tool": {"driver": {"name": report.tool.name, "version": report.tool.version,
                            "rules": descriptors}},
        "language": "zh-CN" if report.lang == "zh" else "en-US",
        "properties": {"as_of": report.as_of, "rules_digest": report.rules.digest},
    }
    head = orjson.dumps(run_head).decode("utf-8")
    stream.write(f'{{"$schema": "{SCHEMA_URI}", "version": "2.1.0", "runs": [\n'
                 f'{head[:-1]}, "results": [')
    separator = "\n"
    for finding in report.findings:
        stream.write(separator)
        stream.write(orjson.dumps(_result(finding, index, logs)).decode("utf-8"))
        separator = ",\n"
    stream.write("\n]}\n]}\n")


def render(report: Report, rules: Iterable[RuleFacts] | None = None) -> str:
    """The SARIF log as text."""
    import io

    buffer = io.StringIO()
    write(report, buffer, rules=rules)
    return buffer.getvalue()


def level(severity: Severity) -> str:
    """The SARIF level of a violation of this severity."""
    return _LEVEL[severity]


def _descriptor(summary: RuleSummary, rule: RuleFacts | None, lang: str) -> dict[str, Any]:
    title = summary.title if lang == "zh" else summary.title_en
    descriptor: dict[str, Any] = {
        "id": summary.rule_id,
        "name": summary.rule_name,
        "shortDescription": {"text": title},
    }
    if rule is not None:
        quotes = [f"{s.document} {s.section}: {s.quote}" for s in rule.source]
        descriptor["fullDescription"] = {"text": rule.docs.rationale}
        text = "\n".join(["Source:", *quotes, "", "Remediation:", rule.docs.remediation])
        markdown = "\n".join(["**Source**", "", *(f"> {q}" for q in quotes), "",
                              "**Remediation**", "", rule.docs.remediation])
        descriptor["help"] = {"text": text, "markdown": markdown}
    else:
        descriptor["fullDescription"] = {"text": f"{summary.title_en} ({summary.title})"}
    descriptor["defaultConfiguration"] = {"level": _LEVEL[summary.severity]}
    descriptor["properties"] = {"severity": summary.severity.value, "kind": summary.kind,
                                "status": summary.status.value,
                                "tags": [summary.kind, summary.severity.value]}
    return descriptor


def _result(finding: Finding, index: Mapping[str, int], logs: Sequence[str]) -> dict[str, Any]:
    kind = _KIND[finding.outcome]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "kind": kind,
        "level": _LEVEL[finding.severity] if kind == "fail" else "none",
        "message": {"text": finding.message},
    }
    if finding.rule_id in index:
        result["ruleIndex"] = index[finding.rule_id]
    placed = [e for e in finding.evidence if not e.file.startswith("<")]
    if placed:
        result["locations"] = [_location(placed[0])]
        result["relatedLocations"] = [
            _location(e) | {"id": i, "message": {"text": f"{e.id} {e.type} {e.time}"}}
            for i, e in enumerate(placed)
        ]
    elif logs:
        # An absence (a period without the duty, a KPI short of its bound) has no event: it
        # was found in the logs as a whole, and code-scanning tools want a location.
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": uri}}}
                               for uri in logs]
    result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.waiver is not None:
        w = finding.waiver
        result["suppressions"] = [{
            "kind": "external", "status": "accepted", "justification": w.reason,
            "location": _place(w.file, w.line),
            "properties": {"approved_by": w.approved_by, "expires": w.expires},
        }]
    if finding.new is not None:
        result["baselineState"] = "new" if finding.new else "unchanged"
    details = {name: getattr(finding, name) for name in _DETAILS}
    details["outcome"] = finding.outcome.value
    result["properties"] = {k: v for k, v in details.items() if v is not None}
    return result


def _location(evidence: Evidence) -> dict[str, Any]:
    return _place(evidence.file, evidence.line)


def _place(file: str, line: int) -> dict[str, Any]:
    region = {"startLine": max(line, 1)}
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(file)},
                                 "region": region}}


def artifact_uri(file: str) -> str:
    """A log file's URI relative to the working directory (percent-encoded, `/` separators)."""
    try:
        relative = os.path.relpath(os.path.abspath(file))
    except ValueError:  # another drive on Windows: no relative path exists
        return PurePath(os.path.abspath(file)).as_uri()
    return quote(PurePath(relative).as_posix(), safe="/")
