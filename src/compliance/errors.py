"""Errors that stop a run: each carries the place (file, line) and a one-line reason."""

from __future__ import annotations


class CheckError(Exception):
    """The run could not check: bad rule file, unreadable input, bad option (exit code 2)."""

    def __init__(self, reason: str, file: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        place = self.file or ""
        if self.file and self.line is not None:
            place = f"{self.file}:{self.line}"
        return f"{place}: {self.reason}" if place else self.reason


class RuleError(CheckError):
    """A rule file, rule pack or calendar file is invalid."""


class InputError(CheckError):
    """An input log cannot be read at all (missing, binary, unknown format, no events)."""


class UsageError(CheckError):
    """An option or argument of the caller is invalid (an unknown rule id, a bad time)."""
