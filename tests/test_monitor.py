"""The live monitor: findings as they occur, equal to the batch check once time has passed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from builders import REPO, ev, needs_durable, rules_of
from hypothesis import given, settings
from strategies import deadline_rules, events

from compliance import Finding, Outcome, check, load_rules
from compliance import durable_engine as durable
from compliance.errors import UsageError
from compliance.monitor import Monitor

pytestmark = needs_durable

DEMO = REPO / "fixtures" / "logs" / "demo-2025q3.jsonl"
RULES = load_rules(REPO / "rules")
# The rules the monitor follows, and among them the complaint deadlines.
LIVE = RULES.select([r.id for r in RULES if r.kind in durable.KINDS])
COMPLAINTS = RULES.select(["CMP-001", "CMP-002"])


def demo_records() -> list[dict[str, Any]]:
    out = []
    for line in DEMO.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out


def identity(f: Finding) -> tuple[Any, ...]:
    """What a finding says, without the instant it was judged at (message, overdue_by)."""
    return (f.rule_id, f.subject, f.outcome.value, f.start.id if f.start else None,
            f.stop.id if f.stop else None, f.due)


def batch_violations(records: list[dict[str, Any]], rules: Any) -> set[tuple[Any, ...]]:
    report = check(records, rules)
    return {identity(f) for f in report.findings if f.outcome is Outcome.VIOLATED}


def run_monitor(records: list[dict[str, Any]], rules: Any, **options: Any
                ) -> tuple[Monitor, list[Finding], Any]:
    delivered: list[Finding] = []
    monitor = Monitor(rules, on_finding=delivered.append, **options)
    for record in records:
        monitor.post(record)
    summary = monitor.close()
    return monitor, delivered, summary


def test_the_demo_streamed_gives_the_batch_violations_and_counts() -> None:
    records = demo_records()
    monitor, delivered, summary = run_monitor(records, LIVE, lateness=timedelta(days=1))
    current = {identity(f) for f in monitor.findings() if f.outcome is Outcome.VIOLATED}
    assert current == batch_violations(records, LIVE)
    report = check(records, LIVE)
    for rule in report.summary:
        if rule.rule_id in summary.outcomes:
            mine = summary.outcomes[rule.rule_id]
            assert mine.get("compliant", 0) == rule.outcomes.compliant, rule.rule_id
            assert mine.get("violated", 0) == rule.outcomes.violated, rule.rule_id
    assert summary.posted == len(records)
    assert summary.accepted + summary.rejected == summary.posted
    # Every delivery is a distinct finding; a late reply may follow its missed deadline.
    assert len({(identity(f)) for f in delivered}) == len(delivered)


@settings(max_examples=40, deadline=None)
@given(deadline_rules(), events(max_size=20))
def test_streamed_one_by_one_the_monitor_equals_the_batch(rule: Any,
                                                          log: list[dict[str, Any]]) -> None:
    """Posted in time order (any order within an instant) and taken in one at a time: once the
    watermark has passed every due time, the monitor's findings are the batch's."""
    log = sorted(log, key=lambda e: datetime.fromisoformat(e["time"]))
    rules = rules_of(rule)
    delivered: list[Finding] = []
    monitor = Monitor(rules, on_finding=delivered.append)
    for record in log:
        monitor.post(record)
        monitor.flush()
    monitor.close()
    current = {identity(f) for f in monitor.findings() if f.outcome is Outcome.VIOLATED}
    assert current == batch_violations(log, rules)


def test_a_deadline_passing_unanswered_is_reported_before_the_reply_and_again_when_late(
) -> None:
    delivered: list[Finding] = []
    monitor = Monitor(COMPLAINTS.select(["CMP-001"]), on_finding=delivered.append)
    monitor.post(ev("complaint_received", "2025-07-01T09:00:00", id="e-1", complaint_id="C-1",
                    site="S1", staff="P-1"))
    monitor.post(ev("visitor_registered", "2025-07-02T09:00:01", id="e-2", site="S1"))
    monitor.post(ev("visitor_registered", "2025-07-02T09:00:02", id="e-3", site="S1"))
    monitor.flush()
    assert [(f.outcome, f.stop) for f in delivered] == [(Outcome.VIOLATED, None)]
    assert delivered[0].due == "2025-07-02T09:00:00+08:00"
    assert [p.overdue for p in monitor.pending()] == [True]
    monitor.post(ev("complaint_initial_handling", "2025-07-02T10:00:00", id="e-4",
                    complaint_id="C-1", site="S1"))
    monitor.post(ev("visitor_registered", "2025-07-02T10:00:01", id="e-5", site="S1"))
    monitor.flush()
    assert len(delivered) == 2 and delivered[1].stop is not None
    assert delivered[1].overdue_by == "PT1H"
    assert monitor.pending() == []
    summary = monitor.close()
    assert summary.outcomes == {"CMP-001": {"violated": 1}}
    assert [identity(f) for f in monitor.findings()] == [identity(delivered[1])]


def test_an_event_older_than_the_watermark_is_rejected_and_counted() -> None:
    monitor = Monitor(COMPLAINTS, on_finding=lambda f: None, lateness=timedelta(hours=1))
    monitor.post(ev("complaint_received", "2025-07-01T12:00:00", id="e-1", complaint_id="C-1"))
    monitor.flush()
    monitor.post(ev("complaint_received", "2025-07-01T10:59:00", id="e-2", complaint_id="C-2"))
    monitor.post({"id": "e-3", "type": "complaint_received"})
    monitor.post_invalid("not JSON: unexpected character")
    summary = monitor.close()
    reasons = [r.reason for r in summary.rejections]
    assert summary.rejected == 3 and summary.accepted == 1 and summary.posted == 4
    assert reasons[0].startswith("arrived after the watermark")
    assert reasons[1] == "missing field 'time'" and reasons[2].startswith("not JSON")


def test_after_a_worker_crash_it_restarts_and_nothing_is_lost_or_duplicated() -> None:
    records = demo_records()
    half = len(records) // 2
    delivered: list[Finding] = []
    monitor = Monitor(LIVE, on_finding=delivered.append, lateness=timedelta(days=1))
    for record in records[:half]:
        monitor.post(record)
    monitor.flush()
    os.kill(monitor._worker.process.pid, signal.SIGKILL)
    for record in records[half:]:
        monitor.post(record)
    summary = monitor.close()
    assert summary.restarts == 1
    current = {identity(f) for f in monitor.findings() if f.outcome is Outcome.VIOLATED}
    assert current == batch_violations(records, LIVE)
    # Nothing delivered twice (a missed deadline may come before its late reply: when depends
    # on where the batches fell, which the crash changed).
    assert len({identity(f) for f in delivered}) == len(delivered)
    undisturbed, _, clean = run_monitor(records, LIVE, lateness=timedelta(days=1))
    assert list(map(identity, monitor.findings())) == list(map(identity, undisturbed.findings()))
    assert summary.outcomes == clean.outcomes


def test_events_posted_from_many_threads_are_all_taken() -> None:
    records = demo_records()
    delivered: list[Finding] = []
    monitor = Monitor(COMPLAINTS, on_finding=delivered.append, lateness=timedelta(days=200))

    def post(part: int) -> None:
        for record in records[part::4]:
            monitor.post(record)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = monitor.close()
    assert summary.posted == len(records)
    current = {identity(f) for f in monitor.findings() if f.outcome is Outcome.VIOLATED}
    assert current == batch_violations(records, COMPLAINTS)


def test_on_the_wall_clock_a_deadline_passing_is_reported_without_a_new_event() -> None:
    arrived = threading.Event()
    delivered: list[Finding] = []

    def on_finding(finding: Finding) -> None:
        delivered.append(finding)
        arrived.set()

    rules = RULES.select(["CMP-001"])  # 24 hours
    start = datetime.now(UTC) - timedelta(hours=24) + timedelta(seconds=1)
    with Monitor(rules, on_finding=on_finding, clock="wall", tick=0.05) as monitor:
        monitor.post({"id": "w-1", "type": "complaint_received", "time": start.isoformat(),
                      "complaint_id": "C-9", "site": "S1"})
        assert arrived.wait(timeout=30), "the missed deadline was never reported"
    assert delivered[0].outcome is Outcome.VIOLATED and delivered[0].stop is None


def test_bad_options_are_refused_clearly() -> None:
    with pytest.raises(UsageError, match="unknown clock"):
        Monitor(COMPLAINTS, on_finding=print, clock="sundial")
    with pytest.raises(UsageError, match="cannot be negative"):
        Monitor(COMPLAINTS, on_finding=print, lateness=timedelta(minutes=-1))


def test_the_monitor_command_reads_stdin_and_prints_findings_as_json_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compliance", "monitor", "--rules", str(REPO / "rules"),
         "--lateness", "1 days", "--lang", "en"],
        stdin=DEMO.open("rb"), capture_output=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for finding in lines:
        latest[finding["rule_id"], finding["subject"], finding["start"]["id"]
               if finding["start"] else finding["stop"]["id"]] = finding
    shown = {(f["rule_id"], f["subject"], f["outcome"], f["start"]["id"] if f["start"] else None,
              f["stop"]["id"] if f["stop"] else None, f["due"])
             for f in latest.values() if f["outcome"] == "violated"}
    assert shown == batch_violations(demo_records(), LIVE)
    summary = json.loads(done.stderr.decode().strip().splitlines()[-1])
    assert summary["summary"]["posted"] == len(DEMO.read_text(encoding="utf-8").splitlines())
    assert "REC-003" in summary["ignored_rules"]  # required_fields is not monitored


def test_the_readme_example_of_the_monitor_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Live monitor", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "instances still open" in done.stdout
    assert "violated complaint_id=" in done.stdout
