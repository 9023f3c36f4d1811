"""Run a function in a worker process, so that a crash there is an error here, not a death."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .errors import CheckError


class WorkerCrash(CheckError):
    """The worker process died (a signal, or an exit without an answer)."""


def _context() -> Any:
    # fork hands the worker the caller's objects without pickling them (the events read so far
    # can be hundreds of megabytes); spawn where fork does not exist.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _serve(conn: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        answer: tuple[str, Any] = ("ok", function(*args))
    except CheckError as exc:
        answer = ("check-error", exc)
    except BaseException as exc:
        answer = ("error", f"{type(exc).__name__}: {exc}")
    conn.send(answer)
    conn.close()


def run(function: Callable[..., Any], *args: Any, what: str = "the worker") -> Any:
    """`function(*args)` in a fresh process; its result, or its CheckError raised here.

    A crash of the process (a segmentation fault in a C extension, say) raises WorkerCrash
    naming the signal; any other exception comes back as a CheckError with its type and text.
    """
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_serve, args=(send, function, args), daemon=True)
    process.start()
    send.close()
    try:
        answer = receive.recv()
    except EOFError:
        answer = None
    process.join()
    if answer is None:
        raise WorkerCrash(f"{what} died without an answer ({_how(process.exitcode)})")
    status, value = answer
    if status == "ok":
        return value
    if status == "check-error":
        raise value
    raise CheckError(f"{what} failed: {value}")


def _how(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"
