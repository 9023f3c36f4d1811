"""The HTML report for auditors: one self-contained file that works offline.

Headline figures, the per-rule table, breakdowns per site, staff, week and month, and bar charts
are written as static HTML and inline SVG. The findings go into a compact JSON data block that a
small inline script renders as a filterable, sortable table 200 rows at a time, so a report with
100,000 findings still opens in a few seconds. Nothing is loaded from elsewhere: no scripts,
fonts, styles or images. Every value from the report is escaped (HTML text, attributes, and `<`,
`>`, `&` inside the JSON block), and the script puts values in the page only as text.

The file is written piece by piece to the stream, the findings one by one.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import IO, Any

import orjson

from ..breakdowns import compute as compute_breakdowns
from ..durations import human_span, parse_iso_duration
from ..findings import Finding, Outcome, Report, Severity, Status

_OUTCOMES = (Outcome.VIOLATED, Outcome.WAIVED, Outcome.PENDING, Outcome.NOT_EVALUATED,
             Outcome.COMPLIANT)
_SEVERITIES = tuple(Severity)
_MAX_REJECTIONS = 200
_CHART_RULES = 30
_NONE = "—"

# Lateness histogram bins: (upper bound in hours, label key); the last bin is open.
_LATE_BINS: tuple[tuple[float, str], ...] = (
    (1, "lt1h"), (4, "1to4h"), (8, "4to8h"), (24, "8to24h"), (48, "1to2d"), (168, "2to7d"),
    (720, "7to30d"), (float("inf"), "ge30d"),
)

_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Compliance report", "as_of": "As of", "tool": "Tool", "lang": "en",
        "inputs": "Inputs", "path": "File", "format": "Format", "records": "Records",
        "accepted": "Accepted", "rejected": "Rejected", "after_as_of": "After as-of (ignored)",
        "digest": "Rule pack digest", "rules_run": "Rules run",
        "headline": "Headline", "instances": "Instances", "findings_n": "Findings",
        "rate": "Compliance rate", "overall": "overall",
        "rate_note": "Compliance rate = compliant / (compliant + violated + waived); pending "
                     "and not-evaluated instances are neither passes nor failures.",
        "rules": "Rules", "rule": "Rule", "name": "Title", "severity": "Severity",
        "status": "Status", "kind": "Kind", "cancelled": "Cancelled",
        "notes": "Notes", "draft": "draft: never fails the gate",
        "breakdowns": "Breakdowns", "by_site": "Per site", "by_staff": "Per staff",
        "by_week": "Per week", "by_month": "Per month", "site": "Site", "staff": "Staff",
        "week": "Week", "month": "Month",
        "breakdown_note": "Every instance of every rule, compliant ones included, dated by its "
                          "start event (else its stop event, else just before its due time); "
                          "— stands for no site, staff or date.",
        "charts": "Charts", "chart_rule": "Violations per rule",
        "chart_site": "Violations per site",
        "chart_late": "Lateness of violations (how far past the due time)",
        "no_data": "Nothing to chart.", "other_rules": "{n} other rules",
        "status_of": {"stable": "stable", "draft": "draft", "deprecated": "deprecated"},
        "waivers": "Waivers", "subject_or_pattern": "Subject or pattern", "reason": "Reason",
        "approved_by": "Approved by", "expires": "Expires", "waiver_state": "State",
        "w_matched": "Violations covered", "where": "File:line",
        "waiver_states": {"applied": "applied", "expired": "expired (no longer applies)",
                          "unused": "unused (matched nothing)"},
        "baseline": "Baseline {path}: {new} new violation(s), {unchanged} already in the "
                    "baseline, {absent} of its {entries} entries gone",
        "late_bins": {"lt1h": "< 1 h", "1to4h": "1–4 h", "4to8h": "4–8 h", "8to24h": "8–24 h",
                      "1to2d": "1–2 d", "2to7d": "2–7 d", "7to30d": "7–30 d", "ge30d": "≥ 30 d"},
        "findings": "Findings", "filter_rule": "Rule", "filter_outcome": "Outcome",
        "filter_site": "Site", "filter_staff": "Staff", "filter_text": "Search",
        "search_hint": "subject, event id, message …",
        "prev": "Previous", "next": "Next", "page": "Page {page} of {pages}",
        "showing": "Showing {from}–{to} of {matched} matching, {total} findings in all",
        "empty": "No finding matches the filters.",
        "noscript": "The findings table needs JavaScript; the JSON report lists every finding.",
        "click_hint": "Click a row for its timeline and evidence.",
        "rejections": "Rejected records", "more": "… and {n} more (see --format json)",
        "gate_pass": "PASS: no violation of a stable rule at or above {sev}",
        "gate_fail": "FAIL: {n} violation(s) of stable rules at or above {sev}",
        "gate_off": "Gate off (--fail-on none)",
        "outcome": {"violated": "Violated", "waived": "Waived", "pending": "Pending",
                    "not_evaluated": "Not evaluated", "compliant": "Compliant"},
        "sev": {"critical": "critical", "high": "high", "medium": "medium", "low": "low",
                "info": "info"},
        "js": {
            "col": {"n": "#", "rule": "Rule", "severity": "Severity", "outcome": "Outcome",
                    "subject": "Subject", "site": "Site", "staff": "Staff", "start": "Start",
                    "due": "Due", "stop": "Stop", "late": "Late by"},
            "all": "(all)", "none": "(none)", "period": "Period", "due_basis": "Due time from",
            "reason": "Reason", "waiver": "Waiver", "timeline": "Timeline", "start": "start",
            "stop": "stop", "due": "due", "earliest": "may end from",
            "open_at_as_of": "still open at the report's as-of time", "elapsed": "elapsed",
            "paused": "paused", "late": "late by", "short": "short by",
            "evidence": "Evidence events", "ev_id": "Event id", "ev_where": "File:line",
            "ev_type": "Type", "ev_time": "Time", "new": "new: not in the baseline",
            "known": "already in the baseline",
        },
    },
    "zh": {
        "title": "合规检查报告", "as_of": "判定时点", "tool": "工具", "lang": "zh-CN",
        "inputs": "输入", "path": "文件", "format": "格式", "records": "记录",
        "accepted": "接受", "rejected": "拒收", "after_as_of": "判定时点之后(忽略)",
        "digest": "规则包摘要", "rules_run": "检查的规则",
        "headline": "总体情况", "instances": "实例", "findings_n": "发现项",
        "rate": "合规率", "overall": "总体",
        "rate_note": "合规率 = 合规 /(合规 + 违规 + 已豁免);"
                     "未到期和无法判定的实例既不算通过也不算违规。",
        "rules": "各规则", "rule": "规则", "name": "标题", "severity": "严重度",
        "status": "状态", "kind": "类型", "cancelled": "已撤销",
        "notes": "说明", "draft": "草案规则:不影响门禁",
        "breakdowns": "分项统计", "by_site": "按案场", "by_staff": "按员工",
        "by_week": "按周", "by_month": "按月", "site": "案场", "staff": "员工",
        "week": "周", "month": "月",
        "breakdown_note": "统计全部规则的全部实例(含合规实例);日期取开始事件的时间,"
                          "无则取完成事件的时间,再无则取时限前一刻;— 表示无案场、员工或日期。",
        "charts": "图表", "chart_rule": "各规则违规数", "chart_site": "各案场违规数",
        "chart_late": "违规逾期时长分布(超过时限多久)",
        "no_data": "没有可绘制的数据。", "other_rules": "其他 {n} 条规则",
        "status_of": {"stable": "稳定", "draft": "草案", "deprecated": "已弃用"},
        "waivers": "豁免", "subject_or_pattern": "对象或模式", "reason": "原因",
        "approved_by": "批准人", "expires": "有效期至", "waiver_state": "状态",
        "w_matched": "覆盖的违规", "where": "文件:行",
        "waiver_states": {"applied": "已生效", "expired": "已过期(不再适用)",
                          "unused": "未使用(没有匹配项)"},
        "baseline": "基线 {path}:新增违规 {new} 项,基线中已有 {unchanged} 项,"
                    "基线的 {entries} 项中已消失 {absent} 项",
        "late_bins": {"lt1h": "< 1 小时", "1to4h": "1–4 小时", "4to8h": "4–8 小时",
                      "8to24h": "8–24 小时", "1to2d": "1–2 天", "2to7d": "2–7 天",
                      "7to30d": "7–30 天", "ge30d": "≥ 30 天"},
        "findings": "发现项", "filter_rule": "规则", "filter_outcome": "结果",
        "filter_site": "案场", "filter_staff": "员工", "filter_text": "搜索",
        "search_hint": "对象、事件编号、说明……",
        "prev": "上一页", "next": "下一页", "page": "第 {page} / {pages} 页",
        "showing": "显示第 {from}–{to} 条,符合条件 {matched} 条,发现项共 {total} 条",
        "empty": "没有符合筛选条件的发现项。",
        "noscript": "发现项表格需要启用 JavaScript;JSON 报告列出全部发现项。",
        "click_hint": "点击一行查看时间线和证据事件。",
        "rejections": "拒收的记录", "more": "……另有 {n} 条(见 --format json)",
        "gate_pass": "通过:稳定规则中没有 {sev} 及以上的违规",
        "gate_fail": "不通过:稳定规则中有 {n} 项 {sev} 及以上的违规",
        "gate_off": "未设门禁(--fail-on none)",
        "outcome": {"violated": "违规", "waived": "已豁免", "pending": "未到期",
                    "not_evaluated": "无法判定", "compliant": "合规"},
        "sev": {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"},
        "js": {
            "col": {"n": "序号", "rule": "规则", "severity": "严重度", "outcome": "结果",
                    "subject": "对象", "site": "案场", "staff": "员工", "start": "开始",
                    "due": "时限", "stop": "完成", "late": "逾期"},
            "all": "(全部)", "none": "(无)", "period": "期间", "due_basis": "时限依据",
            "reason": "原因", "waiver": "豁免", "timeline": "时间线", "start": "开始",
            "stop": "完成", "due": "时限", "earliest": "最早可结束",
            "open_at_as_of": "判定时点仍未完成", "elapsed": "用时", "paused": "暂停",
            "late": "逾期", "short": "不足", "evidence": "证据事件", "ev_id": "事件编号",
            "ev_where": "文件:行", "ev_type": "类型", "ev_time": "时间",
            "new": "新增:基线中没有", "known": "基线中已有",
        },
    },
}


def _e(value: object) -> str:
    """Text or attribute value, escaped for HTML."""
    return html.escape(str(value), quote=True)


def _json_block(value: object) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` can end it or open a comment."""
    data = orjson.dumps(value)
    data = data.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return data.decode("utf-8")


