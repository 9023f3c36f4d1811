"""What every rule kind's evaluator shares: collecting events and writing findings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ..breakdowns import PassCounts
from ..calendars import CalendarBook, Reckoning
from ..durations import Duration, human_span, to_datetime
from ..events import EventRef, TimeParser
from ..findings import EventPoint, Evidence, Finding, Outcome, OutcomeCounts, RuleSummary
from ..messages import text
from ..rulemodel import RuleBase, Selector

# One collected event: (time, role rank, id, input position, event, key value, extra field).
# Sorting these tuples gives time order, then the role order of the rule kind, then an order that
# does not depend on the input (the event id); the input position only separates true twins.
Item = tuple[int, int, str, int, EventRef, "str | None", Any]
# What a subscription keeps of a matched record beside its key: the value of a field (by name),
# what a function makes of the record, or nothing.
Extra: TypeAlias = "str | Callable[[Mapping[str, Any]], Any] | None"


@dataclass(frozen=True)
class InputFacts:
    """What the whole input showed, for rules judged per group and period."""

    earliest: int | None = None
    groups: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Context:
    """What every evaluator of one check shares: language, options, time parser, calendars."""

    lang: str = "en"
    show_passes: bool = False
    time_parser: TimeParser = field(default_factory=TimeParser)
    calendars: CalendarBook = field(default_factory=CalendarBook)


@dataclass
class RuleResult:
    """The findings and summary of one rule."""

    findings: list[Finding]
    summary: RuleSummary
    # Compliant instances not among the findings (Tally.passes), when the evaluator ran elsewhere.
    passes: PassCounts | None = None


@dataclass
class Tally:
    """Counts of outcomes and other instance endings while a rule is evaluated."""

    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    cancelled: int = 0
    unmatched_stops: int = 0
    # Compliant instances that are not findings, by site, staff and time: the breakdowns per
    # site, staff, week and month (compliance.breakdowns) count them with the findings.
    passes: PassCounts = field(default_factory=PassCounts)

    def passed(self, site: str | None, staff: str | None, ts: int) -> None:
        """Count a compliant instance that is not listed as a finding."""
        self.outcomes[Outcome.COMPLIANT] += 1
        self.passes.add(site, staff, ts)

    def counts(self) -> OutcomeCounts:
        """The outcome counts as a report value."""
        return OutcomeCounts(**{o.value: n for o, n in self.outcomes.items()})

    @property
    def instances(self) -> int:
        """Every instance opened, whatever its ending."""
        return sum(self.outcomes.values()) + self.cancelled

    def rate(self) -> float | None:
        """compliant / judged, where judged = compliant + violated + waived; None if none."""
        judged = (self.outcomes[Outcome.COMPLIANT] + self.outcomes[Outcome.VIOLATED]
                  + self.outcomes[Outcome.WAIVED])
        if not judged:
            return None
        return round(self.outcomes[Outcome.COMPLIANT] / judged, 6)


class Evaluator(ABC):
    """Base of the native evaluators: one per rule, fed the events its selectors match."""

    rule: RuleBase

    def __init__(self, rule: RuleBase, context: Context) -> None:
        lang, show_passes = context.lang, context.show_passes
        self.rule = rule
        self.tz = rule.tz
        self.context = context
        self.calendar = context.calendars.for_rule(rule.timezone, rule.tz, rule.calendar)
        self.lang = lang
        self.show_passes = show_passes
        self.items: list[Item] = []
        self.key_field: str | None = getattr(rule, "key", None)
        self.findings: list[tuple[str, int, str, Finding]] = []
        self.tally = Tally()
        self._stamps: dict[int, str] = {}

    # The field whose values group this rule's instances (periodic and threshold rules).
    group_field: str | None = None

    @abstractmethod
    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        """The selectors this rule listens to: (selector, role rank, extra).

        The intake appends one `Item` to `self.items` for every event a selector matches,
        with the value of the rule's key field and the extra (e.g. a due time).
        """

    def record_checks(self) -> Iterable[tuple[Selector, Callable[[Mapping[str, Any]], str | None]]]:
        """Records this rule refuses outright (rejected from the input, with the reason)."""
        return ()

    @abstractmethod
    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        """Judge every instance at `as_of` and return the findings and summary."""

    # Helpers for writing findings.

    def time_text(self, ts: int) -> str:
        """An instant in the rule's time zone, RFC 3339."""
        # A finding names its start and stop twice (as points and as evidence): convert once.
        stamp = self._stamps.get(ts)
        if stamp is None:
            stamp = self._stamps[ts] = to_datetime(ts, self.tz).isoformat()
        return stamp

    def local_text(self, ts: int) -> str:
        """An instant for messages: `2025-03-03 09:00` in the rule's time zone."""
        return self.time_text(ts)[:16].replace("T", " ")

    def subject(self, key: str | None) -> str:
        """`<key field>=<value>`; `(missing)` for a start event without the key."""
        return f"{self.key_field}={key if key is not None else '(missing)'}"

    def record(self, outcome: Outcome, start: EventRef, finding: Finding) -> None:
        """Count an outcome and keep its finding (passes only when they are asked for)."""
        if outcome is not Outcome.COMPLIANT or self.show_passes:
            self.tally.outcomes[outcome] += 1
            self.findings.append((finding.subject, start.ts, start.ident, finding))
        else:
            self.tally.passed(finding.site, finding.staff, start.ts)

    def passed(self, start: EventRef, stop: EventRef | None = None, *,
               ts: int | None = None) -> None:
        """Count a compliant instance without building its finding (passes not asked for).

        Site and staff are the finding's (`people`); the instance is dated by `ts`, else by its
        start: the time its finding would show first (start, else stop, else due).
        """
        site, staff = self.people(start, stop)
        self.tally.passed(site, staff, start.ts if ts is None else ts)

    def finding(self, outcome: Outcome, **facts: Any) -> Finding:
        """A finding of this rule."""
        rule = self.rule
        return Finding(rule_id=rule.id, rule_name=rule.name, severity=rule.severity,
                       outcome=outcome, **facts)

    @staticmethod
    def people(start: EventRef, stop: EventRef | None) -> tuple[str | None, str | None]:
        """Site and staff of a finding: the start event's, else the stop event's."""
        if stop is None:
            return start.site, start.staff
        return start.site or stop.site, start.staff or stop.staff

    def point(self, ref: EventRef | None) -> EventPoint | None:
        """The id and time of a start or stop event."""
        if ref is None:
            return None
        return EventPoint(id=ref.ident, time=self.time_text(ref.ts))

    def evidence(self, refs: Iterable[EventRef]) -> tuple[Evidence, ...]:
        """Where each event behind a finding stands, in time order."""
        ordered = sorted(refs, key=lambda r: (r.ts, r.order_key))
        return tuple(
            Evidence(id=r.ident, file=r.file, line=r.line, type=r.type, time=self.time_text(r.ts))
            for r in ordered
        )

    def summary(self, notes: list[str]) -> RuleSummary:
        """The per-rule summary from the tally."""
        rule = self.rule
        return RuleSummary(
            rule_id=rule.id, rule_name=rule.name, title=rule.title, title_en=rule.title_en,
            kind=getattr(rule, "kind", "?"), severity=rule.severity, status=rule.status,
            instances=self.tally.instances, outcomes=self.tally.counts(),
            cancelled=self.tally.cancelled, unmatched_stops=self.tally.unmatched_stops,
            compliance_rate=self.tally.rate(), notes=tuple(notes),
        )

    def span(self, us: int) -> str:
        """A span for messages in the report's language."""
        return human_span(us, self.lang)

    def reckon(self, ts: int, duration: Duration, site: str | None) -> Reckoning:
        """`ts` plus a duration: on the working calendar for working days and business hours."""
        if duration.on_calendar:
            return self.calendar.add(ts, duration, site)
        return Reckoning(duration.add_to(ts, self.tz))

    def unknown_calendar_reason(self) -> str:
        """Why an instance whose due time needs an unknown year is not judged."""
        return text("reason.calendar_unknown", self.lang,
                    year=self.calendar.first_unknown_year())

    def missing_key_reason(self) -> str:
        """Why a start event without the key field cannot be judged."""
        return text("reason.missing_key", self.lang, field=self.key_field)

    def key_notes(self, start: Selector, starts: int, without_key: int) -> list[str]:
        """Notes on what kept a keyed rule from judging: no start events, no key field."""
        notes = []
        if starts == 0:
            notes.append(text("note.no_start", self.lang, types=", ".join(start.types)))
        elif without_key == starts:
            notes.append(text("note.no_key", self.lang, count=starts, field=self.key_field))
        elif without_key:
            notes.append(text("note.some_without_key", self.lang, count=without_key,
                              field=self.key_field))
        return notes

    def sorted_findings(self) -> list[Finding]:
        """Findings in report order: subject, then start time, then start event."""
        return [entry[3] for entry in sorted(self.findings, key=lambda e: e[:3])]
