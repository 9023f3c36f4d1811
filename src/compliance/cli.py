"""The `compliance` command: parse options, call the library, pick a reporter, set the exit code.

Exit codes (see `compliance.findings.ExitCode`):
  0  compliant: no violation of a stable rule at or above --fail-on (default high)
  1  non-compliant: at least one such violation
  2  could not check: bad rule file, unreadable or invalid input, usage error, internal error
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import click

from . import checker, fixture_harness, redaction, reporters, ruledocs
from .baselines import apply_baseline, baseline_json, load_baseline
from .durations import parse_duration
from .errors import CheckError, UsageError
from .events import parse_zone
from .findings import ExitCode, Severity
from .monitor import CLOCKS, Monitor, read_stream
from .rulebook import RuleSet, load_calendar, load_rules, schema_text
from .waivers import apply_waivers, load_waivers

_EXIT_HELP = """\b
Exit codes:
  0  compliant: no violation of a stable rule at or above --fail-on
  1  non-compliant: at least one such violation
  2  could not check: bad rule file, unreadable input, usage or internal error"""


def _default_lang() -> str:
    """Chinese when the environment's locale is Chinese, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _split_ids(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _field_map(values: Sequence[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        field, sep, column = value.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UsageError(f"--map {value!r}: write FIELD=COLUMN, e.g. --map time=created_at")
        mapping[field.strip()] = column.strip()
    return mapping


def _zone(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse_zone(value)
    except ValueError as exc:
        raise UsageError(f"--default-tz: {exc}") from None


def _as_of(value: str | None) -> datetime | str | None:
    # The command line is the one place that may read the machine's clock.
    if value is not None and value.strip().lower() == "now":
        return datetime.now(UTC)
    return value


def _progress(enabled: bool | None) -> checker.Progress | None:
    """A progress line on stderr while reading: on a terminal, or when --progress is given."""
    if enabled is False or (enabled is None and not sys.stderr.isatty()):
        return None
    state = {"last": -1}

    def report(path: str, done: int, total: int) -> None:
        percent = int(done * 100 / total) if total else 100
        if percent != state["last"]:
            state["last"] = percent
            end = "\n" if percent >= 100 else "\r"
            click.echo(f"reading {path}: {percent:3d}%", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    return report


def _open_output(path: str | None) -> IO[str]:
    if path is None or path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UsageError(f"--output {path}: {exc.strerror}") from None


def _resolve_format(fmt: str, output: str | None) -> str:
    """`auto`: GitHub annotations in a GitHub Actions job, text on a terminal, else JSON."""
    if fmt != "auto":
        return fmt
    to_stdout = output in (None, "-")
    if to_stdout and os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"  # annotations work only in the job's log, not in a file
    return "text" if to_stdout and sys.stdout.isatty() else "json"


def _redacted_fields(fmt: str, redact: Sequence[str], no_redact: bool) -> tuple[str, ...]:
    """The fields to mask: --redact's, else none with --no-redact or in a machine format, else
    the customer contact fields."""
    fields = redaction.parse_fields(redact)
    if fields and no_redact:
        raise UsageError("--redact and --no-redact exclude each other")
    if fields or no_redact or fmt in redaction.MACHINE_FORMATS:
        return fields
    return redaction.DEFAULT_FIELDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EXIT_HELP)
@click.version_option(checker.tool_version(), prog_name="compliance")
def cli() -> None:
    """Check event logs against service obligations written as declarative rules."""


@cli.command(epilog=_EXIT_HELP)
@click.argument("logs", nargs=-1, metavar="LOG...")
@click.option("--rules", "rules_path", metavar="PATH",
              help="Rule file or folder (default: the bundled pack).")
@click.option("--as-of", metavar="TIME",
              help="Judge at this instant (RFC 3339 with offset, or 'now'); "
                   "default: the latest event time.")
@click.option("--format", "fmt", type=click.Choice(["auto", *reporters.FORMATS]), default="auto",
              show_default=True, help="Report format; auto = github under GitHub Actions, "
                                      "text on a terminal, json otherwise.")
@click.option("--output", "-o", metavar="FILE", help="Write the report here (default: stdout).")
@click.option("--fail-on", type=click.Choice([*(s.value for s in Severity), "none"]),
              default="high", show_default=True,
              help="Lowest severity whose violations fail the run (exit 1).")
@click.option("--select", multiple=True, metavar="IDS",
              help="Only these rules: ids, prefixes (CMP), names or globs; comma-separated.")
@click.option("--ignore", multiple=True, metavar="IDS", help="Leave these rules out.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: from the locale).")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="Read an envelope field from another column, e.g. time=created_at.")
@click.option("--default-tz", metavar="TZ",
              help="Zone for timestamps without offset (e.g. Asia/Shanghai or +08:00).")