def _rate(counts: dict[str, int]) -> float | None:
    judged = counts["compliant"] + counts["violated"] + counts["waived"]
    return None if judged == 0 else counts["compliant"] / judged


def _pct(rate: float | None) -> str:
    return _NONE if rate is None else f"{rate * 100:.1f}%"


def _empty_counts() -> dict[str, int]:
    return {o.value: 0 for o in _OUTCOMES}


@dataclass
class _Tallies:
    """What one pass over the findings gathers for the static parts and the data block."""

    per_rule_violated: dict[str, int] = field(default_factory=dict)
    per_site_violated: dict[str, int] = field(default_factory=dict)
    late_bins: list[int] = field(default_factory=lambda: [0] * len(_LATE_BINS))
    files: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)


def _late_us(f: Finding) -> int | None:
    return None if f.overdue_by is None else parse_iso_duration(f.overdue_by)


def _tally(findings: Sequence[Finding]) -> _Tallies:
    t = _Tallies()
    for f in findings:
        if f.outcome is Outcome.VIOLATED:
            t.per_rule_violated[f.rule_id] = t.per_rule_violated.get(f.rule_id, 0) + 1
            site = f.site or _NONE
            t.per_site_violated[site] = t.per_site_violated.get(site, 0) + 1
            late = _late_us(f)
            if late is not None:
                hours = late / 3_600_000_000
                for i, (bound, _) in enumerate(_LATE_BINS):
                    if hours < bound:
                        t.late_bins[i] += 1
                        break
        for ev in f.evidence:
            t.files.add(ev.file)
            t.types.add(ev.type)
    return t


