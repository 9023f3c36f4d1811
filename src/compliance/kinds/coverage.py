"""Kind `coverage`: somebody is on duty at every instant, per group and calendar period.

Presences. A `start` event opens a presence of its key value (a person, e.g. `staff`) in its
group (`group_by`, e.g. the site); a `stop` event of the same key and group closes it. A key has
at most one presence open per group: a `start` while one is open ends the open one at that
instant and opens a new one (a second clock-in does not double the person, and it restarts the
`max_shift` allowance). A presence that no `stop` closes (ended by the key's next `start`, or
still open at `as_of`) counts for at most `max_shift` after its `start` (without `max_shift`:
until that next `start`, or `as_of`); a presence a `stop` closes counts up to the `stop`, however
long. A `stop` with no open presence is an unmatched stop and covers nothing — except when it is
the key's first event in the group: then the presence began before the input, and it counts from
the start of the input window (at most `max_shift` before the `stop`). At equal instants the
`stop` events come first, so a clock-out and a clock-in at the same second leave no gap. Events
after `as_of` are ignored; a `start` without the key counts for nothing (a note says so); events
without a group value count for no group.

Gaps. Presences are half-open intervals [start, end). A gap is a maximal stretch of the input
window [00:00 of the earliest event's date, `as_of`) in which fewer than `at_least` distinct keys
of the group are present. A gap longer than `max_gap` (default 0: any gap) is intolerable; its
length is its whole length, also where it runs over a period boundary (a gap from 23:50 to 00:10
is 20 minutes in both days it touches).

Instances: one per group and calendar period, as for `periodic` (see `grouped`). A period wholly
inside the input window is compliant when no intolerable gap touches it, else violated; a group
with no presence at all in the period is violated (the whole period is a gap). A period not
wholly inside the window is `not_evaluated`. A finding carries `value` (the share of the period
with at least `at_least` present, six decimals), `short_by` (the total uncovered time in the
period, tolerated gaps included), `count` (the intolerable gaps that touch it), `elapsed` (the
longest of them; for a compliant period the longest gap of any length) and, as the finding's
`start` and `stop` points, the gap's start and end with the ids of the events that bound it: the
`stop` event that opened the gap (or the `start` event whose `max_shift` ran out) and the `start`
event that closed it; either point is absent where the gap runs from the start of the input
window or up to `as_of`. The evidence is those events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from ..durations import Duration, iso_duration
from ..events import EventRef, text_or_none
from ..findings import EventPoint, Outcome
from ..messages import text
from ..periods import Period, Periods, window_start
from ..rulemodel import DurationField, FieldName, Selector
from .base import Context, Extra, InputFacts, RuleResult
from .grouped import GroupedEvaluator, GroupedRule

# At equal instants the off events come first: a clock-out and a clock-in at the same second
# hand over without a gap.
OFF, ON = 0, 1


class CoverageRule(GroupedRule):
    """Someone on duty at every instant: a security guard clocked in at each site, round the
    clock."""

    kind: Literal["coverage"]
    # `start` and `stop`, not `on` and `off`: YAML 1.1 reads a bare `on:` key as true.
    start: Selector = Field(description="an event that starts a presence (a clock-in)")
    stop: Selector = Field(description="an event that ends the presence of the same key "
                                       "(a clock-out)")
    key: FieldName = Field(description="the field naming who is present, e.g. staff")
    at_least: int = Field(default=1, ge=1,
                          description="people present at every instant (default 1)")
    max_gap: DurationField | None = Field(
        default=None, description="gaps up to this long are tolerated (default: none)")
    max_shift: DurationField | None = Field(
        default=None, description="a presence no off closes counts for at most this long "
                                  "(default: until the key's next on, or as_of)")

    @field_validator("max_gap", "max_shift")
    @classmethod
    def _elapsed(cls, value: Duration | None) -> Duration | None:
        if value is not None and not value.is_elapsed:
            raise ValueError(f"{value} is not a fixed length: use minutes, hours, days or weeks")
        return value

    @field_validator("max_shift")
    @classmethod
    def _positive(cls, value: Duration | None) -> Duration | None:
        if value is not None and value.microseconds <= 0:
            raise ValueError("max_shift must be longer than 0")
        return value


@dataclass(frozen=True, slots=True)
class Presence:
    """One key present in one group over [start, end), with the events that bound it."""

    start: int
    end: int
    opened: EventRef | None  # the on event (the off itself for a presence from before the input)
    closed: EventRef  # the off that ended it, else the on whose presence ran out


@dataclass(frozen=True, slots=True)
class Gap:
    """A maximal stretch with fewer than at_least present, and the events around it."""

    start: int
    end: int
    after: EventRef | None  # what ended the last presence before it (None at the window start)
    before: EventRef | None  # the on that ended it (None when it runs up to as_of)

    @property
    def length(self) -> int:
        """The whole gap, in µs."""
        return self.end - self.start


class CoverageEvaluator(GroupedEvaluator):
    """Builds each group's presences, then its gaps, then judges every period."""

    rule: CoverageRule

    def __init__(self, rule: CoverageRule, context: Context) -> None:
        super().__init__(rule, context)
        # The key names the person; the group value rides along as the item's extra.
        self.key_field = rule.key

    def subscriptions(self) -> Iterable[tuple[Selector, int, Extra]]:
        return [(self.rule.start, ON, self.rule.group_by),
                (self.rule.stop, OFF, self.rule.group_by)]

    def finish(self, as_of: int, facts: InputFacts) -> RuleResult:
        rule = self.rule
        ons, without_key = self._count_ons(as_of)
        # With no on event at all every covered period is a violation, not a rule left unjudged.
        notes = self.key_notes(rule.start, ons, without_key) if ons else []
        if facts.earliest is None:
            return RuleResult([], self.summary(notes))
        window = window_start(facts.earliest, self.tz)
        presences = self._presences(window, as_of)
        periods = Periods(window, as_of, rule.every, self.tz)
        groups = sorted(facts.groups.get(rule.group_by, set()) | set(rule.groups))
        need = rule.at_least
        tolerated = rule.max_gap.microseconds if rule.max_gap is not None else 0
        for group in groups:
            gaps = _gaps(presences.get(group, []), window, as_of, need)
            first = 0  # gaps before this one end before the current period
            for period in periods.periods:
                if not periods.covered(period):
                    self.not_covered(group, period, [], as_of, facts)
                    continue
                while first < len(gaps) and gaps[first].end <= period.start:
                    first += 1
                touching = []
                for gap in gaps[first:]:
                    if gap.start >= period.end:
                        break
                    touching.append(gap)
                self._judge(group, period, touching, tolerated)
        return RuleResult(self.sorted_findings(), self.summary(notes + self.grouped_notes(facts)))

    def _count_ons(self, as_of: int) -> tuple[int, int]:
        """How many on events up to as_of there are, and how many lack the key."""
        self.items.sort()
        ons = without_key = 0
        for ts, rank, _, _, _, key, _ in self.items:
            if ts > as_of:
                break
            if rank == ON:
                ons += 1
                without_key += key is None
        return ons, without_key

    def _presences(self, window: int, as_of: int) -> dict[str, list[Presence]]:
        """Every group's presences, clipped to the input window."""
        shift = self.rule.max_shift.microseconds if self.rule.max_shift is not None else None
        out: dict[str, list[Presence]] = {}
        open_: dict[tuple[str, str], EventRef] = {}
        seen: set[tuple[str, str]] = set()

        def add(group: str, start: int, end: int, opened: EventRef | None,
                closed: EventRef) -> None:
            if end > start:
                out.setdefault(group, []).append(Presence(start, end, opened, closed))

        for ts, rank, _, _, ref, key, raw_group in self.items:  # sorted by _count_ons
            if ts > as_of:
                break
            if key is None:
                continue
            group = text_or_none(raw_group)
            if group is None:
                self.ungrouped += 1
                continue
            both = (group, key)
            on = open_.pop(both, None)
            if on is not None:
                if rank == OFF:
                    add(group, on.ts, ts, on, ref)
                elif shift is not None and on.ts + shift < ts:
                    add(group, on.ts, on.ts + shift, on, on)  # ran out before the next on
                else:
                    add(group, on.ts, ts, on, ref)
            elif rank == OFF:
                if both in seen:
                    self.tally.unmatched_stops += 1
                else:  # on duty when the input began
                    begin = window if shift is None else max(window, ts - shift)
                    add(group, begin, ts, ref, ref)
            if rank == ON:
                open_[both] = ref
            seen.add(both)
        for (group, _), on in open_.items():
            end = as_of if shift is None else min(as_of, on.ts + shift)
            add(group, on.ts, end, on, on)
        return out

    def _judge(self, group: str, period: Period, gaps: list[Gap], tolerated: int) -> None:
        """The outcome of one group and period from the gaps that touch it."""
        length = period.end - period.start
        uncovered = sum(min(g.end, period.end) - max(g.start, period.start) for g in gaps)
        bad = [g for g in gaps if g.length > tolerated]
        subject = f"{self.rule.group_by}={group} {period.label}"
        value = round((length - uncovered) / length, 6)
        shown = max(bad or gaps, key=lambda g: g.length, default=None)
        outcome = Outcome.VIOLATED if bad else Outcome.COMPLIANT
        need = self.rule.at_least
        shortfall = (text("coverage.nobody", self.lang) if need == 1
                     else text("coverage.fewer", self.lang, need=need))
        words = {"subject": subject, "need": need, "shortfall": shortfall,
                 "uncovered": self.span(uncovered), "count": len(bad),
                 "limit": (self.rule.max_gap or Duration(0, "minutes")).text(self.lang)}
        if shown is None:
            message = text("coverage.met", self.lang, **words)
        else:
            words |= {"longest": self.span(shown.length), "from": self.local_text(shown.start),
                      "to": self.local_text(shown.end)}
            message = text("coverage.gap" if bad else "coverage.met_with_gaps", self.lang,
                           **words)
        refs = [] if shown is None else [r for r in (shown.after, shown.before) if r is not None]
        self.grouped_finding(
            outcome, group, period, [(ref, None) for ref in refs], message,
            count=len(bad), value=value, short_by=iso_duration(uncovered),
            elapsed=None if shown is None else iso_duration(shown.length),
            start=None if shown is None or shown.after is None
            else EventPoint(id=shown.after.ident, time=self.time_text(shown.start)),
            stop=None if shown is None or shown.before is None
            else EventPoint(id=shown.before.ident, time=self.time_text(shown.end)),
        )


