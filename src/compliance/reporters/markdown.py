"""`--format markdown`: a report to read on a code-hosting site or paste into a document.

Headline (tool, as-of, inputs, overall compliance rate, the gate's verdict), the per-rule table
with compliance rates, breakdowns per site, staff, week and month, and a table of the findings,
written row by row. Headings and labels follow the report's language. Cell text is escaped:
Markdown and HTML characters are backslash-escaped or written as entities, line breaks become
`<br>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any

from ..breakdowns import DIMENSIONS
from ..durations import human_span, parse_iso_duration
from ..findings import Finding, Report, Severity
from . import labels

_ESCAPES = {"\\": "\\\\", "|": "\\|", "*": "\\*", "`": "\\`", "[": "\\[",
            "]": "\\]", "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#"}
_TABLE = str.maketrans(_ESCAPES)


def escape(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    if value is None:
        return ""
    text = str(value).translate(_TABLE)
    return text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(escape(c) for c in cells) + " |\n"


def _head(titles: Sequence[str], right: Sequence[bool]) -> str:
    rule = "|" + "|".join(" ---: " if r else " --- " for r in right) + "|\n"
    return _row(titles) + rule


def write(report: Report, stream: IO[str], *, fail_on: Severity | None = None,
          **options: Any) -> None:
    """Write the Markdown report."""
    w = labels.words(report)
    stream.write(f"# {w['title']}\n\n")
    stream.write(f"{escape(report.tool.name)} {escape(report.tool.version)} · "
                 f"{w['as_of']} {escape(report.as_of)}\n\n")
    compliant, judged = labels.overall(report)
    rate = labels.rate_text(compliant / judged if judged else None)
    judged_text = w["judged"].format(compliant=compliant, judged=judged)
    stream.write(f"**{w['overall']}: {rate}** ({judged_text})\n\n")
    stream.write(f"**{escape(labels.verdict(report, fail_on))}**\n\n")
    stream.write(f"## {w['inputs']}\n\n")
    for item in report.inputs:
        counts = w["records"].format(records=item.records, accepted=item.accepted,
                                     rejected=item.rejected)
        stream.write(f"- {escape(item.path)} ({escape(item.format)}): {counts}\n")
    stream.write("\n")
    _rules(report, stream, w)
    _breakdowns(report, stream, w)
    _findings(report, stream, w)


def _rules(report: Report, stream: IO[str], w: dict[str, str]) -> None:
    stream.write(f"## {w['per_rule']}\n\n")
    columns = ("rule", "name", "severity", "status", "instances", "compliant", "violated",
               "pending", "not_evaluated", "waived", "rate")
    stream.write(_head([w[c] for c in columns], [i >= 4 for i in range(len(columns))]))
    for s in report.summary:
        o = s.outcomes
        stream.write(_row((s.rule_id, labels.rule_title(report, s), s.severity.value,
                           s.status.value, s.instances, o.compliant, o.violated, o.pending,
                           o.not_evaluated, o.waived, labels.rate_text(s.compliance_rate))))
    stream.write("\n")


def _breakdowns(report: Report, stream: IO[str], w: dict[str, str]) -> None:
    if report.breakdowns is None:
        return
    stream.write(f"## {w['breakdowns']}\n\n")
    columns = ("instances", "compliant", "violated", "pending", "not_evaluated", "waived",
               "rate")
    for dimension in DIMENSIONS:
        stream.write(f"### {w['by_' + dimension]}\n\n")
        stream.write(_head([w[dimension], *(w[c] for c in columns)],
                           [False, *([True] * len(columns))]))
        for r in report.breakdowns.rows(dimension):
            stream.write(_row((w["none"] if r.key is None else r.key, r.instances, r.compliant,
                               r.violated, r.pending, r.not_evaluated, r.waived,
                               labels.rate_text(r.compliance_rate))))
        stream.write("\n")


def _late(f: Finding, lang: str) -> str:
    span = f.overdue_by or f.short_by
    return "" if span is None else human_span(parse_iso_duration(span), lang)


def _findings(report: Report, stream: IO[str], w: dict[str, str]) -> None:
    stream.write(f"## {w['findings']}\n\n")
    if not report.findings:
        stream.write(f"{w['no_findings']}\n")
        return
    columns = ("rule", "severity", "outcome", "subject", "site", "staff", "start", "due",
               "stop", "late", "message", "evidence")
    stream.write(_head([w[c] for c in columns], [False] * len(columns)))
    lang = "zh" if report.lang == "zh" else "en"
    for f in report.findings:
        message = f.message
        waiver = getattr(f, "waiver", None)
        if waiver is not None:
            message += (f" — {w['waiver']}: {waiver.reason} ({w['approved_by']} "
                        f"{waiver.approved_by}, {w['expires']} {waiver.expires})")
        if getattr(f, "new", None) is False:
            message += f" ({w['baseline_known']})"
        evidence = ", ".join(f"{e.file}:{e.line}" for e in f.evidence)
        stream.write(_row((f.rule_id, f.severity.value, labels.outcome_label(report, f.outcome),
                           f.subject, f.site, f.staff,
                           labels.short_time(f.start.time if f.start else None),
                           labels.short_time(f.due),
                           labels.short_time(f.stop.time if f.stop else None),
                           _late(f, lang), message, evidence)))