def write(report: Report, stream: IO[str], *, fail_on: Severity | None = None,
          **options: Any) -> None:
    """Write the HTML report to `stream`, piece by piece."""
    for piece in render(report, fail_on=fail_on):
        stream.write(piece)


def render(report: Report, *, fail_on: Severity | None = None) -> Iterator[str]:
    """The HTML report as a sequence of pieces whose concatenation is the file."""
    words = _WORDS["zh" if report.lang == "zh" else "en"]
    tallies = _tally(report.findings)
    yield from _head(report, words)
    yield from _headline(report, words, fail_on)
    yield from _rules(report, words)
    yield from _breakdowns(report, words)
    yield from _charts(report, words, tallies)
    yield from _findings(report, words, tallies)
    yield from _waivers(report, words)
    yield from _rejections(report, words)
    yield "</main>\n"
    js_words = words["js"] | {"outcome": words["outcome"], "sev": words["sev"]}
    yield f'<script type="application/json" id="report-words">{_json_block(js_words)}</script>\n'
    yield '<script type="application/json" id="report-data">'
    yield from _data_block(report, tallies)
    yield "</script>\n<script>\n"
    yield _asset("report.js")
    yield "</script>\n</body>\n</html>\n"


def _asset(name: str) -> str:
    return (resources.files(__package__) / "html_assets" / name).read_text(encoding="utf-8")


