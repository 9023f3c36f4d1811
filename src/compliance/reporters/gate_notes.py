"""Plain-text lines about waivers and the baseline, in the report's language, for human formats.

The text report prints them as one section after the findings (and a note on each waived or
new finding); other human formats can use the same lines.
"""

from __future__ import annotations

from typing import Any

from ..findings import Finding, Report, WaiverState, WaiverUse

_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "waivers": "Waivers", "baseline": "Baseline",
        "state": {"applied": "applied", "expired": "EXPIRED", "unused": "unused"},
        "applied": "{n} violation(s) waived",
        "expired": "expired on {expires}: {n} violation(s) no longer waived",
        "unused": "matched no violation",
        "pattern": "pattern {pattern}",
        "detail": "reason: {reason}; approved by {approved_by}; expires {expires}",
        "baseline_line": "{path} (as of {as_of}): {new} new violation(s), {unchanged} known, "
                         "{absent} of its {entries} no longer violated",
        "waived": "waived: {reason} (approved by {approved_by}, until {expires})",
        "new": "NEW", "known": "in baseline",
    },
    "zh": {
        "waivers": "豁免", "baseline": "基线",
        "state": {"applied": "已生效", "expired": "已过期", "unused": "未使用"},
        "applied": "豁免违规 {n} 项",
        "expired": "已于 {expires} 到期:{n} 项违规不再豁免",
        "unused": "没有匹配的违规",
        "pattern": "模式 {pattern}",
        "detail": "原因:{reason};批准人:{approved_by};有效期至 {expires}",
        "baseline_line": "{path}(判定时点 {as_of}):新增违规 {new} 项,已知 {unchanged} 项,"
                         "基线 {entries} 项中已消除 {absent} 项",
        "waived": "已豁免:{reason}(批准人 {approved_by},有效期至 {expires})",
        "new": "新增", "known": "基线已有",
    },
}


def _words(lang: str) -> dict[str, Any]:
    return _WORDS["zh" if lang == "zh" else "en"]


def section(report: Report) -> list[str]:
    """The lines of the waivers and baseline section; empty without waivers or a baseline."""
    words = _words(report.lang)
    lines: list[str] = []
    if report.waivers is not None:
        lines.append(f"{words['waivers']} ({len(report.waivers)})")
        lines.extend(_waiver_line(use, words) for use in report.waivers)
    if report.baseline is not None:
        b = report.baseline
        lines.append(f"{words['baseline']}: " + str(words["baseline_line"]).format(
            path=b.path, as_of=b.as_of or "-", new=b.new, unchanged=b.unchanged,
            absent=b.absent, entries=b.entries))
    return lines


def _waiver_line(use: WaiverUse, words: dict[str, Any]) -> str:
    states = words["state"]
    target = use.subject if use.subject is not None else \
        str(words["pattern"]).format(pattern=use.pattern)
    if use.state is WaiverState.APPLIED:
        outcome = str(words["applied"]).format(n=use.matched)
    elif use.state is WaiverState.EXPIRED:
        outcome = str(words["expired"]).format(expires=use.expires, n=use.matched)
    else:
        outcome = str(words["unused"])
    detail = str(words["detail"]).format(reason=use.reason, approved_by=use.approved_by,
                                         expires=use.expires)
    return (f"  {states[use.state.value]:<8} {use.rule_id} {target}: {outcome}; {detail} "
            f"({use.file}:{use.line})")


def finding_note(finding: Finding, lang: str) -> str | None:
    """A short note on a waived finding (its waiver) or on a violation with a baseline."""
    words = _words(lang)
    if finding.waiver is not None:
        w = finding.waiver
        return str(words["waived"]).format(reason=w.reason, approved_by=w.approved_by,
                                           expires=w.expires)
    if finding.new is not None:
        return str(words["new"] if finding.new else words["known"])
    return None