@click.option("--profile", "profile_path", metavar="FILE",
              help="Company profile: parameters, sites, calendar, rule overrides "
                   "(default: profile.yaml beside the rules).")
@click.option("--calendar", "calendar_path", metavar="FILE",
              help="Company calendar (YAML): national years the package lacks, closed days, "
                   "extra working days, opening hours, per site.")
@click.option("--show-passes", is_flag=True, help="List compliant instances too.")
@click.option("--engine", type=click.Choice(checker.ENGINES), default="native", show_default=True,
              help="native: plain Python (the reference). durable: deadline, min_duration, "
                   "precedence and forbidden rules correlated by durable_rules.")
@click.option("--cross-check", is_flag=True,
              help="Run both engines; exit 2 showing the differing findings if they disagree.")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: when stderr is a terminal).")
@click.option("--waivers", "waivers_path", metavar="FILE",
              help="Waiver file (YAML): violations it covers become 'waived' until it expires.")
@click.option("--baseline", "baseline_path", metavar="FILE",
              help="Baseline file (from 'compliance baseline'): only violations not in it fail.")
@click.option("--redact", multiple=True, metavar="FIELDS",
              help="Mask the values of these fields (comma-separated) in the report "
                   "(default in every format but json, jsonl and sarif: the customer contact "
                   "fields).")
@click.option("--no-redact", is_flag=True, help="Mask nothing, in any format.")
def check(logs: tuple[str, ...], rules_path: str | None, as_of: str | None, fmt: str,
          output: str | None, fail_on: str, select: tuple[str, ...], ignore: tuple[str, ...],
          lang: str | None, maps: tuple[str, ...], default_tz: str | None,
          profile_path: str | None, calendar_path: str | None, show_passes: bool,
          engine: str, cross_check: bool, progress: bool | None,
          waivers_path: str | None = None, baseline_path: str | None = None,
          redact: tuple[str, ...] = (), no_redact: bool = False) -> int:
    """Check LOG files (JSON Lines, CSV, XES; .gz too) against the rules."""
    if not logs:
        raise UsageError("give at least one log file to check")
    masked = _redacted_fields(_resolve_format(fmt, output), redact, no_redact)
    rules = load_rules(rules_path, profile_path).select(_split_ids(select), _split_ids(ignore))
    gate = None if fail_on == "none" else Severity(fail_on)
    waivers = load_waivers(waivers_path) if waivers_path else None
    baseline = load_baseline(baseline_path) if baseline_path else None
    report = checker.check(
        list(logs), rules, _as_of(as_of), lang=lang or _default_lang(),
        show_passes=show_passes, default_tz=_zone(default_tz), field_map=_field_map(maps),
        progress=_progress(progress),
        calendar=load_calendar(calendar_path) if calendar_path else None,
        engine=engine, cross_check=cross_check,
    )
    if waivers is not None:
        report = apply_waivers(report, waivers)
    if baseline is not None:
        report = apply_baseline(report, baseline)
    fmt = _resolve_format(fmt, output)
    code = int(report.exit_code(gate))
    report = redaction.redact(report, masked)
    stream = _open_output(output)
    try:
        reporters.write(report, fmt, stream, fail_on=gate, rules=rules,
                        color=fmt == "text" and stream is sys.stdout and sys.stdout.isatty())
    finally:
        if stream is not sys.stdout:
            stream.close()
    return code


@cli.command(name="baseline")
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@click.option("--rules", "rules_path", metavar="PATH",
              help="Rule file or folder (default: the bundled pack).")
@click.option("--profile", "profile_path", metavar="FILE",
              help="Company profile (default: profile.yaml beside the rules).")
@click.option("--as-of", metavar="TIME",
              help="Judge at this instant (RFC 3339 with offset, or 'now'); "
                   "default: the latest event time.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules.")
@click.option("--ignore", multiple=True, metavar="IDS", help="Leave these rules out.")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="Read an envelope field from another column.")
@click.option("--default-tz", metavar="TZ", help="Zone for timestamps without offset.")
@click.option("--calendar", "calendar_path", metavar="FILE", help="Company calendar (YAML).")
@click.option("--output", "-o", metavar="FILE", help="Write the baseline here (default: stdout).")
def baseline_command(logs: tuple[str, ...], rules_path: str | None, profile_path: str | None,
                     as_of: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
                     maps: tuple[str, ...], default_tz: str | None, calendar_path: str | None,
                     output: str | None) -> int:
    """Write a baseline of the current violations of LOG files, for 'check --baseline'.

    Exits 0 when the baseline is written, whatever violations it holds; 2 when the logs,
    rules or options are bad (as 'check').
    """
    rules = load_rules(rules_path, profile_path).select(_split_ids(select), _split_ids(ignore))
    report = checker.check(
        list(logs), rules, _as_of(as_of), default_tz=_zone(default_tz),
        field_map=_field_map(maps),
        calendar=load_calendar(calendar_path) if calendar_path else None,
    )
    data = baseline_json(report)
    if output is None or output == "-":
        sys.stdout.write(data.decode("utf-8"))
    else:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise UsageError(f"--output {output}: {exc.strerror}") from None
    return int(ExitCode.COMPLIANT)