def _head(report: Report, words: dict[str, Any]) -> Iterator[str]:
    yield "<!DOCTYPE html>\n"
    yield f'<html lang="{_e(words["lang"])}">\n<head>\n<meta charset="utf-8">\n'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    # No request may leave the file: a policy that forbids every fetch except inline code.
    yield ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n")
    yield f"<title>{_e(words['title'])} · {_e(report.as_of)}</title>\n"
    yield f"<style>\n{_asset('report.css')}</style>\n</head>\n<body>\n"
    yield '<div id="js-errors" role="alert"></div>\n<main>\n<header>\n'
    yield f'<h1 id="title">{_e(words["title"])}</h1>\n'
    yield (f'<p class="meta"><span>{_e(words["as_of"])}: <b id="as-of">{_e(report.as_of)}</b>'
           f"</span> · <span>{_e(words['tool'])}: {_e(report.tool.name)} "
           f"{_e(report.tool.version)}</span> · <span>{_e(words['rules_run'])}: "
           f"{len(report.rules.ids)}</span> · <span>{_e(words['digest'])}: "
           f"<code>{_e(report.rules.digest)}</code></span></p>\n")
    yield f'<table id="inputs"><caption class="note">{_e(words["inputs"])}</caption>\n<thead><tr>'
    for key in ("path", "format", "records", "accepted", "rejected", "after_as_of"):
        cls = "" if key in ("path", "format") else ' class="n"'
        yield f"<th{cls}>{_e(words[key])}</th>"
    yield "</tr></thead>\n<tbody>\n"
    for item in report.inputs:
        yield (f"<tr><td>{_e(item.path)}</td><td>{_e(item.format)}</td>"
               f'<td class="n">{item.records}</td><td class="n">{item.accepted}</td>'
               f'<td class="n">{item.rejected}</td><td class="n">{item.after_as_of}</td></tr>\n')
    yield "</tbody></table>\n</header>\n"


