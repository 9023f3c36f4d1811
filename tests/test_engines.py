"""The durable engine against the native one: fixtures, the demo log, random logs, hardening."""

from __future__ import annotations

import faulthandler
import json
import os
import random
import signal
import subprocess
import sys
from typing import Any

import pytest
from builders import REPO, ev, make_rule, needs_durable, rules_of
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import BASE, KEYS, deadline_rules, events, stamp

from compliance import check, load_rules, workers
from compliance import durable_engine as durable
from compliance.checker import EngineMismatch
from compliance.cli import run
from compliance.fixture_harness import discover
from compliance.reporters.json import render

RULES = load_rules(REPO / "rules")
CASES = discover(RULES, REPO / "fixtures" / "rules").cases
DURABLE_CASES = [case for case in CASES if RULES[case.rule_id].kind in durable.KINDS]
DEMO = REPO / "fixtures" / "logs" / "demo-2025q3.jsonl"
QUARTER_END = "2025-10-01T00:00:00+08:00"


def both(log: Any, rules: Any, **options: Any) -> tuple[bytes, bytes]:
    """The JSON reports of the native and the durable engine, compliant instances included."""
    native = render(check(log, rules, show_passes=True, **options))
    correlated = render(check(log, rules, show_passes=True, engine="durable", **options))
    return native, correlated


@needs_durable
@pytest.mark.parametrize("case", DURABLE_CASES, ids=lambda case: case.name)
def test_every_fixture_gives_the_same_report_on_both_engines(case: Any) -> None:
    rules = RULES.select([case.rule_id])
    as_of = case.expected.get("as_of")
    native, correlated = both(case.log, rules, as_of=None if as_of is None else str(as_of))
    assert correlated == native


@needs_durable
def test_many_small_chunks_give_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(durable, "KEYS_PER_CHUNK", 3)  # inherited by the forked worker
    native, correlated = both(DEMO, RULES.select(["CMP-001", "CMP-002", "SAL-001"]),
                              as_of=QUARTER_END)
    assert correlated == native


@needs_durable
def test_the_demo_log_gives_the_same_report_on_both_engines() -> None:
    native, correlated = both(DEMO, RULES, as_of=QUARTER_END)
    assert correlated == native
    assert b"\"outcome\": \"violated\"" in native  # the demo has violations of these kinds


@needs_durable
def test_cross_check_passes_on_the_demo_and_returns_the_native_report() -> None:
    crossed = check(DEMO, RULES, as_of=QUARTER_END, cross_check=True)
    assert render(crossed) == render(check(DEMO, RULES, as_of=QUARTER_END))


def _with_pause(rule: Any, within: str) -> Any:
    data = rule.model_dump(mode="json", exclude_none=True)
    data["within"] = within
    return make_rule(**{k: v for k, v in data.items()
                        if k in ("kind", "key", "start", "stop", "cancel", "pause", "resume",
                                 "within")})


@needs_durable
@settings(max_examples=60, deadline=None)
@given(deadline_rules(), events(max_size=30), st.randoms(use_true_random=False),
       st.sampled_from(["hours", "2 working days", "4 business hours"]))
def test_random_logs_and_deadline_rules_agree(rule: Any, log: list[dict[str, Any]],
                                              rnd: random.Random, unit: str) -> None:
    """Shuffled, with duplicated records, equal times, pauses and cancels: the same report."""
    if unit != "hours":
        rule = _with_pause(rule, unit)
    log = log + [dict(e) for e in rnd.sample(log, k=min(3, len(log)))]  # duplicates: rejected
    rnd.shuffle(log)
    native, correlated = both(log, rules_of(rule), as_of=stamp(BASE.replace(day=12)))
    assert correlated == native


