"""Waivers: approved exceptions with an expiry date that turn covered violations into `waived`.

A waiver file is YAML, checked against a JSON Schema generated from the models below (like rule
files, with the file and line of every problem):

    waivers:
      - rule_id: CMP-002
        subject: complaint_id=C-2002          # exactly this instance's subject, or
        # pattern: "complaint_id=C-20*"       # a glob of subjects (* ? [...], case-sensitive)
        reason: customer asked to wait for the engineer's report
        approved_by: 品控部 王经理
        expires: 2025-12-31                   # valid through this date (the report's zone)

Whether a waiver has expired is judged against the report's `as_of`, never the machine's clock:
it applies while the date of `as_of` (in the report's time zone) is on or before `expires`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from .findings import (
    Finding,
    Outcome,
    OutcomeCounts,
    Report,
    RuleSummary,
    WaiverRef,
    WaiverState,
    WaiverUse,
)
from .rulebook import _document_schema, _load_document


class Waiver(BaseModel):
    """One approved exception: a rule, the subjects it covers, why, who approved it, until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(pattern=r"^[A-Z]{2,5}-[0-9]{3}$",
                         description="the id of the rule waived, like CMP-002")
    subject: str | None = Field(default=None, min_length=1,
                                description="the subject of one finding, exactly as reported "
                                            "(e.g. complaint_id=C-2002)")
    pattern: str | None = Field(default=None, min_length=1,
                                description="a glob of subjects (* ? [...], case-sensitive), "
                                            "e.g. complaint_id=C-20*")
    reason: str = Field(min_length=1, description="why the violations are accepted")
    approved_by: str = Field(min_length=1, description="who approved the waiver")
    expires: date = Field(description="the last day the waiver applies (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _one_target(self) -> Waiver:
        if (self.subject is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'subject' and 'pattern'")
        return self

    def covers(self, finding: Finding) -> bool:
        """Whether this waiver names the finding's rule and subject."""
        if finding.rule_id != self.rule_id:
            return False
        if self.subject is not None:
            return finding.subject == self.subject
        assert self.pattern is not None
        return fnmatchcase(finding.subject, self.pattern)


class WaiverFile(BaseModel):
    """A waiver file: a list of waivers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(description="the waivers, each for one rule")


@dataclass(frozen=True, slots=True)
class PlacedWaiver:
    """A waiver with the file and line it was written at."""

    waiver: Waiver
    file: str
    line: int


_ADAPTER: TypeAdapter[WaiverFile] = TypeAdapter(WaiverFile)


def waiver_schema() -> dict[str, Any]:
    """The JSON Schema of a waiver file."""
    return _document_schema(_ADAPTER, "compliance waiver file")


def load_waivers(path: str | Path) -> tuple[PlacedWaiver, ...]:
    """Read and validate a waiver file; RuleError with file and line when it is invalid."""
    document, lines = _load_document(path, _ADAPTER, waiver_schema(),
                                     "a waiver file must be a mapping with a list 'waivers'")
    file = str(path)
    return tuple(PlacedWaiver(w, file, lines.get(("waivers", i), 1))
                 for i, w in enumerate(document.waivers))


def apply_waivers(report: Report, waivers: Iterable[PlacedWaiver]) -> Report:
    """The report with every violation covered by an unexpired waiver turned `waived`.

    The first unexpired waiver (in file order) that names a violation's rule and subject covers
    it; the finding carries that waiver's reason, approver, expiry and place. The summary moves
    those instances from violated to waived (the compliance rate, compliant / (compliant +
    violated + waived), does not change). `report.waivers` lists every waiver with its state:
    `applied` (it covered violations), `expired` (the date of `as_of` is after `expires`; it
    covers nothing, and `matched` counts the violations it would have covered) or `unused`
    (unexpired, it matched no violation).
    """
    placed = list(waivers)
    as_of_day = date.fromisoformat(report.as_of[:10])
    expired = [p.waiver.expires < as_of_day for p in placed]
    by_rule: dict[str, list[int]] = {}
    for index, p in enumerate(placed):
        by_rule.setdefault(p.waiver.rule_id, []).append(index)
    matched = [0] * len(placed)
    waived_per_rule: dict[str, int] = {}
    findings: list[Finding] = []
    before: list[Finding] = []  # the violations that become waived
    after: list[Finding] = []  # and what they become
    for finding in report.findings:
        candidates = by_rule.get(finding.rule_id) if finding.outcome is Outcome.VIOLATED else None
        cover = None
        for index in candidates or ():
            if not placed[index].waiver.covers(finding):
                continue
            if expired[index]:
                matched[index] += 1
            elif cover is None:
                cover = index
                matched[index] += 1
        if cover is None:
            findings.append(finding)
            continue
        p = placed[cover]
        before.append(finding)
        after.append(dataclasses.replace(
            finding, outcome=Outcome.WAIVED,
            waiver=WaiverRef(reason=p.waiver.reason, approved_by=p.waiver.approved_by,
                             expires=p.waiver.expires.isoformat(), file=p.file, line=p.line)))
        findings.append(after[-1])
        waived_per_rule[finding.rule_id] = waived_per_rule.get(finding.rule_id, 0) + 1
    uses = tuple(
        WaiverUse(rule_id=p.waiver.rule_id, subject=p.waiver.subject, pattern=p.waiver.pattern,
                  reason=p.waiver.reason, approved_by=p.waiver.approved_by,
                  expires=p.waiver.expires.isoformat(), file=p.file, line=p.line,
                  state=(WaiverState.EXPIRED if expired[i] else
                         WaiverState.APPLIED if matched[i] else WaiverState.UNUSED),
                  matched=matched[i])
        for i, p in enumerate(placed)
    )
    report = dataclasses.replace(report, findings=tuple(findings), waivers=uses,
                                 summary=_moved(report.summary, waived_per_rule))
    if before and getattr(report, "breakdowns", None) is not None:
        from . import breakdowns

        counts = breakdowns.recount(report.breakdowns, before, after)  # type: ignore[arg-type]
        report = dataclasses.replace(report, breakdowns=counts)
    return report


def _moved(summary: Sequence[RuleSummary], waived: dict[str, int]) -> tuple[RuleSummary, ...]:
    """Per-rule summaries with `waived[rule]` instances moved from violated to waived."""
    result = []
    for s in summary:
        n = waived.get(s.rule_id, 0)
        if n:
            counts: OutcomeCounts = s.outcomes
            s = dataclasses.replace(s, outcomes=dataclasses.replace(
                counts, violated=counts.violated - n, waived=counts.waived + n))
        result.append(s)
    return tuple(result)
