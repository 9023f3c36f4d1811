"""The live monitor: events posted one at a time, findings delivered the moment they occur.

    monitor = compliance.Monitor(rules, on_finding=print, lateness=timedelta(minutes=5))
    monitor.post({"id": "e-1", "type": "complaint_received", "time": "...", ...})
    ...
    summary = monitor.close()

Threads and processes: `post` may be called from any thread; it only puts the event on a queue.
One engine thread takes events off the queue, orders them by event time and releases them once
the watermark has passed them; it hands them to a worker process that runs the durable_rules
correlation (`live.LiveEngine`), and calls `on_finding` with what comes back. A crash of the
worker (durable_rules has a C core) restarts it and replays the events the open instances rest
on; findings already delivered are not delivered again.

Time: with `clock="event"` (the default) the watermark is the latest event time posted minus
the allowed lateness, so the monitor judges a replayed export exactly as a batch check would;
with `clock="wall"` it is the machine's clock minus the lateness, so a deadline that passes with
no event arriving is reported within one tick. An event older than the watermark when it arrives
is rejected (counted, with its reason): the instances it belongs to may already have been judged.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import multiprocessing
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import IO, Any

import orjson

from .calendars import CalendarOverlay
from .durations import to_us
from .errors import CheckError, UsageError
from .events import TimeParser
from .findings import Finding, Rejection
from .live import LiveEngine, OpenInstance, Step
from .rulebook import RuleSet

log = logging.getLogger(__name__)
CLOCKS = ("event", "wall")
# Events taken off the queue before they are released and judged, at most.
_MAX_BATCH = 10_000
_NEVER = -(2**62)


@dataclass
class MonitorSummary:
    """What a monitor saw and did, for its closing summary."""

    posted: int = 0
    accepted: int = 0
    rejected: int = 0
    findings: int = 0
    restarts: int = 0
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    pending: int = 0
    callback_errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data (the first 100 rejections)."""
        return {
            "posted": self.posted, "accepted": self.accepted, "rejected": self.rejected,
            "findings": self.findings, "pending": self.pending, "restarts": self.restarts,
            "callback_errors": self.callback_errors,
            "outcomes": {rule: dict(sorted(counts.items()))
                         for rule, counts in sorted(self.outcomes.items())},
            "rejections": [{"line": r.line, "reason": r.reason} for r in self.rejections[:100]],
        }


def _serve(conn: Any, rules: RuleSet, options: dict[str, Any]) -> None:
    """The worker process: a LiveEngine answering the engine thread's requests."""
    try:
        engine = LiveEngine(rules, **options)
    except CheckError as exc:
        conn.send(("error", exc))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        kind = request[0]
        try:
            if kind == "feed":
                conn.send(("step", engine.feed(*request[1:])))
            elif kind == "pending":
                conn.send(("pending", engine.pending()))
            else:
                conn.send(("bye", None))
                return
        except CheckError as exc:
            conn.send(("error", exc))