@st.composite
def precedence_logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for number in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["credit_check_completed", "proof_of_funds_verified",
                                     "contract_signed", "contract_signed", "payment_outside"]))
        minute = draw(st.integers(0, 40)) * 30
        out.append(ev(kind, stamp(BASE.replace(minute=0) + __import__("datetime").timedelta(
            minutes=minute)), id=f"p-{number}", customer=draw(st.sampled_from(KEYS)),
            result=draw(st.sampled_from(["pass", "fail"]))))
    return out


@needs_durable
@settings(max_examples=40, deadline=None)
@given(precedence_logs())
def test_random_logs_agree_for_precedence_forbidden_and_min_duration(
        log: list[dict[str, Any]]) -> None:
    rules = rules_of(
        make_rule(kind="precedence", key="customer",
                  before=[{"type": "credit_check_completed", "where": {"result": "pass"}},
                          {"type": "proof_of_funds_verified"}],
                  event={"type": "contract_signed"}),
        make_rule(id="TST-002", name="test-forbidden", kind="forbidden",
                  event={"type": "payment_outside"}),
        make_rule(id="TST-003", name="test-min", kind="min_duration", key="customer",
                  start={"type": "credit_check_completed"},
                  stop={"type": "contract_signed"}, at_least="2 hours"),
    )
    native, correlated = both(log, rules, as_of=stamp(BASE.replace(day=3)))
    assert correlated == native


