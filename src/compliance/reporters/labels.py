"""Headings and labels of the human formats (markdown, junit, github), in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Outcome, Report, RuleSummary, Severity, Status

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Compliance report", "as_of": "as of", "inputs": "Inputs",
        "records": "{records} records, {accepted} accepted, {rejected} rejected",
        "overall": "Overall compliance rate", "judged": "{compliant} of {judged} judged "
                                                        "instances compliant",
        "per_rule": "Per rule", "rule": "Rule", "name": "Title", "severity": "Severity",
        "status": "Status", "instances": "Instances", "compliant": "Compliant",
        "violated": "Violated", "pending": "Pending", "not_evaluated": "Not evaluated",
        "waived": "Waived", "cancelled": "Cancelled", "rate": "Compliance rate",
        "breakdowns": "Breakdowns", "site": "Site", "staff": "Staff", "week": "Week",
        "month": "Month", "by_site": "Per site", "by_staff": "Per staff", "by_week": "Per week",
        "by_month": "Per month", "none": "(none)",
        "findings": "Findings", "no_findings": "No findings.", "outcome": "Outcome",
        "subject": "Subject", "start": "Start", "due": "Due", "stop": "Stop",
        "late": "Late by", "message": "Message", "evidence": "Evidence", "reason": "Reason",
        "waiver": "Waiver", "approved_by": "approved by", "expires": "expires",
        "baseline_known": "known in the baseline",
        "pass": "PASS: no violation of a stable rule at or above {sev}",
        "fail": "FAIL: {n} violation(s) of stable rules at or above {sev}",
        "no_gate": "Gate off (--fail-on none)",
        "compliant_instances": "{n} compliant instance(s)",
        "no_instances": "no instances",
        "summary_line": "compliance: {violated} violation(s), {failing} failing the gate "
                        "(--fail-on {sev}); {pending} pending, {not_evaluated} not evaluated, "
                        "{waived} waived",
    },
    "zh": {
        "title": "合规检查报告", "as_of": "判定时点", "inputs": "输入",
        "records": "记录 {records} 条,接受 {accepted} 条,拒收 {rejected} 条",
        "overall": "总体合规率", "judged": "已判定实例 {judged} 个,其中合规 {compliant} 个",
        "per_rule": "按规则", "rule": "规则", "name": "标题", "severity": "严重度",
        "status": "状态", "instances": "实例", "compliant": "合规", "violated": "违规",
        "pending": "未到期", "not_evaluated": "无法判定", "waived": "已豁免",
        "cancelled": "已撤销", "rate": "合规率",
        "breakdowns": "分项统计", "site": "案场", "staff": "员工", "week": "周",
        "month": "月", "by_site": "按案场", "by_staff": "按员工", "by_week": "按周",
        "by_month": "按月", "none": "(无)",
        "findings": "发现项", "no_findings": "没有发现项。", "outcome": "结果",
        "subject": "对象", "start": "开始", "due": "时限", "stop": "完成",
        "late": "逾期", "message": "说明", "evidence": "证据", "reason": "原因",
        "waiver": "豁免", "approved_by": "批准人", "expires": "有效期至",
        "baseline_known": "基线中已有",
        "pass": "通过:稳定规则中没有 {sev} 及以上的违规",
        "fail": "不通过:稳定规则中有 {n} 项 {sev} 及以上的违规",
        "no_gate": "未设门禁(--fail-on none)",
        "compliant_instances": "合规实例 {n} 个",
        "no_instances": "没有实例",
        "summary_line": "compliance:违规 {violated} 项,其中 {failing} 项触发门禁"
                        "(--fail-on {sev});未到期 {pending} 项,无法判定 {not_evaluated} 项,"
                        "已豁免 {waived} 项",
    },
}

OUTCOME_LABELS: dict[str, dict[Outcome, str]] = {
    "en": {Outcome.COMPLIANT: "compliant", Outcome.VIOLATED: "violated",
           Outcome.PENDING: "pending", Outcome.NOT_EVALUATED: "not evaluated",
           Outcome.WAIVED: "waived"},
    "zh": {Outcome.COMPLIANT: "合规", Outcome.VIOLATED: "违规", Outcome.PENDING: "未到期",
           Outcome.NOT_EVALUATED: "无法判定", Outcome.WAIVED: "已豁免"},
}


def words(report: Report) -> dict[str, str]:
    """The words of the report's language."""
    return WORDS["zh" if report.lang == "zh" else "en"]


def outcome_label(report: Report, outcome: Outcome) -> str:
    """An outcome in the report's language."""
    return OUTCOME_LABELS["zh" if report.lang == "zh" else "en"][outcome]


def rule_title(report: Report, summary: RuleSummary) -> str:
    """A rule's title in the report's language."""
    return summary.title if report.lang == "zh" else summary.title_en


def rate_text(rate: float | None) -> str:
    """`97.5%`, or `-` when nothing was judged."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


def overall(report: Report) -> tuple[int, int]:
    """(compliant, judged) over every rule; judged = compliant + violated + waived."""
    compliant = sum(s.outcomes.compliant for s in report.summary)
    judged = compliant + sum(s.outcomes.violated + s.outcomes.waived for s in report.summary)
    return compliant, judged


def short_time(stamp: str | None) -> str:
    """`2025-03-03T09:00:00+08:00` -> `2025-03-03 09:00`; empty for None."""
    return "" if stamp is None else stamp[:16].replace("T", " ")


def gated_rules(report: Report) -> frozenset[str]:
    """The rules that can fail the gate: the stable ones."""
    return frozenset(s.rule_id for s in report.summary if s.status is Status.STABLE)


def failing_ids(report: Report, fail_on: Severity | None) -> set[int]:
    """The `id()` of every finding that fails the gate (Report.failing)."""
    return {id(f) for f in report.failing(fail_on, gated_rules(report))}


def verdict(report: Report, fail_on: Severity | None) -> str:
    """The gate's verdict in the report's language."""
    w = words(report)
    if fail_on is None:
        return w["no_gate"]
    failing = report.failing(fail_on, gated_rules(report))
    if failing:
        return w["fail"].format(n=len(failing), sev=fail_on.value)
    return w["pass"].format(sev=fail_on.value)


def anchor(finding: Finding) -> tuple[str, int] | None:
    """The file and line of a finding's main evidence: its start event, else its stop, else the
    first evidence."""
    wanted = [p.id for p in (finding.start, finding.stop) if p is not None]
    for ident in wanted:
        for e in finding.evidence:
            if e.id == ident:
                return e.file, e.line
    if finding.evidence:
        return finding.evidence[0].file, finding.evidence[0].line
    return None


def by_rule(report: Report) -> Iterator[tuple[RuleSummary, list[Finding]]]:
    """Each rule's summary with its findings (report order), rules in summary order."""
    grouped: dict[str, list[Finding]] = {}
    for f in report.findings:
        grouped.setdefault(f.rule_id, []).append(f)
    for s in report.summary:
        yield s, grouped.get(s.rule_id, [])