class _Worker:
    """The worker process and its pipe; `call` raises _Died when the process is gone."""

    def __init__(self, rules: RuleSet, options: dict[str, Any]) -> None:
        # fork where there is fork: spawn would re-import the embedding program's main module,
        # which breaks every script without an `if __name__ == "__main__"` guard.
        methods = multiprocessing.get_all_start_methods()
        ctx: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, rules, options), daemon=True)
        self.process.start()
        child.close()
        status, value = self._receive()
        if status == "error":
            raise value

    def call(self, *request: Any) -> Any:
        """Send a request and return the worker's answer."""
        try:
            self.conn.send(request)
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            raise _Died from None
        status, value = self._receive()
        if status == "error":
            raise value
        return value

    def _receive(self) -> tuple[str, Any]:
        try:
            answer: tuple[str, Any] = self.conn.recv()
        except (EOFError, ConnectionResetError, OSError):
            raise _Died from None
        return answer

    def stop(self) -> None:
        """Ask the worker to end, and make sure it has."""
        try:
            self.conn.send(("stop",))
            self.conn.recv()
        except (BrokenPipeError, EOFError, OSError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class _Died(Exception):
    """The worker process is gone."""


class Monitor:
    """Live compliance monitoring for a service that embeds the engine (see the module doc).

    Only the rules the durable engine correlates are monitored (deadline, min_duration,
    precedence, forbidden); `ignored_rules` lists the others. Needs durable-rules.
    """

    def __init__(self, rules: RuleSet, on_finding: Callable[[Finding], None], *,
                 on_withdrawn: Callable[[Finding], None] | None = None,
                 lateness: timedelta = timedelta(0), clock: str = "event", lang: str = "en",
                 default_tz: tzinfo | None = None, calendar: CalendarOverlay | None = None,
                 tick: float = 0.2, max_restarts: int = 5) -> None:
        if clock not in CLOCKS:
            raise UsageError(f"unknown clock {clock!r} (one of {', '.join(CLOCKS)})")
        if lateness < timedelta(0):
            raise UsageError("the allowed lateness cannot be negative")
        from . import durable_engine  # only to say early and clearly when it cannot run

        reason = durable_engine.unavailable_reason()
        if reason is not None:
            raise durable_engine.EngineError(reason)
        self.rules = rules
        self.ignored_rules = tuple(r.id for r in rules
                                   if getattr(r, "kind", None) not in durable_engine.KINDS)
        self.on_finding = on_finding
        self.on_withdrawn = on_withdrawn
        self.lateness_us = to_us_delta(lateness)
        self.clock = clock
        self.tick = tick
        self.max_restarts = max_restarts
        self.parser = TimeParser(default_tz)
        self.options = {"lang": lang, "default_tz": default_tz, "calendar": calendar}
        self.summary = MonitorSummary()
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._numbers = itertools.count(1)
        self._buffer: list[tuple[int, int, Mapping[str, Any]]] = []
        # Events the worker's open state rests on (and the batch on its way), to replay after a
        # crash; and which rules rest on each (a replayed event goes to those rules only).
        self._journal: dict[int, tuple[int, Mapping[str, Any]]] = {}
        self._retained: dict[int, frozenset[str]] = {}
        self._latest = _NEVER
        self._watermark = _NEVER
        self._delivered: set[tuple[Any, ...]] = set()
        self._current: dict[tuple[str, str, str], Finding] = {}
        self._passes: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._closed = False
        self._failure: BaseException | None = None
        self._worker = _Worker(rules, self.options)
        self._thread = threading.Thread(target=self._run, name="compliance-monitor", daemon=True)
        self._thread.start()

    # --- the caller's side -------------------------------------------------------------------

    def post(self, event: Mapping[str, Any]) -> None:
        """Hand over one event (a dict with the envelope fields); returns at once."""
        if self._closed:
            raise UsageError("the monitor is closed")
        self._queue.put(("event", event))

    def post_invalid(self, reason: str) -> None:
        """Count an input record the caller could not even decode (a broken JSON line)."""
        if self._closed:
            raise UsageError("the monitor is closed")
        self._queue.put(("invalid", reason))

    def flush(self) -> None:
        """Wait until every event posted so far has been taken in (released or buffered)."""
        done = threading.Event()
        self._queue.put(("flush", done))
        while not done.wait(0.05):
            self._raise_failure()

    def pending(self) -> list[OpenInstance]:
        """The instances open now (among the events released up to the watermark)."""
        self.flush()
        with self._lock:
            return list(self._call("pending"))

    def findings(self) -> list[Finding]:
        """The current finding of every instance reported so far (a late reply replaces the
        finding of its missed deadline), ordered by rule, subject and start."""
        with self._lock:
            current = list(self._current.values())
        return sorted(current, key=lambda f: (f.rule_id, f.subject,
                                              f.start.time if f.start else "",
                                              f.start.id if f.start else ""))

    @property
    def watermark(self) -> datetime | None:
        """The instant up to which events have been released and deadlines judged."""
        if self._watermark == _NEVER:
            return None
        return datetime.fromtimestamp(0, UTC) + timedelta(microseconds=self._watermark)

    def close(self) -> MonitorSummary:
        """Release what is buffered, judge deadlines up to the latest event (event clock) or
        now (wall clock), stop the worker and return the summary."""
        if not self._closed:
            self._closed = True
            self._queue.put(("close", None))
            self._thread.join()
            with self._lock:
                try:
                    self.summary.pending = len(self._call("pending"))
                finally:
                    self._worker.stop()
            outcomes: Counter[tuple[str, str]] = Counter(self._passes)
            outcomes.update((f.rule_id, f.outcome.value) for f in self._current.values())
            for (rule_id, outcome), count in sorted(outcomes.items()):
                self.summary.outcomes.setdefault(rule_id, {})[outcome] = count
        self._raise_failure()
        return self.summary

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the engine thread -------------------------------------------------------------------

    def _run(self) -> None:
        """The engine thread: take events off the queue, release them, judge, deliver."""
        try:
            while True:
                try:
                    kind, value = self._queue.get(timeout=self.tick)
                except queue.Empty:
                    if self.clock == "wall":
                        self._advance(self._wall())
                    continue
                if kind == "event":
                    self._take(value)
                    # Take what is already waiting before judging: one batch, not many (but a
                    # bounded one, so that a steady stream still gets judged as it goes).
                    for _ in range(_MAX_BATCH):
                        try:
                            kind, value = self._queue.get_nowait()
                        except queue.Empty:
                            break
                        if kind == "invalid":
                            self._reject(next(self._numbers), value)
                            self.summary.posted += 1
                            continue
                        if kind != "event":
                            self._queue.put((kind, value))  # handled on the next turn
                            break
                        self._take(value)
                    self._advance(self._wall() if self.clock == "wall"
                                  else self._latest - self.lateness_us)
                elif kind == "invalid":
                    self._reject(next(self._numbers), value)
                    self.summary.posted += 1
                elif kind == "flush":
                    value.set()
                elif kind == "close":
                    final = self._wall() if self.clock == "wall" else self._latest
                    self._advance(final, release_all=True)
                    return
        except BaseException as exc:
            self._failure = exc
            log.exception("the monitor's engine thread stopped")

    def _wall(self) -> int:
        # The monitor's clock is one of the two places that may read the machine's time.
        return to_us(datetime.now(UTC)) - self.lateness_us

    def _take(self, event: Mapping[str, Any]) -> None:
        """Number an event and buffer it by its time, or reject it with the reason."""
        number = next(self._numbers)
        self.summary.posted += 1
        reason = None
        when = None
        if not isinstance(event, Mapping):
            reason = f"a record must be a mapping, not {type(event).__name__}"
        else:
            try:
                when = self.parser.parse(event.get("time"))
            except ValueError as exc:
                reason = str(exc) if event.get("time") is not None else "missing field 'time'"
        if when is not None and when < self._watermark:
            reason = ("arrived after the watermark (event time older than the allowed "
                      "lateness behind the latest event)")
        if reason is not None or when is None:
            self._reject(number, reason or "invalid record")
            return
        heapq.heappush(self._buffer, (when, number, dict(event)))
        self._latest = max(self._latest, when)

    def _reject(self, number: int, reason: str) -> None:
        """Count a record that was not taken, and keep why."""
        self.summary.rejected += 1
        self.summary.rejections.append(Rejection(file="<monitor>", line=number, reason=reason))

    def _advance(self, watermark: int, release_all: bool = False) -> None:
        """Move the watermark: release the events before it to the worker and judge."""
        if watermark < self._watermark and not release_all:
            return
        batch = []
        # Strictly older than the watermark: the events of one instant go together, so that
        # they are ordered by role as in a batch check (a start before a stop at the same time).
        while self._buffer and (release_all or self._buffer[0][0] < watermark):
            when, number, record = heapq.heappop(self._buffer)
            batch.append((number, record))
            self._journal[number] = (when, record)
        self._watermark = max(self._watermark, watermark)
        if not batch and self._watermark == _NEVER:
            return
        with self._lock:
            try:
                step: Step = self._worker.call("feed", batch, self._watermark)
            except _Died:
                # The batch is in the journal already: the replay is its answer.
                step = self._restart()
            self._absorb(step, len(batch))

    def _call(self, *request: Any) -> Any:
        """A request to the worker; after a crash, a new worker given the open state first."""
        while True:
            try:
                return self._worker.call(*request)
            except _Died:
                self._absorb(self._restart(), 0)

    def _restart(self) -> Step:
        """A new worker, given the events the open state rests on; what the replay found (all
        of it delivered before the crash, but for the batch that was on its way)."""
        self.summary.restarts += 1
        if self.summary.restarts > self.max_restarts:
            raise CheckError(f"the monitor's worker process died {self.summary.restarts} "
                             "times; giving up")
        log.warning("the monitor's worker process died; restarting it (%d)",
                    self.summary.restarts)
        self._worker.stop()
        self._worker = _Worker(self.rules, self.options)
        replay = sorted(self._journal.items(), key=lambda item: (item[1][0], item[0]))
        try:
            step: Step = self._worker.call(
                "feed", [(n, record) for n, (_, record) in replay], self._watermark,
                self._retained)
            return step
        except _Died:
            return self._restart()

    def _absorb(self, step: Step, released: int) -> None:
        """Take in what the worker did with a batch: counts, journal, findings to deliver."""
        self.summary.accepted += released - len(step.rejections)
        for rejection in step.rejections:
            if rejection.line in self._journal:
                del self._journal[rejection.line]
            self.summary.rejected += 1
            self.summary.rejections.append(rejection)
        self._journal = {n: v for n, v in self._journal.items() if n in step.retained}
        self._retained = step.retained
        # Passes and cancels are counted from the worker's tallies (they come from stops and
        # cancels, which a replay never repeats); every other outcome from the instances'
        # current findings, which a replay cannot count twice.
        for rule_id, counts in step.counts.items():
            for outcome in ("compliant", "cancelled"):
                if counts.get(outcome):
                    self._passes[rule_id, outcome] += counts[outcome]
        for withdrawn in step.withdrawn:
            gone = self._current.pop(withdrawn, None)
            if gone is not None and self.on_withdrawn is not None:
                self._deliver(self.on_withdrawn, gone)
        for finding in step.findings:
            identity = (finding.rule_id, finding.subject, finding.start.id if finding.start
                        else finding.stop.id if finding.stop else "")
            seen = (*identity, finding.outcome.value,
                    finding.stop.id if finding.stop else None)
            if seen in self._delivered:
                continue
            self._delivered.add(seen)
            self._current[identity] = finding
            self.summary.findings += 1
            self._deliver(self.on_finding, finding)

    def _deliver(self, callback: Callable[[Finding], None], finding: Finding) -> None:
        """Call a callback of the embedding service; its failure is counted and logged."""
        try:
            callback(finding)
        except Exception:
            self.summary.callback_errors += 1
            log.exception("a monitor callback raised")

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure = self._failure
            if isinstance(failure, CheckError):
                raise failure
            raise CheckError(f"the monitor stopped: {type(failure).__name__}: {failure}")


def read_stream(stream: IO[bytes]) -> Iterator[dict[str, Any] | str]:
    """JSON Lines from a stream as they come: each line's object, or why it is not one."""
    for line in stream:
        text = line.strip()
        if not text:
            continue
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield f"not JSON: {exc}"
            continue
        yield record if isinstance(record, dict) else f"not a JSON object: {text[:40]!r}"


def to_us_delta(value: timedelta) -> int:
    """A duration in microseconds."""
    return value // timedelta(microseconds=1)
