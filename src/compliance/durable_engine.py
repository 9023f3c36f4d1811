"""The durable engine: rules compiled to durable_rules rulesets that do the event correlation.

This is the only module that imports durable_rules. The division of labour (measured, see the
README's "Engines" section): Python reads, normalises and sorts the events, computes due times on
the calendar, and turns every outcome into a finding with the same code as the native engine;
the Rete network decides which events belong together: which open instances a stop closes (same
key), whether a pause is running, which instances a cancel ends, which are still open when the
clock fact arrives, and which earlier step a guarded event finds.

Each rule gets its own ruleset, built as a JSON-like dict and registered with `set_rulesets`
(never the `durable.lang` globals). Known defects of durable_rules 2.0.28 and what is done here:
- actions normally run on a background thread: `SyncHost` dispatches them synchronously;
- exceptions raised inside actions are swallowed: every action catches and the caller re-raises;
- message ids are indexed by a 32-bit hash, so two distinct ids can collide and the second
  message is refused as already observed: it is asserted again with a salted id, and every
  trigger is reconciled against its outcomes at the end;
- at most 1024 live states per ruleset: cases are processed in chunks of keys, one state (sid)
  per chunk and at most MAX_STATES chunks; a chunk's facts are all retracted when it is done.
  `delete_state` is not called: on 2.0.28 it crashed the process in most runs of a state whose
  facts had been retracted (4 and 5 of 5 runs in two minimal cases, measured here);
- a join condition whose plain (non-join) test comes after a join test can crash the C core in
  `reduceExpressionSequence` (upstream issue #381): every compiled condition lists its plain
  tests first and its join tests after them (see `_cond`); the tests run the upstream
  reproduction in both shapes.
"""

from __future__ import annotations

import contextlib
import heapq
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .errors import CheckError
from .findings import Outcome
from .kinds.base import Evaluator, InputFacts, Item, RuleResult
from .kinds.deadline import CANCEL as D_CANCEL
from .kinds.deadline import PAUSE as D_PAUSE
from .kinds.deadline import RESUME as D_RESUME
from .kinds.deadline import START as D_START
from .kinds.deadline import DeadlineEvaluator, _Open
from .kinds.forbidden import ForbiddenEvaluator
from .kinds.min_duration import CANCEL as M_CANCEL
from .kinds.min_duration import START as M_START
from .kinds.precedence import BEFORE, PrecedenceEvaluator

try:  # durable_rules builds on CPython 3.11 and 3.12 only; everything else works without it.
    from durable.engine import (  # type: ignore[import-untyped]
        Host,
        MessageNotHandledException,
        MessageObservedException,
    )
except Exception as exc:
    Host = object
    MessageNotHandledException = MessageObservedException = Exception
    IMPORT_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    IMPORT_ERROR = None

# The kinds the durable engine correlates; the others are evaluated by the native code even
# under --engine durable (they are counts per period or checks of single records: no correlation).
KINDS = ("deadline", "min_duration", "precedence", "forbidden")
# Keys per chunk (one state each), at least: small enough that the facts of a chunk stay a few
# megabytes. More keys per chunk when there would be more than MAX_STATES chunks (the limit of
# durable_rules is 1024 states per ruleset).
KEYS_PER_CHUNK = 2000
MAX_STATES = 1000
# Attempts at a fresh salted id after a 32-bit id collision before giving up.
MAX_SALTS = 8


class EngineError(CheckError):
    """The durable engine could not check (not installed, crashed, or disagreed with itself)."""


def unavailable_reason() -> str | None:
    """Why the durable engine cannot run here, or None when it can."""
    if IMPORT_ERROR is None:
        return None
    return ("the durable engine needs the durable-rules package, which is not importable here "
            f"({IMPORT_ERROR}); it builds on CPython 3.11 and 3.12: pip install "
            "'compliance[durable]'. The native engine (the default) needs nothing more.")


def supports(evaluator: Evaluator) -> bool:
    """Whether the durable engine correlates this rule's events (else the native code does)."""
    return getattr(evaluator.rule, "kind", None) in KINDS


class SyncHost(Host):  # type: ignore[misc]
    """A Host whose actions run inside `assert_fact`, on the caller's thread.

    The stock Host starts timer threads that dispatch actions in the background, so results can
    still be missing when `assert_fact` returns; this project never uses durable timers.
    """

    def _run(self) -> None:
        return None


