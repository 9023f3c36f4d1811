"""compliance: check CRM and sales-office event logs against service obligations.

    import compliance
    rules = compliance.load_rules()                      # the bundled pack, or a path
    report = compliance.check("export.jsonl", rules, as_of="2025-10-01T00:00:00+08:00")
    for finding in report.findings: ...
    monitor = compliance.Monitor(rules, on_finding=print)  # live: post(event), close()
"""

from .baselines import apply_baseline, baseline_json, load_baseline
from .calendars import CalendarOverlay
from .checker import check
from .errors import CheckError, InputError, RuleError, UsageError
from .findings import (
    ExitCode,
    Finding,
    Outcome,
    Report,
    RuleSummary,
    Severity,
    Status,
    fingerprint,
)
from .monitor import Monitor
from .rulebook import RuleSet, load_calendar, load_rules
from .waivers import apply_waivers, load_waivers

__all__ = [
    "CalendarOverlay",
    "CheckError",
    "ExitCode",
    "Finding",
    "InputError",
    "Monitor",
    "Outcome",
    "Report",
    "RuleError",
    "RuleSet",
    "RuleSummary",
    "Severity",
    "Status",
    "UsageError",
    "apply_baseline",
    "apply_waivers",
    "baseline_json",
    "check",
    "fingerprint",
    "load_baseline",
    "load_calendar",
    "load_rules",
    "load_waivers",
]
