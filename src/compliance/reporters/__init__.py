"""Reporters: one module per output format; each reads only the report model.

`_MODULES` is the table of formats: a format name and the module under `reporters/` that writes
it. Each module has `write(report, stream, **options)`; every module receives `fail_on` and
`color` and whatever the command line adds (`lang`, `redact`, ...), and ignores what it does not
use. Modules are imported only when their format is asked for (rich and friends slow start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import IO, Any

from ..findings import Report, Severity

_MODULES: dict[str, str] = {
    "text": "text",
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "markdown": "markdown",
    "junit": "junit",
    "github": "github",
    "html": "html",
    "sarif": "sarif",
}

FORMATS = tuple(_MODULES)


def write(report: Report, fmt: str, stream: IO[str], *, fail_on: Severity | None,
          color: bool = False, **options: Any) -> None:
    """Write `report` to `stream` in format `fmt`."""
    try:
        module_name = _MODULES[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}") from None
    module = import_module(f"{__name__}.{module_name}")
    module.write(report, stream, fail_on=fail_on, color=color, **options)