def _headline(report: Report, words: dict[str, Any], fail_on: Severity | None) -> Iterator[str]:
    totals = _empty_counts()
    instances = 0
    for s in report.summary:
        instances += s.instances
        for o in _OUTCOMES:
            totals[o.value] += getattr(s.outcomes, o.value)
    rate = _rate(totals)
    yield f'<section id="headline">\n<h2>{_e(words["headline"])}</h2>\n<div class="cards">\n'
    cards: list[tuple[str, str, str, str]] = [
        ("instances", words["instances"], str(instances), str(instances)),
    ]
    cards += [(o.value, words["outcome"][o.value], str(totals[o.value]), str(totals[o.value]))
              for o in _OUTCOMES]
    cards.append(("rate", f"{words['rate']}({words['overall']})" if report.lang == "zh"
                  else f"{words['rate']} ({words['overall']})", _pct(rate),
                  "" if rate is None else f"{rate:.6f}"))
    cards.append(("findings", words["findings_n"], str(len(report.findings)),
                  str(len(report.findings))))
    for key, label, shown, raw in cards:
        yield (f'<div class="card {key}"><div class="label">{_e(label)}</div>'
               f'<div class="value" id="h-{key}" data-value="{_e(raw)}">{_e(shown)}</div></div>\n')
    yield "</div>\n"
    yield f'<p class="note">{_e(words["rate_note"])}</p>\n'
    baseline = getattr(report, "baseline", None)
    if baseline is not None:
        text = words["baseline"].format(path=baseline.path, new=baseline.new,
                                        unchanged=baseline.unchanged, absent=baseline.absent,
                                        entries=baseline.entries)
        yield f'<p class="note" id="baseline">{_e(text)}</p>\n'
    if fail_on is None:
        yield f'<p class="verdict" id="verdict">{_e(words["gate_off"])}</p>\n'
    else:
        gated = frozenset(s.rule_id for s in report.summary if s.status is Status.STABLE)
        failing = report.failing(fail_on, gated)
        if failing:
            text = words["gate_fail"].format(n=len(failing), sev=fail_on.value)
            yield f'<p class="verdict fail" id="verdict">{_e(text)}</p>\n'
        else:
            text = words["gate_pass"].format(sev=fail_on.value)
            yield f'<p class="verdict pass" id="verdict">{_e(text)}</p>\n'
    yield "</section>\n"


def _counts_header(words: dict[str, Any]) -> str:
    return "".join(f'<th class="n">{_e(words["outcome"][o.value])}</th>' for o in _OUTCOMES)


def _rules(report: Report, words: dict[str, Any]) -> Iterator[str]:
    yield f'<section id="rules">\n<h2>{_e(words["rules"])}</h2>\n<div class="scroll">\n'
    yield '<table id="rules-table"><thead><tr>'
    yield f"<th>{_e(words['rule'])}</th><th>{_e(words['name'])}</th>"
    yield f"<th>{_e(words['severity'])}</th><th>{_e(words['status'])}</th>"
    yield f'<th class="n">{_e(words["instances"])}</th>{_counts_header(words)}'
    yield f'<th class="n">{_e(words["cancelled"])}</th><th class="n">{_e(words["rate"])}</th>'
    yield "</tr></thead>\n<tbody>\n"
    for s in report.summary:
        title = s.title if report.lang == "zh" else s.title_en
        cells = "".join(f'<td class="n" data-col="{o.value}">{getattr(s.outcomes, o.value)}</td>'
                        for o in _OUTCOMES)
        raw = "" if s.compliance_rate is None else f"{s.compliance_rate:.6f}"
        yield (f'<tr data-rule="{_e(s.rule_id)}"><td class="id">{_e(s.rule_id)}</td>'
               f"<td>{_e(title)}</td>"
               f"<td>{_e(words['sev'][s.severity.value])}</td>"
               f"<td>{_e(words['status_of'][s.status.value])}</td>"
               f'<td class="n" data-col="instances">{s.instances}</td>{cells}'
               f'<td class="n" data-col="cancelled">{s.cancelled}</td>'
               f'<td class="n" data-col="rate" data-value="{raw}">{_pct(s.compliance_rate)}'
               "</td></tr>\n")
    yield "</tbody></table>\n</div>\n"
    drafts = [s.rule_id for s in report.summary if s.status is not Status.STABLE]
    if drafts:
        yield (f'<p class="note" id="drafts">{_e(words["status_of"]["draft"])} '
               f'({len(drafts)}): {_e(words["draft"])}</p>\n')
    notes = [(s.rule_id, n) for s in report.summary for n in s.notes]
    if notes:
        yield f'<h3>{_e(words["notes"])}</h3>\n<ul id="rule-notes">\n'
        for rule_id, note in notes:
            yield f"<li><b>{_e(rule_id)}</b>: {_e(note)}</li>\n"
        yield "</ul>\n"
    yield "</section>\n"


