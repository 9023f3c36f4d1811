"""`--format junit`: JUnit XML for CI test dashboards.

`<testsuites>` holds one `<testsuite>` per rule (name: the rule id; in summary order) and in it one
`<testcase>` per finding (classname: the rule id, name: the subject and start event):
- violated -> `<failure>` (type: the severity; message: the finding's message; text: where and
  when, and the evidence's files and lines). Every violation is a failure, also of a draft rule
  or below `--fail-on`: the exit code remains the gate;
- pending, not evaluated and waived -> `<skipped>` with the reason;
- compliant findings (`--show-passes`) -> a passing testcase.
Compliant instances that are not listed (the usual case) are one passing testcase per rule,
"N compliant instance(s)", so that a rule without findings still shows as passed. The counts in
`tests`, `failures` and `skipped` equal the testcases written. No timestamps or durations: the
same inputs give the same bytes. Text is XML-escaped; characters XML 1.0 does not allow are
dropped. Testcases are written one by one.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import IO, Any
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from ..durations import human_span, parse_iso_duration
from ..findings import Finding, Outcome, Report
from . import labels

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTR_ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def text(value: object) -> str:
    """Text content, escaped."""
    return _escape(_INVALID.sub("", str(value)))


def attr(value: object) -> str:
    """An attribute value with its quotes, escaped (line breaks kept as character references)."""
    return _quoteattr(_INVALID.sub("", str(value)), _ATTR_ENTITIES)


def _name(f: Finding) -> str:
    anchor = f.start or f.stop
    return f"{f.subject} [{anchor.id}]" if anchor is not None else f.subject


def _span(iso: str | None, lang: str) -> str | None:
    return None if iso is None else human_span(parse_iso_duration(iso), lang)


def _details(report: Report, f: Finding) -> str:
    w = labels.words(report)
    lines = []
    for label, value in ((w["site"], f.site), (w["staff"], f.staff),
                         (w["start"], f.start.time if f.start else None), (w["due"], f.due),
                         (w["stop"], f.stop.time if f.stop else None),
                         (w["late"], _span(f.overdue_by or f.short_by, report.lang)),
                         (w["reason"], f.reason)):
        if value:
            lines.append(f"{label}: {value}")
    for e in f.evidence:
        lines.append(f"{w['evidence']}: {e.file}:{e.line} {e.id} {e.type} {e.time}")
    return "\n".join(lines)


def write(report: Report, stream: IO[str], **options: Any) -> None:
    """Write the JUnit XML report."""
    w = labels.words(report)
    per_rule: Counter[tuple[str, Outcome]] = Counter((f.rule_id, f.outcome)
                                                     for f in report.findings)
    suites = []
    for s in report.summary:
        listed = {o: per_rule[(s.rule_id, o)] for o in Outcome}
        unlisted = s.outcomes.compliant - listed[Outcome.COMPLIANT]
        tests = sum(listed.values()) + (1 if unlisted > 0 else 0)
        skipped = (listed[Outcome.PENDING] + listed[Outcome.NOT_EVALUATED]
                   + listed[Outcome.WAIVED])
        suites.append((s, tests, listed[Outcome.VIOLATED], skipped, unlisted))
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(f"<testsuites name={attr(w['title'])} tests=\"{sum(t[1] for t in suites)}\" "
                 f"failures=\"{sum(t[2] for t in suites)}\" errors=\"0\" "
                 f"skipped=\"{sum(t[3] for t in suites)}\">\n")
    grouped = dict((summary.rule_id, found) for summary, found in labels.by_rule(report))
    for s, tests, failures, skipped, unlisted in suites:
        title = labels.rule_title(report, s)
        stream.write(f"  <testsuite name={attr(s.rule_id)} tests=\"{tests}\" "
                     f"failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n")
        stream.write("    <properties>\n")
        for name, value in (("title", title), ("rule_name", s.rule_name),
                            ("severity", s.severity.value), ("status", s.status.value),
                            ("compliance_rate", labels.rate_text(s.compliance_rate))):
            stream.write(f"      <property name={attr(name)} value={attr(value)}/>\n")
        stream.write("    </properties>\n")
        if unlisted > 0:
            name = w["compliant_instances"].format(n=unlisted)
            stream.write(f"    <testcase classname={attr(s.rule_id)} name={attr(name)}/>\n")
        for f in grouped[s.rule_id]:
            _testcase(report, f, stream)
        stream.write("  </testsuite>\n")
    stream.write("</testsuites>\n")


def _testcase(report: Report, f: Finding, stream: IO[str]) -> None:
    head = f"    <testcase classname={attr(f.rule_id)} name={attr(_name(f))}"
    if f.outcome is Outcome.COMPLIANT:
        stream.write(head + "/>\n")
        return
    stream.write(head + ">\n")
    if f.outcome is Outcome.VIOLATED:
        stream.write(f"      <failure type={attr(f.severity.value)} message={attr(f.message)}>"
                     f"{text(_details(report, f))}</failure>\n")
    else:
        message = f"{labels.outcome_label(report, f.outcome)}: {f.message}"
        waiver = getattr(f, "waiver", None)
        if waiver is not None:
            message += f" ({waiver.reason}; {waiver.approved_by}; {waiver.expires})"
        stream.write(f"      <skipped message={attr(message)}/>\n")
    stream.write("    </testcase>\n")