@cli.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="Read an envelope field from another column.")
@click.option("--default-tz", metavar="TZ", help="Zone for timestamps without offset.")
def validate(logs: tuple[str, ...], maps: tuple[str, ...], default_tz: str | None) -> int:
    """Check LOG files against the event envelope; list every rejected record.

    Exits 0 when every record is valid, 1 when some are rejected, 2 when a file cannot be read.
    """
    inputs = checker.validate(list(logs), default_tz=_zone(default_tz), field_map=_field_map(maps))
    for item in inputs:
        for rejection in item.rejections:
            click.echo(f"{rejection.file}:{rejection.line}: {rejection.reason}")
        click.echo(f"{item.path}: {item.records} records, {item.accepted} valid, "
                   f"{item.rejected} rejected", err=True)
    return int(ExitCode.VIOLATIONS if any(i.rejected for i in inputs) else ExitCode.COMPLIANT)


def _profile_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--profile", "profile_path", metavar="FILE",
                        help="Company profile (default: profile.yaml beside the rules).")(command)


@cli.group()
def rules() -> None:
    """Inspect, validate and test rule files."""


@rules.command("list")
@click.option("--rules", "rules_path", metavar="PATH", help="Rule file or folder.")
@_profile_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_list(rules_path: str | None, profile_path: str | None, fmt: str) -> int:
    """List the rules: id, kind, severity, status, title."""
    rows = ruledocs.listing(load_rules(rules_path, profile_path))
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return int(ExitCode.COMPLIANT)
    widths = {key: max([len(key), *(len(row[key]) for row in rows)])
              for key in ("id", "kind", "severity", "status")}
    for row in [{key: key for key in ("id", "kind", "severity", "status")}, *rows]:
        cells = [row[key].ljust(widths[key]) for key in widths]
        title = row.get("title_en", "title")
        click.echo("  ".join([*cells, title]).rstrip())
    return int(ExitCode.COMPLIANT)


@rules.command("show")
@click.argument("rule_id", metavar="ID")
@click.option("--rules", "rules_path", metavar="PATH", help="Rule file or folder.")
@_profile_option
@click.option("--fixtures", default="fixtures/rules", show_default=True, metavar="DIR",
              help="Fixture folder whose logs are shown with their verdicts.")
def rules_show(rule_id: str, rules_path: str | None, profile_path: str | None,
               fixtures: str) -> int:
    """Show one rule: what it checks, its source quote, docs and fixture verdicts."""
    loaded = load_rules(rules_path, profile_path)
    if rule_id not in loaded.ids:
        matches = loaded.select([rule_id]).ids
        if len(matches) != 1:
            raise UsageError(f"{rule_id!r} names {len(matches)} rules: "
                             f"{', '.join(matches)}; give one id")
        rule_id = matches[0]
    click.echo(ruledocs.show(loaded, rule_id, Path(fixtures)), nl=False)
    return int(ExitCode.COMPLIANT)


@rules.command("docs")
@click.option("--rules", "rules_path", metavar="PATH", help="Rule file or folder.")
@_profile_option
@click.option("--output", "-o", metavar="FILE", help="Write the catalogue here (default: stdout).")
def rules_docs(rules_path: str | None, profile_path: str | None, output: str | None) -> int:
    """Write the rule pack as a bilingual Markdown catalogue."""
    text = ruledocs.catalogue(load_rules(rules_path, profile_path))
    stream = _open_output(output)
    try:
        stream.write(text)
    finally:
        if stream is not sys.stdout:
            stream.close()
    return int(ExitCode.COMPLIANT)


@rules.command("validate")
@click.argument("path", required=False)
@_profile_option
def rules_validate(path: str | None, profile_path: str | None) -> int:
    """Validate rule files, and the company profile, without running them."""
    loaded: RuleSet = load_rules(path, profile_path)
    changes = f", {len(loaded.overrides)} profile changes" if loaded.overrides else ""
    click.echo(f"{len(loaded)} rules valid{changes}", err=True)
    return int(ExitCode.COMPLIANT)


@rules.command("test")
@click.argument("fixtures", required=False, default="fixtures/rules", metavar="[FIXTURES]")
@click.option("--rules", "rules_path", metavar="PATH",
              help="Rule file or folder (default: the bundled pack).")