def _cond(plain: dict[str, Any], *joins: dict[str, Any]) -> dict[str, Any]:
    """A condition: its plain tests first, then the join tests (see issue #381 above)."""
    terms = [{name: value} for name, value in plain.items()]
    terms.extend(joins)
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _same(alias: str, field: str = "key") -> dict[str, Any]:
    return {field: {alias: field}}


class _Session:
    """One rule's ruleset on the shared synchronous host: assert and retract, with id salting."""

    def __init__(self, host: Any, name: str) -> None:
        self.host = host
        self.name = name
        self.collisions = 0
        self.failure: BaseException | None = None

    def register(self, rules: dict[str, Any]) -> None:
        self.host.set_rulesets({self.name: rules})

    def action(self, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        """Wrap an action so that its exception reaches the caller instead of the state."""
        def run(c: Any) -> None:
            if self.failure is not None:
                return
            try:
                handler(c)
            except BaseException as exc:
                self.failure = exc
        return run

    def assert_(self, fact: dict[str, Any]) -> None:
        """Assert a fact; on an id collision, again with a salted id."""
        base = fact["id"]
        for salt in range(MAX_SALTS + 1):
            try:
                self.host.assert_fact(self.name, fact)
                break
            except MessageNotHandledException:
                break  # no condition takes it (a clock where nothing is open): nothing to do
            except MessageObservedException:
                self.collisions += 1
                fact["id"] = f"{base}~{salt + 1}"
        else:
            raise EngineError(f"durable_rules refused the id of fact {base!r} "
                              f"{MAX_SALTS + 1} times (32-bit id collisions)")
        self._raise_failure()

    def retract(self, fact: dict[str, Any]) -> None:
        # A fact no condition took is held by nothing: not handled is fine.
        with contextlib.suppress(MessageNotHandledException):
            self.host.retract_fact(self.name, fact)
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure


def chunks(items: Sequence[Item], as_of: int, size: int) -> Iterator[list[Item]]:
    """The items up to as_of, in time order, split into chunks holding whole keys.

    Keys are independent cases, so a chunk may be correlated and then forgotten; an item
    without a key goes with the chunk that is open when it comes.
    """
    chunk_of: dict[Any, int] = {}
    groups: list[list[Item]] = [[]]
    for item in items:
        if item[0] > as_of:
            break
        key = item[5]
        if key is None:
            groups[-1].append(item)
            continue
        n = chunk_of.get(key)
        if n is None:
            if chunk_of and len(chunk_of) % size == 0:
                groups.append([])
            n = chunk_of[key] = len(groups) - 1
        groups[n].append(item)
    return (group for group in groups if group)


class _Correlator(ABC):
    """Base of the per-kind correlations: one session, facts numbered per rule.

    Every fact carries `n`, its number: the Python side keeps what belongs to it (the event
    reference, the instance with its due time) under that number. Facts an action ends are
    retracted by the caller once the assertion has returned, never inside an action.
    """

    # Which rule kind the subclass correlates.
    kind = ""

    def __init__(self, host: Any, evaluator: Any) -> None:
        self.ev = evaluator
        self.session = _Session(host, f"rule-{evaluator.rule.id}")
        self.serial = 0
        self.sid = "0"
        self.live: dict[int, dict[str, Any]] = {}
        self.ended: set[int] = set()
        self.session.register(self.rules(self.session.action))

    @abstractmethod
    def rules(self, act: Callable[[Callable[[Any], None]], Callable[[Any], None]]
              ) -> dict[str, Any]:
        """The kind's ruleset: rule name → conditions and action (wrapped by `act`)."""

    def new_fact(self, role: str, **fields: Any) -> dict[str, Any]:
        self.serial += 1
        return {"id": str(self.serial), "sid": self.sid, "n": self.serial, "role": role, **fields}

    def hold(self, fact: dict[str, Any]) -> None:
        """Assert a fact that stays until an action ends it."""
        self.live[fact["n"]] = fact
        self.session.assert_(fact)
        self.forget()

    def touch(self, fact: dict[str, Any]) -> None:
        """Assert a fact for the matches it makes now, then retract it."""
        self.session.assert_(fact)
        self.session.retract(fact)
        self.forget()

    def forget(self) -> None:
        """Retract the held facts that the actions of the last assertion ended."""
        for n in sorted(self.ended):
            fact = self.live.pop(n, None)
            if fact is not None:
                self.session.retract(fact)
        self.ended.clear()

    def run(self, as_of: int, facts: InputFacts) -> RuleResult:
        items = self.ev.items
        items.sort()
        keys = len({item[5] for item in items})
        size = max(KEYS_PER_CHUNK, -(-keys // MAX_STATES))
        for number, chunk in enumerate(chunks(items, as_of, size)):
            self.sid = str(number)
            self.correlate(chunk, as_of)
            self.touch(self.new_fact("clock"))
            if self.live:
                raise EngineError(f"rule {self.ev.rule.id}: {len(self.live)} facts were still "
                                  "held after the clock (the durable correlation is incomplete)")
        return self.result(as_of)

    @abstractmethod
    def correlate(self, chunk: list[Item], as_of: int) -> None:
        """Assert a chunk's events, in time order, and act on what the network matches."""

    @abstractmethod
    def result(self, as_of: int) -> RuleResult:
        """The rule's findings and summary once every chunk is done."""

    def expire(self, watermark: int) -> None:  # noqa: B027  (a hook: most kinds need none)
        """Live: act on the passing of time (only deadlines do)."""

    def open_instances(self) -> list[tuple[Any, str, int | None]]:
        """Live: (start event, key, due or earliest time) of every instance still open."""
        return []

    def retained(self) -> Iterator[Any]:
        """Live: the events the open state still rests on."""
        return iter(())


class _StartStop(_Correlator):
    """Deadline and minimum duration: starts are held until a stop or cancel of their key, or
    the clock, ends them; every start ends exactly once (reconciled in `result`)."""

    def __init__(self, host: Any, evaluator: Any) -> None:
        self.instances: dict[int, tuple[Any, str]] = {}
        self.refs: dict[int, Any] = {}
        self.starts = self.without_key = self.triggers = self.outcomes = self.closed = 0
        self.at = self.as_of = 0
        super().__init__(host, evaluator)

    def take_start(self, ref: Any, key: str | None) -> str | None:
        """Count a start; its key, or None when it has none (then it is not evaluated)."""
        self.starts += 1
        if key is None:
            self.without_key += 1
            self.keyless(ref)
            return None
        self.triggers += 1
        return key

    @abstractmethod
    def keyless(self, ref: Any) -> None:
        """Judge a start without a key: not evaluated, as the native evaluator does."""

    def end(self, n: int) -> tuple[Any, str]:
        """The instance of a held start, now ended."""
        if n in self.ended or n not in self.instances:
            raise EngineError(f"rule {self.ev.rule.id}: an instance was ended twice")
        self.ended.add(n)
        self.outcomes += 1
        return self.instances.pop(n)

    def transient(self, role: str, key: str, ref: Any) -> None:
        """A stop, cancel or resume: it acts on the held facts of its key, then goes."""
        fact = self.new_fact(role, key=key)
        self.refs[fact["n"]] = ref
        closed = self.closed
        self.touch(fact)
        if role == "stop" and self.closed == closed:
            self.ev.tally.unmatched_stops += 1
        del self.refs[fact["n"]]

    def cancel(self, c: Any) -> None:
        self.end(c.i.n)
        self.ev.tally.cancelled += 1

    def result(self, as_of: int) -> RuleResult:
        if self.triggers != self.outcomes or self.instances:
            raise EngineError(f"rule {self.ev.rule.id}: {self.triggers} instances started but "
                              f"{self.outcomes} ended (the durable correlation lost some)")
        ev = self.ev
        notes = ev.key_notes(self.start_selector(), self.starts, self.without_key)
        return RuleResult(ev.sorted_findings(), ev.summary(notes), passes=ev.tally.passes)

    def start_selector(self) -> Any:
        return self.ev.rule.start


# The pieces of conditions the start/stop kinds share. `c.s` is durable's own state object, so
# the start is bound as `i` (instance).
_INSTANCE = {"i": {"role": "start"}}


def _of_instance(role: str) -> dict[str, Any]:
    return _cond({"role": role}, _same("i"))


class _DeadlineCorrelator(_StartStop):
    """Deadline: stops close every open instance of their key (judged with the pause running,
    if any), cancels end them, a resume moves their due times, the clock judges the rest."""

    kind = "deadline"

    def __init__(self, host: Any, evaluator: DeadlineEvaluator) -> None:
        self.pauses: dict[int, tuple[int, Any]] = {}
        # Live only: (due, n) of open instances, to tell when a deadline passes unanswered.
        self.live_mode = False
        self.due_heap: list[tuple[int, int]] = []
        self.reported: set[int] = set()
        self.withdrawn: list[tuple[str, str]] = []
        self.probed: int | None = None
        super().__init__(host, evaluator)

    def rules(self, act: Callable[[Callable[[Any], None]], Callable[[Any], None]]
              ) -> dict[str, Any]:
        pause = _of_instance("pause")
        return {
            "close_paused": {"all": [_INSTANCE, {"p": pause}, {"e": _of_instance("stop")}],
                             "run": act(self.close)},
            "close": {"all": [_INSTANCE, {"e": _of_instance("stop")}, {"p$not": pause}],
                      "run": act(self.close)},
            "cancel": {"all": [_INSTANCE, {"x": _of_instance("cancel")}],
                       "run": act(self.cancel)},
            # While a pause of a key runs, a second pause of that key changes nothing.
            "pause_again": {"all": [{"p": {"role": "pause"}},
                                    {"q": _cond({"role": "pause"}, _same("p"),
                                                {"$gt": {"n": {"p": "n"}}})}],
                            "run": act(lambda c: self.ended.add(c.q.n))},
            "resume": {"all": [_INSTANCE, {"p": pause}, {"r": _of_instance("resume")}],
                       "run": act(self.resume)},
            "pause_ends": {"all": [{"p": {"role": "pause"}},
                                   {"r": _cond({"role": "resume"}, _same("p"))}],
                           "run": act(lambda c: self.ended.add(c.p.n))},
            "open_paused": {"all": [_INSTANCE, {"p": pause}, {"k": {"role": "clock"}}],
                            "run": act(self.at_clock)},
            "open": {"all": [_INSTANCE, {"k": {"role": "clock"}}, {"p$not": pause}],
                     "run": act(self.at_clock)},
            # Live: is a pause of this key running now?
            "probe": {"all": [{"p": {"role": "pause"}},
                              {"q": _cond({"role": "probe"}, _same("p"))}],
                      "run": act(lambda c: setattr(self, "probed", c.p.n))},
            # A pause still running at the clock is simply forgotten.
            "pause_at_clock": {"all": [{"p": {"role": "pause"}}, {"k": {"role": "clock"}}],
                               "run": act(lambda c: self.ended.add(c.p.n))},
        }

    def correlate(self, chunk: list[Item], as_of: int) -> None:
        ev = self.ev
        self.as_of = as_of
        for ts, rank, _, _, ref, key, extra in chunk:
            if rank == D_START:
                key = self.take_start(ref, key)
                if key is None:
                    continue
                if ev.within_us is not None:
                    instance = _Open(ref, ts + ev.within_us)
                else:
                    instance = ev._open(ref, extra)
                fact = self.new_fact("start", key=key)
                self.instances[fact["n"]] = (instance, key)
                if self.live_mode and instance.due is not None:
                    heapq.heappush(self.due_heap, (instance.due, fact["n"]))
                self.hold(fact)
            elif key is None:
                continue
            elif rank == D_PAUSE:
                self.at = ts
                fact = self.new_fact("pause", key=key)
                self.pauses[fact["n"]] = (ts, ref)
                self.hold(fact)
            else:
                self.at = ts
                role = {D_RESUME: "resume", D_CANCEL: "cancel"}.get(rank, "stop")
                self.transient(role, key, ref)

    def keyless(self, ref: Any) -> None:
        self.ev._not_evaluated(ref, None, self.ev.missing_key_reason(), [ref])

    def forget(self) -> None:
        for n in self.ended:
            self.pauses.pop(n, None)
        super().forget()

    def cancel(self, c: Any) -> None:
        if c.i.n in self.reported:
            # Live: a missed deadline already reported, now withdrawn with its case.
            instance, key = self.instances[c.i.n]
            self.withdrawn.append((self.ev.subject(key), instance.start.ident))
        super().cancel(c)

    def pause_of(self, c: Any) -> tuple[int, Any] | None:
        return None if c.p is None else self.pauses[c.p.n]

    def close(self, c: Any) -> None:
        pause = self.pause_of(c)
        instance, key = self.end(c.i.n)
        self.closed += 1
        self.ev._judge(instance, key, self.at, self.refs[c.e.n], pause)

    def resume(self, c: Any) -> None:
        instance, _ = self.instances[c.i.n]
        self.ev._apply_pause(instance, self.pauses[c.p.n], self.at, self.refs[c.r.n])

    def at_clock(self, c: Any) -> None:
        pause = self.pause_of(c)
        instance, key = self.end(c.i.n)
        self.ev._judge(instance, key, self.as_of, None, pause)

    def expire(self, watermark: int) -> None:
        """Live: judge the open instances whose due time the watermark has passed (once each).

        An instance whose key is paused is not overdue while the pause runs; it is looked at
        again at the next watermark. A later stop judges it again (a late reply).
        """
        waiting: list[tuple[int, int]] = []
        while self.due_heap and self.due_heap[0][0] < watermark:
            due, n = heapq.heappop(self.due_heap)
            held = self.instances.get(n)
            if held is None or n in self.reported:
                continue
            instance, key = held
            if instance.due != due:  # a pause moved it
                if instance.due is not None:
                    heapq.heappush(self.due_heap, (instance.due, n))
                continue
            self.probed = None
            self.touch(self.new_fact("probe", key=key))
            if self.probed is not None:
                waiting.append((due, n))
                continue
            self.reported.add(n)
            self.ev._judge(instance, key, watermark, None, None)
        for entry in waiting:
            heapq.heappush(self.due_heap, entry)

    def open_instances(self) -> list[tuple[Any, str, int | None]]:
        """Live: (start event, key, due time) of every instance still open."""
        return [(instance.start, key, instance.due) for instance, key in self.instances.values()]

    def retained(self) -> Iterator[Any]:
        """Live: the events the open state still rests on."""
        for instance, _ in self.instances.values():
            yield instance.start
            yield from instance.pause_refs or ()
        for _, ref in self.pauses.values():
            yield ref


class _MinDurationCorrelator(_StartStop):
    """Minimum duration: a stop ends every open instance of its key and judges its length."""

    kind = "min_duration"

    def rules(self, act: Callable[[Callable[[Any], None]], Callable[[Any], None]]
              ) -> dict[str, Any]:
        return {
            "close": {"all": [_INSTANCE, {"e": _of_instance("stop")}], "run": act(self.close)},
            "cancel": {"all": [_INSTANCE, {"x": _of_instance("cancel")}],
                       "run": act(self.cancel)},
            "open": {"all": [_INSTANCE, {"k": {"role": "clock"}}], "run": act(self.at_clock)},
        }

    def start_selector(self) -> Any:
        return self.ev.roles()[0][0] or self.ev.rule.start

    def keyless(self, ref: Any) -> None:
        self.ev._not_evaluated(ref, None, self.ev.missing_key_reason())

    def correlate(self, chunk: list[Item], as_of: int) -> None:
        self.as_of = as_of
        for _ts, rank, _, _, ref, key, _ in chunk:
            if rank == M_START:
                key = self.take_start(ref, key)
                if key is None:
                    continue
                fact = self.new_fact("start", key=key)
                self.instances[fact["n"]] = (ref, key)
                self.hold(fact)
            elif key is not None:
                self.transient("cancel" if rank == M_CANCEL else "stop", key, ref)

    def close(self, c: Any) -> None:
        start, key = self.end(c.i.n)
        self.closed += 1
        self.ev._judge(start, key, self.refs[c.e.n])

    def open_instances(self) -> list[tuple[Any, str, int | None]]:
        return [(start, key, self.ev.reckon(start.ts, self.ev.rule.at_least, start.site).due)
                for start, key in self.instances.values()]

    def retained(self) -> Iterator[Any]:
        return (start for start, _ in self.instances.values())

    def at_clock(self, c: Any) -> None:
        start, key = self.end(c.i.n)
        self.ev._judge_open(start, key, self.as_of)


class _PrecedenceCorrelator(_Correlator):
    """Precedence: the latest earlier step of each kind is held per key; a guarded event finds
    the steps of its key that are held when it comes."""

    kind = "precedence"

    def __init__(self, host: Any, evaluator: PrecedenceEvaluator) -> None:
        self.refs: dict[int, Any] = {}
        self.found: dict[int, Any] = {}
        self.events = self.without_key = 0
        super().__init__(host, evaluator)

    def rules(self, act: Callable[[Callable[[Any], None]], Callable[[Any], None]]
              ) -> dict[str, Any]:
        return {
            # A newer step of the same kind and key replaces the one held.
            "replaced": {"all": [{"b": {"role": "before"}},
                                 {"a": _cond({"role": "before"}, _same("b"), _same("b", "step"),
                                             {"$gt": {"n": {"b": "n"}}})}],
                         "run": act(lambda c: self.ended.add(c.b.n))},
            "found": {"all": [{"b": {"role": "before"}},
                              {"e": _cond({"role": "event"}, _same("b"))}],
                      "run": act(lambda c: self.found.__setitem__(c.b.step, c.b.n))},
            "cleared": {"all": [{"b": {"role": "before"}}, {"k": {"role": "clock"}}],
                        "run": act(lambda c: self.ended.add(c.b.n))},
        }

    def correlate(self, chunk: list[Item], as_of: int) -> None:
        ev = self.ev
        names = [", ".join(s.types) for s in ev.rule.befores]
        for _ts, rank, _, _, ref, key, which in chunk:
            if rank == BEFORE:
                if key is not None:
                    fact = self.new_fact("before", key=key, step=which)
                    self.refs[fact["n"]] = ref
                    self.hold(fact)
                continue
            self.events += 1
            if key is None:
                self.without_key += 1
                ev._record(Outcome.NOT_EVALUATED, ref, None, [], ev.missing_key_reason())
                continue
            self.found.clear()
            self.touch(self.new_fact("event", key=key))
            held = [self.found.get(n) for n in range(len(names))]
            ev._judge(ref, key, [None if n is None else self.refs[n] for n in held], names)

    def forget(self) -> None:
        for n in self.ended:
            self.refs.pop(n, None)
        super().forget()

    def retained(self) -> Iterator[Any]:
        return iter(self.refs.values())

    def result(self, as_of: int) -> RuleResult:
        ev = self.ev
        notes = ev.key_notes(ev.rule.event, self.events, self.without_key)
        return RuleResult(ev.sorted_findings(), ev.summary(notes), passes=ev.tally.passes)


class _ForbiddenCorrelator(_Correlator):
    """Forbidden: every event the rule selects is a violation; the network confirms each."""

    kind = "forbidden"

    def __init__(self, host: Any, evaluator: ForbiddenEvaluator) -> None:
        self.hits = 0
        self.seen = 0
        super().__init__(host, evaluator)

    def rules(self, act: Callable[[Callable[[Any], None]], Callable[[Any], None]]
              ) -> dict[str, Any]:
        return {"hit": {"all": [{"e": {"role": "event"}}], "run": act(self.hit)}}

    def hit(self, c: Any) -> None:
        self.hits += 1

    def correlate(self, chunk: list[Item], as_of: int) -> None:
        for item in chunk:
            hits = self.hits
            self.touch(self.new_fact("event"))
            if self.hits != hits + 1:
                raise EngineError(f"rule {self.ev.rule.id}: a forbidden event was not matched")
            self.seen += 1
            self.ev.violation(item[4], item[5])

    def result(self, as_of: int) -> RuleResult:
        return RuleResult(self.ev.sorted_findings(), self.ev.summary([]),
                          passes=self.ev.tally.passes)


CORRELATORS: dict[str, type[_Correlator]] = {
    c.kind: c for c in (_DeadlineCorrelator, _MinDurationCorrelator, _PrecedenceCorrelator,
                        _ForbiddenCorrelator)
}


def finish(evaluators: Iterable[Evaluator], as_of: int, facts: InputFacts
           ) -> tuple[list[RuleResult], dict[str, int]]:
    """Finish the rules the durable engine supports, in this process; and its statistics.

    Call it in a worker process (see `workers`): a crash of the C core must not take the
    caller with it.
    """
    reason = unavailable_reason()
    if reason is not None:
        raise EngineError(reason)
    host = SyncHost()
    results: list[RuleResult] = []
    collisions = facts_asserted = 0
    for evaluator in evaluators:
        correlator = CORRELATORS[getattr(evaluator.rule, "kind", "")](host, evaluator)
        results.append(correlator.run(as_of, facts))
        collisions += correlator.session.collisions
        facts_asserted += correlator.serial
    return results, {"facts": facts_asserted, "id_collisions": collisions}
