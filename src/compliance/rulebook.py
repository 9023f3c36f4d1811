"""Rule files: YAML → JSON Schema → pydantic, with the file and line of every problem."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from hashlib import sha256
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import orjson
import yaml
from pydantic import TypeAdapter, ValidationError

from .calendars import CalendarOverlay, conflicts
from .errors import RuleError, UsageError
from .kinds import KIND_MODELS, Rule
from .profile import Profile, substitute

RULE_SUFFIXES = (".yaml", ".yml")
# Files of a rule pack that describe the pack rather than hold a rule.
PACK_FILES = frozenset({"catalogue-coverage", "ids", "profile"})

_ADAPTER: TypeAdapter[Rule] = TypeAdapter(Rule)
Lines = dict[tuple[Any, ...], int]
T = TypeVar("T")


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file, generated from the pydantic models."""
    schema = _ADAPTER.json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://compliance.invalid/schema/rule.schema.json",
        "title": "compliance rule file",
        **schema,
    }


def schema_text() -> str:
    """The schema as it is shipped in `compliance/schema/rule.schema.json`."""
    return json.dumps(rule_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@cache
def _shipped_schema() -> dict[str, Any]:
    shipped = resources.files("compliance").joinpath("schema", "rule.schema.json")
    loaded: dict[str, Any] = json.loads(shipped.read_text(encoding="utf-8"))
    return loaded


@cache
def _kind_validator(kind: str) -> jsonschema.protocols.Validator:
    schema = _shipped_schema()
    model = KIND_MODELS[kind]
    sub = {"$ref": f"#/$defs/{model.__name__}", "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(sub)


@dataclass(frozen=True)
class AppliedOverride:
    """A profile's change to a rule, as the report lists it."""

    rule_id: str
    change: str
    reason: str


class RuleSet:
    """A loaded rule pack: rules in id order, the file each came from, and its profile."""

    def __init__(self, rules: Iterable[Rule], paths: dict[str, str] | None = None,
                 profile: Profile | None = None,
                 overrides: Sequence[AppliedOverride] = ()) -> None:
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: r.id))
        self.paths = dict(paths or {})
        self.profile = profile or Profile()
        self.overrides = tuple(overrides)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The rule ids, sorted."""
        return tuple(rule.id for rule in self.rules)

    def digest(self) -> str:
        """SHA-256 of the rules' definitions, independent of file layout and formatting."""
        data = [rule.model_dump(mode="json", by_alias=True) for rule in self.rules]
        return sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()

    def select(self, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> RuleSet:
        """The rules whose id or name matches a `select` pattern and no `ignore` pattern.

        A pattern is an id (`CMP-002`), a prefix (`CMP`), a name, or a glob (`CMP-00*`).
        A pattern that matches no rule is a usage error: a typo must not silently check nothing.
        """
        chosen = [r for r in self.rules if not select or any(_matches(r, p) for p in select)]
        for pattern in (*select, *ignore):
            if not any(_matches(r, pattern) for r in self.rules):
                raise UsageError(f"no rule matches {pattern!r} (see `compliance rules list`)")
        chosen = [r for r in chosen if not any(_matches(r, p) for p in ignore)]
        kept = {r.id for r in chosen}
        return RuleSet(chosen, {r.id: self.paths[r.id] for r in chosen if r.id in self.paths},
                       self.profile, [o for o in self.overrides if o.rule_id in kept])


def _matches(rule: Rule, pattern: str) -> bool:
    pattern = pattern.strip()
    if any(ch in pattern for ch in "*?["):
        return fnmatchcase(rule.id, pattern) or fnmatchcase(rule.name, pattern)
    return rule.id == pattern or rule.name == pattern or rule.id.startswith(pattern + "-")


def bundled_rules_path() -> Path:
    """The rule pack shipped with the package (or the checkout's `rules/` when run from source)."""
    packaged = Path(str(resources.files("compliance"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def load_rules(path: str | Path | None = None,
               profile: str | Path | Profile | None = None) -> RuleSet:
    """Load and validate a rule file or a folder of them (the bundled pack by default).

    `profile` is a profile file or model; by default the `profile.yaml` beside the rules, if
    there is one. Its parameters fill the rules' `{param: ...}` places, its overrides change
    or disable rules, and its sites join the groups of site-grouped rules.
    """
    root = Path(path) if path is not None else bundled_rules_path()
    if not root.exists():
        raise RuleError("no such rule file or folder", str(root))
    if profile is None and root.is_dir() and (root / "profile.yaml").is_file():
        profile = root / "profile.yaml"
    company = load_profile(profile) if isinstance(profile, str | Path) else profile or Profile()
    files = [root] if root.is_file() else sorted(
        p for p in root.rglob("*")
        if p.suffix in RULE_SUFFIXES and p.is_file() and p.stem not in PACK_FILES
        and not any(part.startswith((".", "_")) for part in p.relative_to(root).parts)
    )
    if not files:
        raise RuleError("no rule files (*.yaml) found", str(root))
    rules: list[Rule] = []
    paths: dict[str, str] = {}
    for file in files:
        rule = load_rule_file(file, company.params)
        if rule.id in paths:
            raise RuleError(f"rule id {rule.id} is already used by {paths[rule.id]}", str(file),
                            1)
        paths[rule.id] = str(file)
        rules.append(rule)
    rules, applied = _apply_profile(rules, company, profile)
    return RuleSet(rules, {r.id: paths[r.id] for r in rules}, company, applied)


def _apply_profile(rules: list[Rule], company: Profile, source: Any
                   ) -> tuple[list[Rule], list[AppliedOverride]]:
    """The rules as the company runs them: overrides applied, its sites as groups."""
    file = str(source) if isinstance(source, str | Path) else "profile"
    by_id = {rule.id: rule for rule in rules}
    applied: list[AppliedOverride] = []
    for rule_id, override in company.overrides.items():
        line = company.line_of("overrides", rule_id)
        if rule_id not in by_id:
            raise RuleError(f"overrides names rule {rule_id}, which the pack does not have",
                            file, line)
        if override.disabled:
            del by_id[rule_id]
            applied.append(AppliedOverride(rule_id, "disabled", override.reason))
            continue
        changes = override.changes()
        rule = by_id[rule_id]
        data = {**rule.model_dump(mode="json", by_alias=True, exclude_none=True), **changes}
        try:
            by_id[rule_id] = _ADAPTER.validate_python(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in tuple(first["loc"])[1:])
            reason = first["msg"].removeprefix("Value error, ")
            raise RuleError(f"override of {rule_id}: {where}: {reason}" if where else
                            f"override of {rule_id}: {reason}", file, line) from None
        applied += [AppliedOverride(rule_id, f"{name}: {value}", override.reason)
                    for name, value in changes.items()]
    if company.sites:
        for rule_id, rule in by_id.items():
            if getattr(rule, "group_by", None) == "site":
                groups = sorted({*getattr(rule, "groups", []), *company.sites})
                by_id[rule_id] = rule.model_copy(update={"groups": groups})
    return list(by_id.values()), applied


_PROFILE: TypeAdapter[Profile] = TypeAdapter(Profile)


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a company profile."""
    return _document_schema(_PROFILE, "compliance company profile")


def load_profile(path: str | Path) -> Profile:
    """Parse, schema-check and model a company profile; RuleError with file and line."""
    file = str(path)
    company, lines = _load_document(path, _PROFILE, profile_schema(), "a profile must be a "
                                    "mapping (params, sites, calendar, overrides)")
    if company.calendar is not None:
        _check_calendar(company.calendar, lines, file, ("calendar",))
        company.calendar.name_origins(file, lines, ("calendar",))
    company._lines.update(lines)
    return company


def load_rule_file(path: str | Path, params: dict[str, Any] | None = None) -> Rule:
    """Parse, schema-check and model one rule file; raise RuleError with file and line.

    `{param: NAME}` places take the value of the profile's parameter NAME.
    """
    file = str(path)
    data, lines = _read_mapping(path, "a rule file must be a mapping of fields (id, name, kind, "
                                      "...)")
    unset: list[tuple[tuple[Any, ...], str]] = []
    data = substitute(data, params or {}, unset)
    if unset:
        place, name = unset[0]
        raise RuleError(f"the rule uses parameter {name!r}, which the profile does not set",
                        file, _line_of(place, lines))
    kind = data.get("kind")
    if kind not in KIND_MODELS:
        known = ", ".join(sorted(KIND_MODELS))
        where = lines.get(("kind",), 1)
        if kind is None:
            raise RuleError(f"missing required field 'kind' (one of {known})", file, where)
        raise RuleError(f"unknown kind {kind!r} (one of {known})", file, where)
    rule: Rule = _validated(data, lines, file, _kind_validator(kind), _ADAPTER, skip_loc=1)
    if rule.calendar is not None:
        _check_calendar(rule.calendar, lines, file, ("calendar",))
        rule.calendar.name_origins(file, lines, ("calendar",))
    stem = Path(path).stem
    if rule.name != stem:
        raise RuleError(f"name {rule.name!r} must equal the file name {stem!r}", file,
                        lines.get(("name",), 1))
    return rule


def _validated(data: Any, lines: Lines, file: str, validator: jsonschema.protocols.Validator,
               adapter: TypeAdapter[Any], skip_loc: int = 0) -> Any:
    """Check a parsed document against its JSON Schema, then build its model."""
    errors = list(validator.iter_errors(data))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        line, reason = _explain(error, lines)
        raise RuleError(reason, file, line)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])[skip_loc:]  # a tagged union puts the tag first
        reason = first["msg"].removeprefix("Value error, ")
        field = ".".join(str(p) for p in loc)
        raise RuleError(f"{field}: {reason}" if field else reason, file,
                        _line_of(loc, lines)) from None


def _check_calendar(overlay: CalendarOverlay, lines: Lines, file: str,
                    prefix: tuple[Any, ...] = ()) -> None:
    for path, reason in conflicts(overlay):
        raise RuleError(reason, file, _line_of((*prefix, *path), lines))


_CALENDAR: TypeAdapter[CalendarOverlay] = TypeAdapter(CalendarOverlay)


def calendar_schema() -> dict[str, Any]:
    """The JSON Schema of a calendar overlay file."""
    return _document_schema(_CALENDAR, "compliance calendar overlay")


def load_calendar(path: str | Path) -> CalendarOverlay:
    """Parse, schema-check and model a calendar overlay file; RuleError with file and line."""
    file = str(path)
    overlay, lines = _load_document(path, _CALENDAR, calendar_schema(), "a calendar file must "
                                    "be a mapping (national, holidays, working_days, hours, "
                                    "sites)")
    _check_calendar(overlay, lines, file)
    overlay.name_origins(file, lines)
    return overlay


def _document_schema(adapter: TypeAdapter[Any], title: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            **adapter.json_schema()}


def _load_document(path: str | Path, adapter: TypeAdapter[T], schema: dict[str, Any],
                   not_a_mapping: str) -> tuple[T, Lines]:
    """Read a YAML document, check it against its schema and build its model."""
    data, lines = _read_mapping(path, not_a_mapping)
    validator = jsonschema.Draft202012Validator(schema)
    model: T = _validated(data, lines, str(path), validator, adapter)
    return model, lines


def _read_mapping(path: str | Path, not_a_mapping: str) -> tuple[dict[str, Any], Lines]:
    """Read a YAML file that must hold a mapping, with the line of every key."""
    file = str(path)
    try:
        source = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RuleError("not UTF-8 text", file) from None
    except OSError as exc:
        raise RuleError(f"cannot read: {exc.strerror}", file) from None
    data, lines = parse_yaml(source, file)
    if not isinstance(data, dict):
        raise RuleError(not_a_mapping, file, 1)
    return data, lines


def parse_yaml(source: str, file: str) -> tuple[Any, Lines]:
    """Safe-load YAML and record the line of every mapping key and list item."""
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError(f"invalid YAML: {exc.problem or exc.context}", file, line) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"invalid YAML: {exc}", file) from None
    if node is None:
        raise RuleError("empty file", file, 1)
    lines: Lines = {}
    constructor = yaml.SafeLoader("")
    return _construct(node, (), lines, constructor, file), lines


def _construct(node: yaml.Node, path: tuple[Any, ...], lines: Lines,
               constructor: yaml.SafeLoader, file: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise RuleError("YAML merge keys (<<) are not supported in rule files", file,
                                key_node.start_mark.line + 1)
            key = _construct(key_node, (*path, "<key>"), {}, constructor, file)
            if not isinstance(key, str | int | float | bool):
                raise RuleError("a mapping key must be plain text", file,
                                key_node.start_mark.line + 1)
            key = str(key)  # JSON has text keys only: `2027:` names the year "2027"
            if key in result:
                raise RuleError(f"field {key!r} is given twice", file,
                                key_node.start_mark.line + 1)
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*path, key), lines, constructor, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines, constructor, file)
                for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # dates stay text: the schema checks their form, the models read them
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise RuleError(f"invalid YAML value: {exc}", file, node.start_mark.line + 1) from None


def _line_of(path: Sequence[Any], lines: Lines) -> int:
    """The line of the deepest part of `path` the file has (a missing field: its parent)."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return 1


def _explain(error: jsonschema.ValidationError, lines: Lines) -> tuple[int, str]:
    """A one-line reason for a schema error, and the line it belongs to."""
    path = tuple(error.absolute_path)
    field = ".".join(str(p) for p in path) or "the rule"
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        at = (*path, extra[0]) if extra else path
        where = f" in {field}" if path else ""
        return _line_of(at, lines), (
            f"unknown field {extra[0]!r}{where} (allowed: {', '.join(allowed)})"
        )
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
        where = f" in {field}" if path else ""
        return _line_of(path, lines), f"missing required field {missing!r}{where}"
    if kind == "pattern" and schema.get("description"):
        return _line_of(path, lines), (
            f"{field}: invalid value {error.instance!r}: expected {schema['description']}"
        )
    if kind == "pattern":
        return _line_of(path, lines), (
            f"{field}: {error.instance!r} does not have the required form {schema['pattern']}"
        )
    if kind == "enum":
        options = ", ".join(str(v) for v in schema.get("enum", []))
        return _line_of(path, lines), f"{field}: {error.instance!r} is not one of: {options}"
    if kind == "oneOf" and not path:
        return _line_of(("kind",), lines), "give exactly one of 'within' and 'due_field'"
    if kind == "dependentRequired":
        return _line_of(path, lines), f"{field}: {error.message}"
    if kind == "minLength":
        return _line_of(path, lines), f"{field}: must not be empty"
    if kind == "type":
        return _line_of(path, lines), (
            f"{field}: expected {schema.get('type')}, got {_json_type(error.instance)}"
        )
    return _line_of(path, lines), f"{field}: {error.message}"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__