def _breakdowns(report: Report, words: dict[str, Any]) -> Iterator[str]:
    # The report's own breakdowns (every instance, compliant ones included); a report built by
    # hand without them gets those of its findings.
    breakdowns = report.breakdowns or compute_breakdowns(report.findings)
    yield f'<section id="breakdowns">\n<h2>{_e(words["breakdowns"])}</h2>\n'
    yield f'<p class="note">{_e(words["breakdown_note"])}</p>\n<div class="grid">\n'
    for dim, title in (("site", "by_site"), ("staff", "by_staff"), ("month", "by_month"),
                       ("week", "by_week")):
        yield f'<div><h3>{_e(words[title])}</h3>\n<div class="scroll">\n'
        yield (f'<table id="by-{dim}"><thead><tr><th>{_e(words[dim])}</th>'
               f'<th class="n">{_e(words["instances"])}</th>{_counts_header(words)}'
               f'<th class="n">{_e(words["rate"])}</th></tr></thead>\n<tbody>\n')
        for row in breakdowns.rows(dim):
            key = _NONE if row.key is None else row.key
            cells = "".join(f'<td class="n" data-col="{o.value}">{getattr(row, o.value)}</td>'
                            for o in _OUTCOMES)
            raw = "" if row.compliance_rate is None else f"{row.compliance_rate:.6f}"
            yield (f'<tr data-key="{_e(key)}"><td>{_e(key)}</td>'
                   f'<td class="n" data-col="instances">{row.instances}</td>{cells}'
                   f'<td class="n" data-col="rate" data-value="{raw}">'
                   f"{_pct(row.compliance_rate)}</td></tr>\n")
        yield "</tbody></table>\n</div>\n</div>\n"
    yield "</div>\n</section>\n"