def _gaps(presences: list[Presence], window: int, as_of: int, need: int) -> list[Gap]:
    """The maximal stretches of [window, as_of) with fewer than `need` presences, in order."""
    changes: dict[int, list[tuple[int, Presence]]] = {}
    for p in presences:
        changes.setdefault(p.start, []).append((1, p))
        changes.setdefault(p.end, []).append((-1, p))
    gaps: list[Gap] = []
    present = 0
    gap_start: int | None = window
    after: EventRef | None = None
    for ts in sorted(changes):
        steps = changes[ts]
        present += sum(step for step, _ in steps)
        if present < need and gap_start is None:
            gap_start = ts
            # The presence that ended here: the earliest such event, for a stable report.
            ended = [p.closed for step, p in steps if step < 0]
            after = min(ended, key=lambda r: (r.ts, r.order_key)) if ended else None
        elif present >= need and gap_start is not None:
            if ts > gap_start:
                started = [p.opened for step, p in steps if step > 0 and p.opened is not None]
                before = min(started, key=lambda r: (r.ts, r.order_key)) if started else None
                gaps.append(Gap(gap_start, ts, after, before))
            gap_start = None
    if gap_start is not None and gap_start < as_of:
        gaps.append(Gap(gap_start, as_of, after, None))
    return gaps
