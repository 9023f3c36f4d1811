"""Splitting one check across processes by rule, to use a second core on large logs.

Every helper process reads the whole input itself (each must see every record to reject the same
ones and find the same duplicates) but collects and judges only its share of the rules; it sends
back just their findings and summaries. Processes are forked, so nothing but those results is
copied between them. A helper that fails costs time, never a verdict: its rules are judged again
in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this much input the second process costs more than it saves.
MIN_PARALLEL_BYTES = 16 << 20


def available() -> bool:
    """Whether this platform can fork worker processes (POSIX)."""
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()


def default_jobs(input_bytes: int) -> int:
    """How many processes a check of this much input should use: 2 for large logs, else 1."""
    if not available() or input_bytes < MIN_PARALLEL_BYTES:
        return 1
    return min(2, os.cpu_count() or 1)


def partition(items: Sequence[T], parts: int) -> list[list[T]]:
    """`parts` groups of about equal size, in round-robin order; no empty group."""
    groups = [list(items[i::parts]) for i in range(max(1, parts))]
    return [group for group in groups if group] or [[]]


class Helpers(Generic[T, R]):
    """Forked processes, one per group, each running `work(group)`; results come back pickled."""

    def __init__(self, groups: Sequence[T], work: Callable[[T], R]) -> None:
        self.groups = list(groups)
        self.work = work
        self._running: list[tuple[Any, Connection]] = []

    def __enter__(self) -> Helpers[T, R]:
        context = multiprocessing.get_context("fork")
        for group in self.groups:
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_serve, args=(self.work, group, sender),
                                      daemon=True)
            process.start()
            sender.close()
            self._running.append((process, receiver))
        return self

    def results(self) -> list[tuple[T, R | None]]:
        """Each group with its result, or None where the helper failed."""
        out: list[tuple[T, R | None]] = []
        for group, (process, receiver) in zip(self.groups, self._running, strict=True):
            try:
                status, value = receiver.recv()
            except (EOFError, OSError):
                status, value = "failed", None
            process.join()
            out.append((group, value if status == "ok" else None))
        return out

    def __exit__(self, *exc: object) -> None:
        for process, receiver in self._running:
            if process.is_alive():
                process.terminate()
            process.join()
            receiver.close()


def _serve(work: Callable[[Any], Any], group: Any, sender: Connection) -> None:
    try:
        result = work(group)
    except BaseException as exc:
        sender.send(("failed", f"{type(exc).__name__}: {exc}"))
    else:
        sender.send(("ok", result))
    finally:
        sender.close()
