"""compliance: check CRM and sales-office event logs against service obligations.

    import compliance
    rules = compliance.load_rules()                      # the bundled pack, or a path
    report = compliance.check("export.jsonl", rules, as_of="2025-10-01T00:00:00+08:00")
    for finding in report.findings: ...
    monitor = compliance.Monitor(rules, on_finding=print)  # live: post(event), close()
"""

from .calendars import CalendarOverlay
from .checker import check
from .errors import CheckError, InputError, RuleError, UsageError
from .findings import ExitCode, Finding, Outcome, Report, RuleSummary, Severity, Status
from .monitor import Monitor
from .rulebook import RuleSet, load_calendar, load_rules

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
    "check",
    "load_calendar",
    "load_rules",
]
