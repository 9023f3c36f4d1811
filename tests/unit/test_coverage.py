"""Kind `coverage`: presences from on/off events, gaps, tolerance and periods. Every expected
gap is worked out by hand from docs/rule-format.md (section "Kind `coverage`")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import RULE_FILE_HEAD, ev, make_rule, needs_durable, rules_of

from compliance import Outcome, check
from compliance.errors import RuleError
from compliance.rulebook import load_rule_file

GUARDS: dict[str, Any] = {
    "kind": "coverage",
    "start": {"type": "shift_clock_in", "where": {"role": "security_guard"}},
    "stop": {"type": "shift_clock_out"}, "key": "staff", "group_by": "site", "every": "day",
}


def run(events: list[dict[str, Any]], as_of: str, **rule: Any) -> Any:
    return check(events, rules_of(make_rule(**(GUARDS | rule))), as_of=as_of, show_passes=True)


def on(time: str, staff: str, site: str = "S1", **fields: Any) -> dict[str, Any]:
    return ev("shift_clock_in", time, site=site, staff=staff, role="security_guard",
              id=f"in-{staff}-{time}", **fields)


def off(time: str, staff: str, site: str = "S1") -> dict[str, Any]:
    return ev("shift_clock_out", time, site=site, staff=staff, id=f"out-{staff}-{time}")


def by_subject(report: Any) -> dict[str, Any]:
    return {f.subject: f for f in report.findings}


def test_a_late_relief_and_a_lapsed_shift_are_gaps() -> None:
    report = run([
        off("2025-07-01T08:03:00", "G1"),          # on duty when the log began: 00:00-08:03
        on("2025-07-01T07:55:00", "G2"),           # 07:55-20:00
        off("2025-07-01T20:00:00", "G2"),
        on("2025-07-01T20:10:00", "G1"),           # 20:10-08:00: a 10-minute gap before it
        off("2025-07-02T08:00:00", "G1"),
        on("2025-07-02T08:00:00", "G2"),           # no clock-out: counts 13 hours, to 21:00
    ], "2025-07-03T00:00:00+08:00", max_gap="5 minutes", max_shift="13 hours")
    first, second = report.findings
    assert (first.subject, first.outcome) == ("site=S1 2025-07-01", Outcome.VIOLATED)
    assert (first.elapsed, first.short_by, first.count) == ("PT10M", "PT10M", 1)
    assert first.value == round(1 - 10 / 1440, 6)
    assert (first.start.id, first.start.time) == ("out-G2-2025-07-01T20:00:00",
                                                    "2025-07-01T20:00:00+08:00")
    assert (first.stop.id, first.stop.time) == ("in-G1-2025-07-01T20:10:00",
                                                  "2025-07-01T20:10:00+08:00")
    assert [e.id for e in first.evidence] == [first.start.id, first.stop.id]
    assert "2025-07-01 20:00" in first.message and "2025-07-01 20:10" in first.message
    # 2025-07-02: the clock-out at 08:00 and the relief's clock-in at 08:00 leave no gap; G2's
    # open shift lapses at 21:00 and nobody covers 21:00-24:00 (as_of).
    assert (second.outcome, second.elapsed, second.short_by) == (Outcome.VIOLATED, "PT3H", "PT3H")
    assert (second.start.id, second.start.time) == ("in-G2-2025-07-02T08:00:00",
                                                      "2025-07-02T21:00:00+08:00")
    assert second.stop is None
    assert report.summary[0].outcomes.violated == 2


def test_short_gaps_are_tolerated_and_the_message_names_the_longest() -> None:
    events = [on("2025-07-01T00:00:00", "G1"), off("2025-07-01T12:00:00", "G1"),
              on("2025-07-01T12:04:00", "G2"), off("2025-07-01T18:00:00", "G2"),
              on("2025-07-01T18:05:00", "G1"), off("2025-07-02T00:00:00", "G1")]
    report = run(events, "2025-07-02T00:00:00+08:00", max_gap="5 minutes")
    [finding] = report.findings
    # Gaps of 4 and 5 minutes: neither is longer than 5 minutes.
    assert (finding.outcome, finding.count, finding.elapsed, finding.short_by) == (
        Outcome.COMPLIANT, 0, "PT5M", "PT9M")
    assert finding.start.time == "2025-07-01T18:00:00+08:00"
    strict = run(events, "2025-07-02T00:00:00+08:00")  # no max_gap: any gap is a violation
    assert strict.findings[0].outcome is Outcome.VIOLATED
    assert strict.findings[0].count == 2


def test_a_gap_across_midnight_counts_whole_in_both_days() -> None:
    report = run([
        on("2025-07-01T00:00:00", "G1"), off("2025-07-01T23:50:00", "G1"),
        on("2025-07-02T00:10:00", "G2"), off("2025-07-03T00:00:00", "G2"),
    ], "2025-07-03T00:00:00+08:00", max_gap="15 minutes")
    first, second = report.findings
    # 20 minutes in all, 10 in each day: longer than the 15 tolerated, in both days.
    assert (first.outcome, first.elapsed, first.short_by) == (Outcome.VIOLATED, "PT20M", "PT10M")
    assert (second.outcome, second.elapsed, second.short_by) == (Outcome.VIOLATED, "PT20M",
                                                                 "PT10M")
    assert first.start.time == second.start.time == "2025-07-01T23:50:00+08:00"


def test_at_least_two_counts_distinct_people() -> None:
    report = run([
        on("2025-07-01T00:00:00", "G1"), off("2025-07-02T00:00:00", "G1"),
        on("2025-07-01T00:00:00", "G2"), off("2025-07-01T10:00:00", "G2"),
        on("2025-07-01T09:00:00", "G2"),            # G2 again: not a third person
        on("2025-07-01T11:00:00", "G3"), off("2025-07-02T00:00:00", "G3"),
    ], "2025-07-02T00:00:00+08:00", at_least=2)
    [finding] = report.findings
    # G2's second clock-in at 09:00 ends the first presence there and opens a new one without an
    # off: without max_shift it lasts to as_of. G2's off at 10:00 then closes it. 10:00-11:00
    # only G1 is present.
    assert (finding.outcome, finding.elapsed, finding.short_by) == (Outcome.VIOLATED, "PT1H",
                                                                    "PT1H")
    assert (finding.start.id, finding.stop.id) == ("out-G2-2025-07-01T10:00:00",
                                                   "in-G3-2025-07-01T11:00:00")


def test_offs_without_ons_and_repeated_ons() -> None:
    report = run([
        ev("page_view", "2025-07-01T00:00:00", site="S1"),
        off("2025-07-01T06:00:00", "G1"),           # G1's first event: on duty since 00:00
        off("2025-07-01T07:00:00", "G1"),           # again: covers nothing (unmatched stop)
        on("2025-07-01T06:00:00", "G2"),
        on("2025-07-01T14:00:00", "G2"),            # re-clocks in: the allowance restarts
        off("2025-07-02T00:00:00", "G2"),
    ], "2025-07-02T00:00:00+08:00", max_shift="10 hours")
    [finding] = report.findings
    assert finding.outcome is Outcome.COMPLIANT
    assert report.summary[0].unmatched_stops == 1
    lapsed = run([
        ev("page_view", "2025-07-01T00:00:00", site="S1"),
        off("2025-07-01T06:00:00", "G1"),           # from 00:00, as 06:00 - 8 h is before
        on("2025-07-01T06:00:00", "G2"),            # 06:00-14:00 (8 hours), then a new
        on("2025-07-01T16:00:00", "G2"),            # presence 16:00-24:00
        off("2025-07-02T00:00:00", "G2"),
    ], "2025-07-02T00:00:00+08:00", max_shift="8 hours")
    [finding] = lapsed.findings
    assert (finding.outcome, finding.elapsed) == (Outcome.VIOLATED, "PT2H")
    assert (finding.start.id, finding.start.time) == ("in-G2-2025-07-01T06:00:00",
                                                      "2025-07-01T14:00:00+08:00")
    assert finding.stop.id == "in-G2-2025-07-01T16:00:00"


def test_a_presence_from_before_the_log_counts_at_most_max_shift() -> None:
    report = run([ev("page_view", "2025-07-01T00:00:00", site="S1"),
                  off("2025-07-01T20:00:00", "G1"), on("2025-07-01T20:00:00", "G2"),
                  off("2025-07-02T00:00:00", "G2")],
                 "2025-07-02T00:00:00+08:00", max_shift="12 hours")
    [finding] = report.findings
    # G1 counts from 20:00 - 12 h = 08:00: 00:00-08:00 is a gap from the start of the window.
    assert (finding.outcome, finding.elapsed, finding.start) == (Outcome.VIOLATED, "PT8H", None)
    assert finding.stop.id == "out-G1-2025-07-01T20:00:00"
    assert finding.stop.time == "2025-07-01T08:00:00+08:00"


def test_groups_without_presence_and_periods_outside_the_window() -> None:
    report = run([
        on("2025-07-01T09:00:00", "G1"), off("2025-07-02T09:00:00", "G1"),
        on("2025-07-02T09:00:00", "G2"),
        ev("page_view", "2025-07-01T10:00:00", site="S2"),
        ev("shift_clock_in", "2025-07-01T10:00:00", site="S2", staff="C1", role="cleaner"),
    ], "2025-07-03T12:00:00+08:00", groups=["S3"], every="day")
    found = {f.subject: f.outcome.value for f in report.findings}
    assert found == {
        # S1 on 07-01: 00:00-09:00 uncovered (no clock-in before it); 07-02 covered.
        "site=S1 2025-07-01": "violated", "site=S1 2025-07-02": "compliant",
        "site=S1 2025-07-03": "not_evaluated",
        # S2 has no guard at all (the cleaner does not count); S3 is only declared.
        "site=S2 2025-07-01": "violated", "site=S2 2025-07-02": "violated",
        "site=S2 2025-07-03": "not_evaluated",
        "site=S3 2025-07-01": "violated", "site=S3 2025-07-02": "violated",
        "site=S3 2025-07-03": "not_evaluated",
    }
    s3 = by_subject(report)["site=S3 2025-07-02"]
    # One gap over the whole window: 07-01 00:00 to as_of.
    assert (s3.value, s3.short_by, s3.elapsed, s3.start, s3.stop) == (0.0, "P1D", "P2DT12H",
                                                                      None, None)
    assert s3.evidence == ()


def test_ons_without_the_key_are_a_note_and_events_after_as_of_are_ignored() -> None:
    report = run([
        ev("shift_clock_in", "2025-07-01T00:00:00", site="S1", role="security_guard"),
        on("2025-07-01T00:00:00", "G1"),
        off("2025-07-01T12:00:00", "G1"),
        on("2025-07-02T00:00:00", "G2"),
    ], "2025-07-02T00:00:00+08:00")
    [finding] = report.findings
    # G2's clock-in at as_of itself is included but covers nothing before as_of.
    assert (finding.outcome, finding.elapsed) == (Outcome.VIOLATED, "PT12H")
    assert report.summary[0].notes == ("1 start events have no staff field and are not "
                                       "evaluated",)


def test_zh_messages() -> None:
    events = [on("2025-07-01T00:00:00", "G1"), off("2025-07-01T23:00:00", "G1"),
              ev("page_view", "2025-07-02T00:00:00", site="S1")]
    report = check(events, rules_of(make_rule(**GUARDS)), as_of="2025-07-02T00:00:00+08:00",
                   lang="zh")
    [finding] = report.findings
    assert "空档" in finding.message and "1 小时" in finding.message


RULE_HEAD = RULE_FILE_HEAD + """\
kind: coverage
start: {type: shift_clock_in}
stop: {type: shift_clock_out}
key: staff
group_by: site
every: day
"""


@pytest.mark.parametrize(("extra", "reason"), [
    ("at_least: 0\n", "at_least"),
    ("max_gap: -5 minutes\n", "max_gap"),
    ("max_gap: 1 month\n", "not a fixed length"),
    ("max_shift: 2 working days\n", "not a fixed length"),
    ("max_shift: 0 hours\n", "longer than 0"),
    ("every: fortnight\n", "'fortnight'"),
])
def test_wrong_coverage_rules_are_refused_with_the_line(tmp_path: Path, extra: str,
                                                        reason: str) -> None:
    body = RULE_HEAD
    if extra.startswith("every:"):
        body = body.replace("every: day\n", "")
    path = tmp_path / "bad.yaml"
    path.write_text(body + extra, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    assert reason in str(caught.value)
    assert caught.value.line == len((body + extra).splitlines())


def test_missing_stop_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(RULE_HEAD.replace("stop: {type: shift_clock_out}\n", ""), encoding="utf-8")
    with pytest.raises(RuleError, match="stop"):
        load_rule_file(path)


@needs_durable
def test_the_durable_engine_leaves_coverage_rules_to_the_native_code() -> None:
    events = [on("2025-07-01T00:00:00", "G1"), off("2025-07-01T20:00:00", "G1"),
              on("2025-07-01T20:30:00", "G2"), off("2025-07-02T00:00:00", "G2")]
    rules = rules_of(make_rule(**GUARDS),
                     make_rule(id="TST-002", name="test-min", kind="min_duration", key="staff",
                               start={"type": "shift_clock_in"},
                               stop={"type": "shift_clock_out"}, at_least="8 hours"))
    native = check(events, rules, as_of="2025-07-02T00:00:00+08:00", show_passes=True)
    durable = check(events, rules, as_of="2025-07-02T00:00:00+08:00", show_passes=True,
                    engine="durable")
    assert durable.findings == native.findings
    assert [s.outcomes.violated for s in durable.summary] == [1, 1]
