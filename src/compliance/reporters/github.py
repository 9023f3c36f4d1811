"""`--format github`: GitHub Actions workflow commands, one annotation per violation.

`::error file=F,line=N,title=T::message` for a violation that fails the gate (a stable rule, at or
above `--fail-on`, not already in the baseline) and `::warning ...` for every other violation;
pending, not evaluated and waived instances are not annotated. The file and line are those of
the finding's start event (else its stop event, else its first evidence) in the log that was
checked; the title is the rule id and its title in the report's language, the message the
finding's message with its subject. Values are escaped as the runner expects (`%`, CR and LF in
messages; also `:` and `,` in properties). A last plain line sums up the run. Lines are written
one by one.
"""

from __future__ import annotations

from typing import IO, Any

from ..findings import Outcome, Report, Severity
from . import labels


def data(value: str) -> str:
    """A workflow command's message, escaped."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def prop(value: str) -> str:
    """A workflow command's property value, escaped."""
    return data(value).replace(":", "%3A").replace(",", "%2C")


def write(report: Report, stream: IO[str], *, fail_on: Severity | None = None,
          **options: Any) -> None:
    """Write one annotation per violation, then a summary line."""
    w = labels.words(report)
    failing = labels.failing_ids(report, fail_on)
    titles = {s.rule_id: labels.rule_title(report, s) for s in report.summary}
    counts = dict.fromkeys(Outcome, 0)
    for f in report.findings:
        counts[f.outcome] += 1
        if f.outcome is not Outcome.VIOLATED:
            continue
        command = "error" if id(f) in failing else "warning"
        props = []
        where = labels.anchor(f)
        if where is not None:
            props += [f"file={prop(where[0])}", f"line={where[1]}"]
        props.append(f"title={prop(f'{f.rule_id} {titles.get(f.rule_id, f.rule_name)}')}")
        message = f.message if f.subject in f.message else f"{f.subject}: {f.message}"
        stream.write(f"::{command} {','.join(props)}::{data(message)}\n")
    stream.write(w["summary_line"].format(
        violated=counts[Outcome.VIOLATED], failing=len(failing),
        sev=fail_on.value if fail_on is not None else "none", pending=counts[Outcome.PENDING],
        not_evaluated=counts[Outcome.NOT_EVALUATED], waived=counts[Outcome.WAIVED]) + "\n")