def _hbar_chart(chart_id: str, title: str, items: Sequence[tuple[str, int]],
                empty: str) -> Iterator[str]:
    yield f'<figure id="{chart_id}"><figcaption><b>{_e(title)}</b></figcaption>\n'
    if not items:
        yield f'<p class="note">{_e(empty)}</p></figure>\n'
        return
    label_w, bar_w, row_h = 190, 420, 20
    top = max(v for _, v in items) or 1
    height = row_h * len(items) + 8
    width = label_w + bar_w + 70
    yield (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">\n')
    for i, (label, value) in enumerate(items):
        y = 4 + i * row_h
        w = max(1.0, bar_w * value / top)
        shown = label if len(label) <= 28 else label[:27] + "…"
        yield (f'<g data-label="{_e(label)}" data-value="{value}"><title>{_e(label)}: {value}'
               f'</title><text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_e(shown)}</text>'
               f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}"/>'
               f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{value}</text></g>\n')
    yield "</svg></figure>\n"


def _vbar_chart(chart_id: str, title: str, items: Sequence[tuple[str, int]],
                empty: str) -> Iterator[str]:
    yield f'<figure id="{chart_id}"><figcaption><b>{_e(title)}</b></figcaption>\n'
    if not any(v for _, v in items):
        yield f'<p class="note">{_e(empty)}</p></figure>\n'
        return
    col_w, bar_h, base = 76, 160, 186
    width, height = col_w * len(items) + 20, base + 24
    top = max(v for _, v in items) or 1
    yield (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">\n')
    yield f'<line class="axis" x1="10" y1="{base}" x2="{width - 10}" y2="{base}"/>\n'
    for i, (label, value) in enumerate(items):
        x = 10 + i * col_w
        h = bar_h * value / top
        yield (f'<g data-label="{_e(label)}" data-value="{value}"><title>{_e(label)}: {value}'
               f'</title><rect class="bar" x="{x + 10}" y="{base - h:.1f}" width="{col_w - 20}" '
               f'height="{h:.1f}"/><text x="{x + col_w / 2:.1f}" y="{base - h - 4:.1f}" '
               f'text-anchor="middle">{value}</text><text x="{x + col_w / 2:.1f}" '
               f'y="{base + 16}" text-anchor="middle">{_e(label)}</text></g>\n')
    yield "</svg></figure>\n"


def _charts(report: Report, words: dict[str, Any], tallies: _Tallies) -> Iterator[str]:
    yield f'<section id="charts">\n<h2>{_e(words["charts"])}</h2>\n<div class="grid">\n'
    per_site = sorted(tallies.per_site_violated.items(), key=lambda kv: (kv[0] == _NONE, kv[0]))
    yield from _hbar_chart("chart-site", words["chart_site"], per_site, words["no_data"])
    bins = [(words["late_bins"][key], n) for (_, key), n in zip(_LATE_BINS, tallies.late_bins,
                                                                 strict=True)]
    yield from _vbar_chart("chart-late", words["chart_late"], bins, words["no_data"])
    # The rules with most violations, the rest in one bar: the rule table lists every count.
    per_rule = sorted(tallies.per_rule_violated.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(per_rule) > _CHART_RULES:
        rest = per_rule[_CHART_RULES - 1:]
        per_rule = per_rule[:_CHART_RULES - 1]
        per_rule.append((words["other_rules"].format(n=len(rest)), sum(n for _, n in rest)))
    yield from _hbar_chart("chart-rule", words["chart_rule"], per_rule, words["no_data"])
    yield "</div>\n</section>\n"


def _findings(report: Report, words: dict[str, Any], tallies: _Tallies) -> Iterator[str]:
    yield f'<section id="findings">\n<h2>{_e(words["findings"])}</h2>\n'
    yield '<div class="controls">\n'
    for key in ("rule", "outcome", "site", "staff"):
        yield (f'<label>{_e(words["filter_" + key])} <select id="f-{key}"></select></label>\n')
    yield (f'<label>{_e(words["filter_text"])} <input id="f-q" type="search" '
           f'placeholder="{_e(words["search_hint"])}"></label>\n</div>\n')
    yield '<p class="tally" id="f-tally"></p>\n'
    yield (f'<div class="pager"><button type="button" id="f-prev">{_e(words["prev"])}</button>'
           f'<span>{_slots(words["page"], "page", "pages")}</span>'
           f'<button type="button" id="f-next">{_e(words["next"])}</button>'
           f'<span class="note">{_slots(words["showing"], "from", "to", "matched", "total")}'
           "</span></div>\n")
    yield f'<p class="note">{_e(words["click_hint"])}</p>\n'
    yield f'<noscript><p>{_e(words["noscript"])}</p></noscript>\n'
    yield ('<table id="f-table"><thead><tr id="f-head"></tr></thead>'
           '<tbody id="f-rows"></tbody></table>\n')
    yield f'<p class="note" id="f-empty" hidden>{_e(words["empty"])}</p>\n</section>\n'


def _waivers(report: Report, words: dict[str, Any]) -> Iterator[str]:
    uses = getattr(report, "waivers", None)
    if not uses:
        return
    yield f'<section id="waivers">\n<h2>{_e(words["waivers"])} ({len(uses)})</h2>\n'
    yield '<div class="scroll">\n<table id="waivers-table"><thead><tr>'
    for key in ("rule", "subject_or_pattern", "reason", "approved_by", "expires", "waiver_state"):
        yield f"<th>{_e(words[key])}</th>"
    yield f'<th class="n">{_e(words["w_matched"])}</th><th>{_e(words["where"])}</th></tr></thead>\n'
    yield "<tbody>\n"
    for use in uses:
        state = str(getattr(use.state, "value", use.state))
        target = use.subject if use.subject is not None else (use.pattern or "")
        yield (f'<tr data-state="{_e(state)}"><td class="id">{_e(use.rule_id)}</td>'
               f"<td>{_e(target)}</td><td>{_e(use.reason)}</td><td>{_e(use.approved_by)}</td>"
               f"<td>{_e(use.expires)}</td>"
               f'<td class="w-{_e(state)}">{_e(words["waiver_states"].get(state, state))}</td>'
               f'<td class="n" data-col="matched">{use.matched}</td>'
               f"<td><code>{_e(use.file)}:{use.line}</code></td></tr>\n")
    yield "</tbody></table>\n</div>\n</section>\n"


def _slots(template: str, *names: str) -> str:
    """The escaped template with each `{name}` made an empty `<b id="f-name">` for the script."""
    out = _e(template)
    for name in names:
        out = out.replace("{" + name + "}", f'<b id="f-{name}"></b>')
    return out


def _rejections(report: Report, words: dict[str, Any]) -> Iterator[str]:
    rejections = [r for i in report.inputs for r in i.rejections]
    if not rejections:
        return
    yield (f'<section id="rejections">\n<h2>{_e(words["rejections"])} ({len(rejections)})</h2>\n'
           "<ul>\n")
    for r in rejections[:_MAX_REJECTIONS]:
        yield f"<li><code>{_e(r.file)}:{r.line}</code>: {_e(r.reason)}</li>\n"
    yield "</ul>\n"
    if len(rejections) > _MAX_REJECTIONS:
        more = words["more"].format(n=len(rejections) - _MAX_REJECTIONS)
        yield f'<p class="note">{_e(more)}</p>\n'
    yield "</section>\n"


def _data_block(report: Report, tallies: _Tallies) -> Iterator[str]:
    titles = {s.rule_id: (s.title if report.lang == "zh" else s.title_en) for s in report.summary}
    rule_ids = sorted({f.rule_id for f in report.findings})
    severities = {f.rule_id: f.severity.value for f in report.findings}
    names = {f.rule_id: f.rule_name for f in report.findings}
    rules = [[r, names[r], severities[r], titles.get(r, names[r])] for r in rule_ids]
    sites = sorted({f.site for f in report.findings if f.site})
    staff = sorted({f.staff for f in report.findings if f.staff})
    files = sorted(tallies.files)
    types = sorted(tallies.types)
    head = {"as_of": report.as_of, "outcomes": [o.value for o in _OUTCOMES], "rules": rules,
            "sites": sites, "staff": staff, "files": files, "types": types}
    yield _json_block(head)[:-1] + ',"f":[\n'
    index = _Index(rule_ids, sites, staff, files, types)
    first = True
    for f in report.findings:
        row = _json_block(_finding_row(f, index, report.lang))
        yield row if first else ",\n" + row
        first = False
    yield "\n]}"


@dataclass
class _Index:
    rules: dict[str, int]
    sites: dict[str, int]
    staff: dict[str, int]
    files: dict[str, int]
    types: dict[str, int]
    outcomes: dict[str, int]

    def __init__(self, rules: Iterable[str], sites: Iterable[str], staff: Iterable[str],
                 files: Iterable[str], types: Iterable[str]) -> None:
        self.rules = {v: i for i, v in enumerate(rules)}
        self.sites = {v: i for i, v in enumerate(sites)}
        self.staff = {v: i for i, v in enumerate(staff)}
        self.files = {v: i for i, v in enumerate(files)}
        self.types = {v: i for i, v in enumerate(types)}
        self.outcomes = {o.value: i for i, o in enumerate(_OUTCOMES)}


def _span(iso: str | None, lang: str) -> str | None:
    return None if iso is None else human_span(parse_iso_duration(iso), lang)


def _finding_row(f: Finding, index: _Index, lang: str) -> list[Any]:
    """One finding as a compact array; report.js reads it by position."""
    late = _late_us(f)
    waiver = _waiver_text(getattr(f, "waiver", None))
    return [
        index.rules[f.rule_id],                                  # 0 rule
        index.outcomes[f.outcome.value],                         # 1 outcome
        f.subject,                                               # 2
        index.sites[f.site] if f.site else -1,                   # 3
        index.staff[f.staff] if f.staff else -1,                 # 4
        f.start.id if f.start else None,                         # 5
        f.start.time if f.start else None,                       # 6
        f.stop.id if f.stop else None,                           # 7
        f.stop.time if f.stop else None,                         # 8
        f.due,                                                   # 9
        None if late is None else late // 1_000_000,             # 10 late, seconds
        _span(f.overdue_by, lang),                               # 11
        _span(f.elapsed, lang),                                  # 12
        _span(f.paused, lang),                                   # 13
        _span(f.short_by, lang),                                 # 14
        f.message,                                               # 15
        f.period,                                                # 16
        f.reason,                                                # 17
        f.due_basis,                                             # 18
        [[ev.id, index.files[ev.file], ev.line, index.types[ev.type], ev.time]
         for ev in f.evidence],                                  # 19
        waiver,                                                  # 20
        getattr(f, "new", None),                                 # 21 new since the baseline
    ]


def _waiver_text(waiver: object) -> str | None:
    """The waiver that covers a waived finding, in one line: reason, approver, expiry, place."""
    if waiver is None:
        return None
    parts = [str(getattr(waiver, name)) for name in ("reason", "approved_by", "expires")
             if getattr(waiver, name, None)]
    place = getattr(waiver, "file", None)
    if place:
        parts.append(f"{place}:{getattr(waiver, 'line', '')}")
    return " · ".join(parts) if parts else str(waiver)