@needs_durable
def test_cross_check_exits_2_and_shows_the_differing_findings(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Sabotage one correlation in the durable engine: a stop that closes nothing.
    original = durable._DeadlineCorrelator.close
    dropped: list[int] = []

    def close(self: Any, c: Any) -> None:
        if not dropped:
            dropped.append(c.i.n)
            self.end(c.i.n)
            self.closed += 1
            return
        original(self, c)

    monkeypatch.setattr(durable._DeadlineCorrelator, "close", close)
    with pytest.raises(EngineMismatch) as caught:
        check(DEMO, RULES, as_of=QUARTER_END, cross_check=True)
    assert caught.value.differences
    dropped.clear()
    code = run(["check", str(DEMO), "--as-of", QUARTER_END, "--cross-check", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2
    assert "the native and durable engines disagree" in err
    assert "summary native" in err and "native only: compliant" not in err


def _segfault() -> None:
    faulthandler.disable()  # the crash is the point: no traceback dump in the test log
    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_crashing_worker_is_a_clear_error_not_a_dead_caller() -> None:
    with pytest.raises(workers.WorkerCrash, match="killed by SIGSEGV"):
        workers.run(_segfault, what="the test worker")


@needs_durable
def test_a_crash_inside_the_durable_engine_exits_2_with_a_reason(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(durable, "finish", lambda *args: _segfault())
    code = run(["check", str(DEMO), "--engine", "durable", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err == ("compliance: error: the durable engine died without an answer "
                            "(killed by SIGSEGV)\n")


def test_without_durable_rules_the_durable_engine_says_so_and_native_still_works(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(durable, "IMPORT_ERROR", "ImportError: No module named 'durable'")
    code = run(["check", str(DEMO), "--engine", "durable", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2
    assert "needs the durable-rules package" in err
    assert err.count("\n") == 1  # one line, no traceback
    assert run(["check", str(DEMO), "--format", "json"]) == 1
    assert '"findings"' in capsys.readouterr().out


@needs_durable
def test_an_id_collision_is_reposted_with_a_salted_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """durable_rules indexes ids by a 32-bit hash; a refused id must not lose the event."""
    refused: set[str] = set()
    original = durable._Session.assert_

    def assert_(self: Any, fact: dict[str, Any]) -> None:
        host = self.host
        if fact.get("role") == "start" and int(fact["id"]) % 3 == 0 and fact["id"] not in refused:
            refused.add(fact["id"])
            real = host.assert_fact

            def once(name: str, message: dict[str, Any]) -> Any:
                host.assert_fact = real
                raise durable.MessageObservedException(message)
            host.assert_fact = once
        original(self, fact)

    monkeypatch.setattr(durable._Session, "assert_", assert_)
    # In this process, so that the refusals are seen here.
    monkeypatch.setattr(workers, "run", lambda function, *args, **_: function(*args))
    rules = RULES.select(["CMP-001", "CMP-002"])
    native, correlated = both(DEMO, rules, as_of=QUARTER_END)
    assert refused and correlated == native


# The upstream reproduction of durable_rules issue #381, standalone (durable_rules only: the
# crash depends on the heap layout, which importing more modules changes), with the condition of
# the second message given as JSON.
REPRODUCTION = """
import json, sys
from durable.engine import Host

class SyncHost(Host):
    def _run(self):
        return None

second = json.loads(sys.argv[1])
rounds = int(sys.argv[2])
hits = []
host = SyncHost()
host.set_rulesets({"metrics": {
    "detected": {"all": [{"first": {"$and": [{"metric": "met-A"}, {"$gt": {"amount": 10}}]}},
                         {"second": second["$gt"]}], "run": lambda c: hits.append(1)},
    "detected2": {"all": [{"first": {"$and": [{"metric": "met-A"}, {"$gt": {"amount": 50}}]}},
                          {"second": second["$lt"]}], "run": lambda c: hits.append(2)},
}})
for n in range(rounds):
    state = {"sid": str(n)} if n else {}  # the first round exactly as upstream: no sid
    host.post("metrics", {"id": 2 * n + 1, **state, "metric": "met-A", "amount": 100})
    host.post("metrics", {"id": 2 * n + 2, **state, "metric": "met-B", "amount": 200})
print(len(hits))
"""


def _reproduce(compiled: bool, rounds: int) -> subprocess.CompletedProcess[str]:
    plain = {"metric": "met-B"}
    second = {}
    for op in ("$gt", "$lt"):
        join = {op: {"amount": {"first": "amount"}}}
        # Upstream, `m.amount > c.first.amount` came before the plain test in effect.
        second[op] = durable._cond(plain, join) if compiled else {"$and": [join, plain]}
    return subprocess.run([sys.executable, "-c", REPRODUCTION, json.dumps(second), str(rounds)],
                          capture_output=True, text=True, timeout=120, check=False)


@needs_durable
def test_compiled_conditions_do_not_reach_the_upstream_381_crash() -> None:
    """The upstream reproduction of issue #381 (a join test before a plain test in a join
    condition) crashes the C core; the same rules in the shape `_cond` compiles do not, in
    many runs (each 200 rounds on fresh states)."""
    crashes = [_reproduce(False, 1).returncode for _ in range(3)]
    assert -signal.SIGSEGV in crashes  # the reproduction is real here
    for _ in range(10):
        done = _reproduce(True, 200)
        assert done.returncode == 0, done.stderr[-500:]
        assert done.stdout.strip() == "200"  # "detected" fired once per round, as it should


@needs_durable
def test_the_durable_host_starts_no_threads_and_answers_before_assert_returns() -> None:
    import threading

    before = threading.active_count()
    host = durable.SyncHost()
    seen: list[int] = []
    host.set_rulesets({"t": {"r": {"all": [{"a": {"role": "x"}}],
                                   "run": lambda c: seen.append(c.a.n)}}})
    host.assert_fact("t", {"id": "1", "sid": "0", "role": "x", "n": 7})
    assert seen == [7]  # the action ran inside assert_fact, on this thread
    assert threading.active_count() == before


@needs_durable
def test_an_instance_lost_by_the_correlation_is_an_error_not_a_silent_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Sabotage: the clock no longer ends the instances still open.
    monkeypatch.setattr(durable._DeadlineCorrelator, "at_clock", lambda self, c: None)
    monkeypatch.setattr(workers, "run", lambda function, *args, **_: function(*args))
    with pytest.raises(durable.EngineError, match="facts were still held after the clock"):
        check(DEMO, RULES.select(["CMP-002"]), as_of=QUARTER_END, engine="durable")
