"""Masking customer data in reports (`--redact FIELD,...`).

A report names attribute values where a rule keys or groups its instances by them: a subject
`contact=13812345678`, a group, and the messages that quote the subject. `redact(report, fields)`
masks the values of the given fields wherever the report shows them: subjects, groups, periods,
messages, reasons, due-time explanations; and the site or staff of findings and breakdowns when
`site` or `staff` is among the fields. Everything else (outcomes, times, counts, evidence ids,
files and lines, fingerprints) is kept, so a redacted report gates, sorts and matches baselines
exactly like the original.

Masking is deterministic and keeps the shape people recognise:
- a value of seven or more characters that is mostly digits (a phone number, an id-card number)
  keeps its first three and last four characters: `13812345678` -> `138****5678`;
- any other value keeps its first character and masks the rest, one `*` per character:
  `张三丰` -> `张**`, `a@b.cn` -> `a*****`; a one-character value becomes `*`.
Two values can mask alike; the fingerprint (computed from the unmasked subject) still tells the
findings apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable

from .breakdowns import BreakdownRow, Breakdowns
from .findings import Finding, Report

# The customer contact fields of the obligations catalogue's §6 (`contact` on complaints) and
# docs/events.md, with the usual names of the same data in CRM exports. They are masked by default
# in the formats people read (see README "Redaction"); `customer` (a pseudonymous id such as
# CU-0001) is not: an auditor needs it to trace a case.
DEFAULT_FIELDS = ("contact", "customer_name", "customer_phone", "phone", "mobile", "email",
                  "id_card", "address")

# Formats whose output is data for other tools (exact subjects for baselines, scripts, SARIF
# viewers): they are not redacted unless --redact is given. Every other format is read by people.
MACHINE_FORMATS = frozenset({"json", "jsonl", "sarif"})


def mask(value: str) -> str:
    """The masked form of one value (see the module's doc)."""
    digits = sum(c.isdigit() for c in value)
    if len(value) >= 7 and digits * 2 > len(value):
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) <= 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


def parse_fields(values: Iterable[str]) -> tuple[str, ...]:
    """`--redact a,b --redact c` -> ('a', 'b', 'c'), without duplicates, in order given."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            if part.strip():
                seen[part.strip()] = None
    return tuple(seen)


def redact(report: Report, fields: Collection[str]) -> Report:
    """The report with the values of `fields` masked wherever it shows them."""
    if not fields:
        return report
    wanted = frozenset(fields)
    findings = tuple(_finding(f, wanted) for f in report.findings)
    changes: dict[str, object] = {"findings": findings}
    if report.breakdowns is not None and wanted & {"site", "staff"}:
        changes["breakdowns"] = _breakdowns(report.breakdowns, wanted)
    return dataclasses.replace(report, **changes)  # type: ignore[arg-type]


def _secrets(finding: Finding, fields: frozenset[str]) -> list[tuple[str, str, str]]:
    """(field, value, masked value) of every redacted field the finding names."""
    found = []
    for part in finding.subject.split(" "):
        name, sep, value = part.partition("=")
        if sep and name in fields and value and value != "(missing)":
            found.append((name, value, mask(value)))
    return found


def _finding(finding: Finding, fields: frozenset[str]) -> Finding:
    secrets = _secrets(finding, fields)
    changes: dict[str, object] = {}
    if "site" in fields and finding.site:
        changes["site"] = mask(finding.site)
    if "staff" in fields and finding.staff:
        changes["staff"] = mask(finding.staff)
    if secrets:
        for name in ("subject", "message", "reason", "due_basis", "group", "period"):
            text = getattr(finding, name)
            if text:
                changes[name] = _replace(text, secrets)
    if not changes:
        return finding
    masked = dataclasses.replace(finding, **changes)  # type: ignore[arg-type]
    # The fingerprint identifies the instance, not its wording: keep the unmasked one, so that
    # baselines and waivers match a redacted report exactly as the original.
    fingerprint = getattr(finding, "fingerprint", None)
    if fingerprint is not None:
        object.__setattr__(masked, "fingerprint", fingerprint)
    return masked


def _replace(text: str, secrets: list[tuple[str, str, str]]) -> str:
    for name, value, masked in secrets:
        text = text.replace(f"{name}={value}", f"{name}={masked}")
        # Messages may quote the bare value; very short values would match inside other words.
        if len(value) >= 3:
            text = text.replace(value, masked)
    return text


def _breakdowns(breakdowns: Breakdowns, fields: frozenset[str]) -> Breakdowns:
    def rows(dimension: str) -> tuple[BreakdownRow, ...]:
        result = breakdowns.rows(dimension)
        if dimension not in fields:
            return result
        return tuple(dataclasses.replace(r, key=None if r.key is None else mask(r.key))
                     for r in result)

    return Breakdowns(site=rows("site"), staff=rows("staff"), week=rows("week"),
                      month=rows("month"))
