"""The company profile: what the manuals leave open, the sites, and rule overrides.

A profile (`profile.yaml` beside a rule pack, or `--profile FILE`) holds:

- `params`: the values the manuals leave open (the bound of 及时, the cadence of 定期, ...). A rule
  names one with `{param: timely}` where a value would stand; the rule file is read with the
  value in its place, before it is validated. Nothing is evaluated: it is a lookup.
- `sites`: the company's sites. Periodic and threshold rules grouped by site judge every listed
  site, with or without events, and a calendar may only name listed sites.
- `calendar`: the company calendar (the format of a `--calendar` file), for every rule.
- `overrides`: per rule id, `disabled: true`, another `severity` or `status`, or another bound
  (`within`, `at_least`, `at_most`, `min_count`, `min_sample`, `every`), each with the `reason`
  the company records for it. The report lists every override applied.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .calendars import CalendarOverlay
from .findings import Severity, Status

Param = str | int | float | bool


class Override(BaseModel):
    """A company's change to one rule, with its reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(min_length=1, description="why the company departs from the rule")
    disabled: bool = False
    severity: Severity | None = None
    status: Status | None = None
    within: str | None = None
    at_least: str | float | None = None
    at_most: float | None = None
    min_count: int | None = Field(default=None, ge=1)
    min_sample: int | None = Field(default=None, ge=1)
    every: str | None = None

    def changes(self) -> dict[str, Any]:
        """The rule fields this override sets."""
        return self.model_dump(exclude={"reason", "disabled"}, exclude_none=True, mode="json")


class Profile(BaseModel):
    """A company profile: parameters, sites, calendar and rule overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    params: dict[str, Param] = Field(default_factory=dict,
                                     description="values the manuals leave open")
    sites: list[str] = Field(default_factory=list, description="the company's sites")
    calendar: CalendarOverlay | None = None
    overrides: dict[str, Override] = Field(default_factory=dict,
                                           description="changes to rules, by rule id")
    # The line of every key of the file it came from, for errors found after loading.
    _lines: dict[tuple[Any, ...], int] = PrivateAttr(default_factory=dict)

    def line_of(self, *path: Any) -> int:
        """The line of a key of the profile file (1 when unknown)."""
        return self._lines.get(path, 1)


def substitute(data: Any, params: dict[str, Param], found: list[tuple[tuple[Any, ...], str]],
               path: tuple[Any, ...] = ()) -> Any:
    """`data` with every `{param: NAME}` replaced by the profile's value.

    Names the profile does not set are collected in `found` with their place, and left as they
    are (the caller reports them).
    """
    if isinstance(data, dict):
        if set(data) == {"param"} and isinstance(data["param"], str):
            name = data["param"]
            if name in params:
                return params[name]
            found.append((path, name))
            return data
        return {key: substitute(value, params, found, (*path, key)) for key, value in
                data.items()}
    if isinstance(data, list):
        return [substitute(item, params, found, (*path, n)) for n, item in enumerate(data)]
    return data