def rules_test(fixtures: str, rules_path: str | None) -> int:
    """Run each rule's fixture logs (default folder: fixtures/rules) against expected.yaml.

    Exits 0 when every case passes, 1 when a case fails or a rule lacks fixtures.
    """
    root = Path(fixtures)
    if not root.is_dir():
        raise UsageError(f"no fixture folder {fixtures}")
    loaded = load_rules(rules_path)
    found = fixture_harness.discover(loaded, root)
    failures = list(found.problems)
    for case in found.cases:
        problems = fixture_harness.run_case(case, loaded)
        failures.extend(problems)
        click.echo(f"{'FAIL' if problems else 'ok  '}  {case.name}")
    for failure in failures:
        click.echo(f"  {failure}", err=True)
    click.echo(f"{len(found.cases)} cases, {len(failures)} problems", err=True)
    return int(ExitCode.VIOLATIONS if failures else ExitCode.COMPLIANT)


@rules.command("schema")
def rules_schema() -> int:
    """Print the JSON Schema of a rule file."""
    click.echo(schema_text(), nl=False)
    return int(ExitCode.COMPLIANT)


@cli.command(name="monitor")
@click.option("--rules", "rules_path", metavar="PATH",
              help="Rule file or folder (default: the bundled pack).")
@_profile_option
@click.option("--lateness", default="0m", show_default=True, metavar="DURATION",
              help="How far behind the latest event an event may still arrive (e.g. 10m, "
                   "2 hours); deadlines are judged that far behind.")
@click.option("--clock", type=click.Choice(CLOCKS), default="event", show_default=True,
              help="event: time is the latest event time posted; wall: the machine's clock.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the messages (default: from the locale).")
@click.option("--default-tz", metavar="TZ", help="Zone for timestamps without offset.")
@click.option("--calendar", "calendar_path", metavar="FILE", help="Company calendar (YAML).")
def monitor_command(rules_path: str | None, profile_path: str | None, lateness: str,
                    clock: str, lang: str | None, default_tz: str | None,
                    calendar_path: str | None) -> int:
    """Watch JSON Lines on stdin (e.g. `tail -f export.jsonl |`); print findings as they occur.

    Findings go to stdout as JSON Lines, one per line, flushed at once; a summary goes to
    stderr at the end of the input (or on Ctrl-C). Only deadline, min_duration, precedence and
    forbidden rules are monitored; needs durable-rules.
    """
    rules = load_rules(rules_path, profile_path)
    out = sys.stdout

    def emit(finding: Any) -> None:
        out.write(json.dumps(finding.to_dict(), ensure_ascii=False) + "\n")
        out.flush()

    watcher = Monitor(rules, on_finding=emit, lateness=_lateness(lateness), clock=clock,
                      lang=lang or _default_lang(), default_tz=_zone(default_tz),
                      calendar=load_calendar(calendar_path) if calendar_path else None)
    try:
        for record in read_stream(sys.stdin.buffer):
            if isinstance(record, str):
                watcher.post_invalid(record)
            else:
                watcher.post(record)
    except KeyboardInterrupt:
        pass
    finally:
        summary = watcher.close()
        click.echo(json.dumps({"summary": summary.to_dict(),
                               "ignored_rules": list(watcher.ignored_rules)},
                              ensure_ascii=False), err=True)
    violated = any(f.outcome.value == "violated" for f in watcher.findings())
    return int(ExitCode.VIOLATIONS if violated else ExitCode.COMPLIANT)


def _lateness(value: str) -> Any:
    from datetime import timedelta

    try:
        duration = parse_duration(value)
    except ValueError as exc:
        raise UsageError(f"--lateness {value!r}: {exc}") from None
    if not duration.is_elapsed:
        raise UsageError(f"--lateness {value!r}: give elapsed time (minutes, hours, days)")
    return timedelta(microseconds=duration.microseconds)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; never leaves with a traceback for bad input."""
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None,
        invoke: Callable[..., Any] | None = None) -> int:
    """Run the command line and return its exit code."""
    try:
        result = (invoke or cli.main)(args=list(argv) if argv is not None else None,
                                      prog_name="compliance", standalone_mode=False)
    except CheckError as exc:
        click.echo(f"compliance: error: {exc}", err=True)
        return int(ExitCode.ERROR)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("compliance: aborted", err=True)
        return int(ExitCode.ERROR)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.ERROR)
    except KeyboardInterrupt:
        click.echo("compliance: interrupted", err=True)
        return int(ExitCode.ERROR)
    except BrokenPipeError:
        return int(ExitCode.COMPLIANT)
    except Exception as exc:
        if os.environ.get("COMPLIANCE_DEBUG"):
            raise
        click.echo(f"compliance: internal error: {type(exc).__name__}: {exc} "
                   "(set COMPLIANCE_DEBUG=1 for a traceback)", err=True)
        return int(ExitCode.ERROR)
    return int(result) if isinstance(result, int) else int(ExitCode.COMPLIANT)
