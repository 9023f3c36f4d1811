"""Outcomes, findings and the report: the values every engine produces and every reporter reads.

They are frozen, slotted dataclasses: values that compare by content and serialise straight to
JSON. (Frozen pydantic models were the first shape; building one took about 5 µs, which on a
large audit with tens of thousands of findings cost more than reading the log.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from .breakdowns import Breakdowns  # it imports this module: a cycle at run time


class Outcome(StrEnum):
    """The verdict of one obligation instance."""

    COMPLIANT = "compliant"
    VIOLATED = "violated"
    PENDING = "pending"
    NOT_EVALUATED = "not_evaluated"
    WAIVED = "waived"


class Severity(StrEnum):
    """How much a violation matters; ordered from most to least severe."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical 4 … info 0."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0,
}


class Status(StrEnum):
    """A rule's life-cycle: only stable rules can fail a gate."""

    STABLE = "stable"
    DRAFT = "draft"
    DEPRECATED = "deprecated"


class ExitCode(IntEnum):
    """The exit codes of `compliance`, a written contract for CI pipelines.

    0 COMPLIANT: no violation of a stable rule at or above `--fail-on` (default high).
    1 VIOLATIONS: at least one such violation.
    2 ERROR: could not check — bad rule file, unreadable or invalid input, usage error,
      internal error.
    """

    COMPLIANT = 0
    VIOLATIONS = 1
    ERROR = 2




@dataclass(frozen=True, slots=True, kw_only=True)
class EventPoint:
    """An event that starts or stops an instance: its id and time."""

    id: str
    time: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Where an event behind a finding stands: its id, file and line."""

    id: str
    file: str
    line: int
    type: str
    time: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """The outcome of one obligation instance, with the facts that support it."""

    rule_id: str
    rule_name: str
    severity: Severity
    outcome: Outcome
    subject: str
    site: str | None = None
    staff: str | None = None
    start: EventPoint | None = None
    stop: EventPoint | None = None
    due: str | None = None
    due_basis: str | None = None
    elapsed: str | None = None
    overdue_by: str | None = None
    short_by: str | None = None
    paused: str | None = None
    period: str | None = None
    group: str | None = None
    count: int | None = None
    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    reason: str | None = None
    message: str
    evidence: tuple[Evidence, ...] = ()
    waiver: WaiverRef | None = None
    new: bool | None = None
    fingerprint: str = field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", fingerprint(self))

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-ready data."""
        return _plain(self)


def fingerprint(finding: Finding) -> str:
    """A stable identity of the obligation instance a finding judges (waivers, baselines, SARIF).

    The first 32 hex digits of the SHA-256 of the UTF-8 text `rule_id NUL subject NUL anchor`,
    where the anchor is `start:<event id>` when the instance has a start event, else
    `stop:<event id>`, else `period:<group>/<period>`. Outcome, times, message and language
    are left out, so a pending instance keeps its fingerprint when it becomes violated, and the
    same log gives the same fingerprints in any record order and any report language. An event
    without an `id` is known by `file:line`, which moves when the file changes: give ids.
    """
    if finding.start is not None:
        anchor = f"start:{finding.start.id}"
    elif finding.stop is not None:
        anchor = f"stop:{finding.stop.id}"
    else:
        anchor = f"period:{finding.group or ''}/{finding.period or ''}"
    text = "\0".join((finding.rule_id, finding.subject, anchor))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverRef:
    """The waiver that covers a waived finding: why, who approved it, until when, where it is."""

    reason: str
    approved_by: str
    expires: str
    file: str
    line: int


class WaiverState(StrEnum):
    """What became of a waiver: it covered violations, it had expired, or it matched none."""

    APPLIED = "applied"
    EXPIRED = "expired"
    UNUSED = "unused"


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverUse:
    """One waiver of a waiver file and what became of it in this report.

    `matched` counts the violations it covers; for an expired waiver, those it would have
    covered (they stay violated).
    """

    rule_id: str
    subject: str | None = None
    pattern: str | None = None
    reason: str
    approved_by: str
    expires: str
    file: str
    line: int
    state: WaiverState
    matched: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineUse:
    """The baseline a report was compared with: violations new, known, and known but gone."""

    path: str
    as_of: str | None
    entries: int
    new: int
    unchanged: int
    absent: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeCounts:
    """How many instances of a rule ended in each outcome."""

    compliant: int = 0
    violated: int = 0
    pending: int = 0
    not_evaluated: int = 0
    waived: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSummary:
    """Per rule: its instances, the count of each outcome and the compliance rate.

    `compliance_rate` is compliant / (compliant + violated + waived), or None when nothing was
    judged: pending, not evaluated and cancelled instances are neither passes nor failures.
    """

    rule_id: str
    rule_name: str
    title: str
    title_en: str
    kind: str
    severity: Severity
    status: Status
    instances: int
    outcomes: OutcomeCounts
    cancelled: int = 0
    unmatched_stops: int = 0
    compliance_rate: float | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """An input record that was not used, and why."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InputSummary:
    """One input: its path, digest and the reconciliation of its records."""

    path: str
    format: str
    sha256: str | None
    records: int
    accepted: int
    rejected: int
    after_as_of: int = 0
    rejections: tuple[Rejection, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolInfo:
    """The program that wrote the report."""

    name: str
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleChange:
    """A company profile's change to a bundled rule, with its recorded reason."""

    rule_id: str
    change: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesInfo:
    """The rules that were run, a digest of their definitions, and the profile's changes."""

    ids: tuple[str, ...]
    digest: str
    changes: tuple[RuleChange, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The result of one check: inputs, rules, per-rule summary and findings."""

    schema_version: str = "1.0"
    tool: ToolInfo
    as_of: str
    lang: str
    inputs: tuple[InputSummary, ...]
    rules: RulesInfo
    summary: tuple[RuleSummary, ...]
    # Per site, staff, week and month (compliance.breakdowns); None only in hand-made reports.
    breakdowns: Breakdowns | None = None
    waivers: tuple[WaiverUse, ...] | None = None
    baseline: BaselineUse | None = None
    findings: tuple[Finding, ...]

    def failing(self, fail_on: Severity | None, gated_rules: frozenset[str]) -> list[Finding]:
        """Violations of the gated (stable) rules at or above `fail_on`; none when it is None.

        Waived findings are not violations; with a baseline, only new violations count.
        """
        if fail_on is None:
            return []
        return [
            f for f in self.findings
            if f.outcome is Outcome.VIOLATED and f.rule_id in gated_rules
            and f.severity.rank >= fail_on.rank and f.new is not False
        ]

    def exit_code(self, fail_on: Severity | None = Severity.HIGH) -> ExitCode:
        """0 when no stable rule has a violation at or above `fail_on`, else 1."""
        gated = frozenset(s.rule_id for s in self.summary if s.status is Status.STABLE)
        return ExitCode.VIOLATIONS if self.failing(fail_on, gated) else ExitCode.COMPLIANT

    def to_json(self) -> bytes:
        """The report as indented UTF-8 JSON with a final newline, in the documented order."""
        return orjson.dumps(self, option=orjson.OPT_INDENT_2) + b"\n"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return _plain(self)


def _plain(value: Any) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(orjson.dumps(value))
    return data



