"""The text report for a terminal: per-rule summary table, then findings, rejections, verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..breakdowns import DIMENSIONS
from ..durations import human_span, parse_iso_duration
from ..findings import Finding, Report, Severity, Status
from . import gate_notes, labels

_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Compliance report", "as_of": "as of", "inputs": "Inputs",
        "records": "{records} records, {accepted} accepted, {rejected} rejected",
        "after": ", {after} after as-of (ignored)",
        "rule": "Rule", "name": "Title", "severity": "Severity", "instances": "Instances",
        "compliant": "Compliant", "violated": "Violated", "pending": "Pending",
        "not_evaluated": "Not eval.", "cancelled": "Cancelled", "rate": "Rate",
        "waived": "Waived",
        "findings": "Findings", "no_findings": "No findings.",
        "start": "start", "due": "due", "earliest": "not before", "count": "count",
        "value": "value", "stop": "stop", "late": "late by",
        "short": "short by", "reason": "reason",
        "rejections": "Rejected records", "more": "... and {n} more (see --format json)",
        "notes": "Notes", "draft": "draft: never fails the gate",
        "pass": "PASS: no violation of a stable rule at or above {sev}",
        "fail": "FAIL: {n} violation(s) of stable rules at or above {sev}",
        "no_gate": "Gate off (--fail-on none)",
        "outcome": {"violated": "VIOLATED", "pending": "pending", "not_evaluated": "not eval.",
                    "waived": "waived", "compliant": "ok"},
    },
    "zh": {
        "title": "合规检查报告", "as_of": "判定时点", "inputs": "输入",
        "records": "记录 {records} 条,接受 {accepted} 条,拒收 {rejected} 条",
        "after": ",判定时点之后 {after} 条(忽略)",
        "rule": "规则", "name": "标题", "severity": "严重度", "instances": "实例",
        "compliant": "合规", "violated": "违规", "pending": "未到期",
        "not_evaluated": "无法判定", "cancelled": "已撤销", "rate": "合规率",
        "waived": "已豁免",
        "findings": "发现项", "no_findings": "没有发现项。",
        "start": "开始", "due": "时限", "earliest": "最早结束", "count": "次数",
        "value": "指标", "stop": "完成", "late": "逾期",
        "short": "不足", "reason": "原因",
        "rejections": "拒收的记录", "more": "……另有 {n} 条(见 --format json)",
        "notes": "说明", "draft": "草案规则:不影响门禁",
        "pass": "通过:稳定规则中没有 {sev} 及以上的违规",
        "fail": "不通过:稳定规则中有 {n} 项 {sev} 及以上的违规",
        "no_gate": "未设门禁(--fail-on none)",
        "outcome": {"violated": "违规", "pending": "未到期", "not_evaluated": "无法判定",
                    "waived": "已豁免", "compliant": "合规"},
    },
}
_STYLE = {"violated": "bold red", "pending": "yellow", "not_evaluated": "magenta",
          "waived": "cyan", "compliant": "green"}
_MAX_REJECTIONS = 20


def write(report: Report, stream: IO[str], *, fail_on: Severity | None,
          color: bool = False, **options: Any) -> None:
    """Write the text report; colours only when `color` (a terminal)."""
    words = _WORDS["zh" if report.lang == "zh" else "en"]
    console = Console(file=stream, force_terminal=color, no_color=not color,
                      color_system="auto" if color else None, width=120 if not color else None,
                      highlight=False, soft_wrap=True)
    console.print(f"[bold]{words['title']}[/bold]  {report.tool.name} {report.tool.version}  "
                  f"{words['as_of']} {report.as_of}")
    for item in report.inputs:
        line = words["records"].format(records=f"{item.records:,}", accepted=f"{item.accepted:,}",
                                       rejected=f"{item.rejected:,}")
        if item.after_as_of:
            line += words["after"].format(after=f"{item.after_as_of:,}")
        console.print(f"{words['inputs']}: {escape(item.path)} ({item.format}): {line}")
    console.print()
    console.print(_summary_table(report, words))
    _breakdowns(console, report)
    notes = [(s.rule_id, n) for s in report.summary for n in s.notes]
    notes += [(s.rule_id, words["draft"]) for s in report.summary if s.status is not Status.STABLE]
    if notes:
        console.print(f"[bold]{words['notes']}[/bold]")
        for rule_id, note in notes:
            console.print(f"  {rule_id}: {escape(note)}")
    console.print()
    _findings(console, report, words)
    notes_lines = gate_notes.section(report)
    for line in notes_lines:
        console.print(escape(line))
    if notes_lines:
        console.print()
    _rejections(console, report, words)
    _verdict(console, report, words, fail_on)


def _summary_table(report: Report, words: Mapping[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    # A waived column only when waivers were given or a finding is waived.
    waived = report.waivers is not None or any(s.outcomes.waived for s in report.summary)
    for column in ("rule", "name", "severity", "instances", "compliant", "violated",
                   *(("waived",) if waived else ()), "pending", "not_evaluated", "cancelled",
                   "rate"):
        justify: Literal["left", "right"] = (
            "left" if column in ("rule", "name", "severity") else "right"
        )
        if column == "name":
            # fold: a Chinese title has no spaces to wrap at and would be cut short.
            table.add_column(str(words[column]), justify=justify, min_width=30, ratio=1,
                             overflow="fold")
        else:
            table.add_column(str(words[column]), justify=justify, no_wrap=True)
    for s in report.summary:
        rate = "-" if s.compliance_rate is None else f"{s.compliance_rate * 100:.1f}%"
        violated = str(s.outcomes.violated)
        table.add_row(
            s.rule_id, escape(s.title if report.lang == "zh" else s.title_en), s.severity.value,
            str(s.instances), str(s.outcomes.compliant),
            f"[red]{violated}[/red]" if s.outcomes.violated else violated,
            *((str(s.outcomes.waived),) if waived else ()), str(s.outcomes.pending),
            str(s.outcomes.not_evaluated), str(s.cancelled), rate,
        )
    return table


def _breakdowns(console: Console, report: Report) -> None:
    """Per site, staff, week and month: instances, each outcome and the compliance rate."""
    if report.breakdowns is None:
        return
    w = labels.words(report)
    # As in the summary table: a waived column only when the check had waivers.
    waived = report.waivers is not None or any(s.outcomes.waived for s in report.summary)
    console.print(f"[bold]{w['breakdowns']}[/bold]")
    for dimension in DIMENSIONS:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                      title=w["by_" + dimension], title_justify="left")
        table.add_column(w[dimension], no_wrap=True)
        columns = ("instances", "compliant", "violated", "pending", "not_evaluated",
                   *(("waived",) if waived else ()), "rate")
        for column in columns:
            table.add_column(w[column], justify="right", no_wrap=True)
        for r in report.breakdowns.rows(dimension):
            counts = [r.instances, r.compliant, r.violated, r.pending, r.not_evaluated,
                      *((r.waived,) if waived else ())]
            table.add_row(escape(w["none"] if r.key is None else r.key),
                          *(str(n) for n in counts), labels.rate_text(r.compliance_rate))
        console.print(table)
    console.print()


def _findings(console: Console, report: Report, words: Mapping[str, Any]) -> None:
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.outcome.value] = counts.get(f.outcome.value, 0) + 1
    labels: dict[str, str] = words["outcome"]
    tally = ", ".join(f"{labels[o]} {n}" for o, n in counts.items())
    console.print(f"[bold]{words['findings']}[/bold]" + (f" ({tally})" if tally else ""))
    if not report.findings:
        console.print(f"  {words['no_findings']}")
    current = None
    for f in report.findings:
        if f.rule_id != current:
            current = f.rule_id
            console.print(f"\n [bold]{f.rule_id}[/bold] {escape(f.rule_name)} ({f.severity.value})")
        console.print(_finding_line(f, words, labels, report.lang))
        if f.due_basis:
            console.print(f"             {escape(f.due_basis)}", style="dim")
    console.print()


def _span(iso: str, lang: str) -> str:
    return human_span(parse_iso_duration(iso), lang)


def _finding_line(f: Finding, words: Mapping[str, Any], labels: dict[str, str],
                  lang: str) -> str:
    style = _STYLE[f.outcome.value]
    label = labels[f.outcome.value]
    label += " " * max(0, 9 - cell_len(label))  # CJK labels are two cells wide per character
    parts = [f"  [{style}]{label}[/{style}]", escape(f.subject)]
    parts += [escape(v) for v in (f.site, f.staff) if v]
    if f.start:
        parts.append(f"{words['start']} {_short_time(f.start.time)}")
    if f.due:
        # A min_duration bound is the earliest allowed stop, not a due time.
        label = words["earliest"] if f.short_by else words["due"]
        parts.append(f"{label} {_short_time(f.due)}")
    if f.stop:
        parts.append(f"{words['stop']} {_short_time(f.stop.time)}")
    if f.count is not None:
        parts.append(f"{words['count']} {f.count}")
    if f.value is not None:
        share = f" ({f.numerator}/{f.denominator})" if f.numerator is not None else ""
        parts.append(f"{words['value']} {f.value * 100:.1f}%{share}")
    if f.overdue_by:
        parts.append(f"{words['late']} {_span(f.overdue_by, lang)}")
    if f.short_by:
        parts.append(f"{words['short']} {_span(f.short_by, lang)}")
    if f.reason:
        parts.append(f"{words['reason']}: {escape(f.reason)}")
    note = gate_notes.finding_note(f, lang)
    if note:
        parts.append(escape(note))
    return "  ".join(parts)


def _short_time(stamp: str) -> str:
    """`2025-03-03T09:00:00+08:00` → `2025-03-03 09:00` (the offset is the report's zone)."""
    return stamp[:16].replace("T", " ")


def _rejections(console: Console, report: Report, words: Mapping[str, Any]) -> None:
    rejections = [r for i in report.inputs for r in i.rejections]
    if not rejections:
        return
    console.print(f"[bold]{words['rejections']}[/bold] ({len(rejections)})")
    for r in rejections[:_MAX_REJECTIONS]:
        console.print(f"  {escape(r.file)}:{r.line}: {escape(r.reason)}")
    if len(rejections) > _MAX_REJECTIONS:
        console.print("  " + str(words["more"]).format(n=len(rejections) - _MAX_REJECTIONS))
    console.print()


def _verdict(console: Console, report: Report, words: Mapping[str, Any],
             fail_on: Severity | None) -> None:
    if fail_on is None:
        console.print(str(words["no_gate"]))
        return
    gated = frozenset(s.rule_id for s in report.summary if s.status is Status.STABLE)
    failing = report.failing(fail_on, gated)
    if failing:
        console.print(f"[bold red]{words['fail']}[/bold red]".format(n=len(failing),
                                                                      sev=fail_on.value))
    else:
        console.print(f"[bold green]{words['pass']}[/bold green]".format(sev=fail_on.value))



