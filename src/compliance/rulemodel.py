"""The parts every rule shares: metadata, sources, docs, selectors and durations."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .calendars import CalendarOverlay
from .durations import DURATION_PATTERN, Duration, parse_duration
from .findings import Severity, Status


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a duration must be text like '48 hours', not {value!r}")
    return parse_duration(value)


DurationField = Annotated[
    Duration,
    PlainValidator(_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({
        "type": "string",
        "pattern": DURATION_PATTERN,
        "description": "a whole number and a unit: '30 minutes', '24 hours', '3 days', "
                       "'2 weeks', '1 month', '1 quarter', '1 year', '2 working days', "
                       "'8 business hours' (or 30m, 24h, 3d, 2w)",
    }),
]

Scalar = str | int | float | bool
FieldName = Annotated[str, Field(min_length=1, pattern=r"^[^\s]+$")]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(StrictModel):
    """Operators on one field; all given operators must hold."""

    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        if not self.model_dump(exclude_none=True):
            raise ValueError(
                "a condition needs an operator: eq, ne, lt, le, gt, ge, in, not_in or exists"
            )
        return self


class Selector(StrictModel):
    """Which events take part: a type (or several) and conditions on their fields."""

    type: str | list[str] = Field(description="event type, or a list of types")
    where: dict[FieldName, Scalar | Condition] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _types_not_empty(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names or any(not n for n in names):
            raise ValueError("type must name at least one event type")
        return value

    @property
    def types(self) -> tuple[str, ...]:
        """The event types this selector accepts."""
        return (self.type,) if isinstance(self.type, str) else tuple(self.type)


class Source(StrictModel):
    """Where an obligation comes from; `quote` stands verbatim in the manual."""

    document: str = Field(min_length=1)
    section: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class RuleDocs(StrictModel):
    """Why the rule matters, how to check it by hand and what to do about a violation."""

    rationale: str = Field(min_length=1)
    audit_procedure: str = Field(min_length=1)
    remediation: str = Field(min_length=1)
    decisions: str | None = Field(
        default=None, description="how ambiguities or conflicts of the manuals were settled"
    )


class RuleBase(StrictModel):
    """Metadata common to every rule kind."""

    id: str = Field(
        pattern=r"^[A-Z]{2,5}-[0-9]{3}$",
        description="an id like CMP-002 (2 to 5 capital letters, a hyphen, 3 digits); "
                    "stable, never reused",
    )
    name: str = Field(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="kebab-case words like complaint-result-48h, equal to the file stem",
    )
    title: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    severity: Severity
    status: Status = Status.STABLE
    timezone: str = Field(default="Asia/Shanghai", description="IANA time zone of the rule")
    calendar: CalendarOverlay | None = Field(
        default=None,
        description="working calendar of this rule on top of the national one: days off, "
                    "extra working days, opening hours, per site where given",
    )
    source: list[Source] = Field(min_length=1)
    docs: RuleDocs

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Asia/Shanghai)"
            ) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The rule's time zone."""
        return ZoneInfo(self.timezone)

    def title_in(self, lang: str) -> str:
        """The title in the report's language."""
        return self.title if lang == "zh" else self.title_en
