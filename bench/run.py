"""The throughput benchmark of `compliance check`, held against plain `json.loads`.

    python bench/run.py [--events 1000000] [--keep] [--data-dir bench/data]

1. Generates N events with bench/generate.py once (data-dir/events-<N>-seed<S>-v<V>.jsonl; a
   file kept by an earlier run with --keep is reused).
2. Measures, each run in a fresh process started through bench/measure.py, best of 3:
   (a) parse: bench/parse_only.py reads the file line by line and `json.loads` every line;
   (b) check: `compliance check FILE --rules bench/rules --as-of T --format json --output TMP`,
       with T a fixed time more than 48 hours after the last event.
3. Prints a Markdown table, the ratio (b)/(a) and the targets, writes bench/results/latest.json,
   and exits 0 when every target is met, 1 when one is missed, 2 when something could not be
   measured.

Standard library only; the `compliance` executable is looked for next to sys.executable (the
virtual environment's bin directory), else `python -m compliance` is run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  (bench/generate.py, standard library only)

TARGET_RATIO = 3.0               # wall time of (b) / wall time of (a), at most
TARGET_RSS_BYTES = 1_000_000_000  # peak RSS of (b), less than 1 GB
RULES_DIR = BENCH / "rules"
# The same three rules, but BEN-001 counts 2 working days on the mainland-China calendar.
CALENDAR_RULES_DIR = BENCH / "rules-calendar"
TARGET_CALENDAR_OVERHEAD = 1.2
# The three rules plus one of every other kind (precedence, forbidden, periodic, threshold,
# required_fields, retention), held to the same ratio target as (b).
ALL_KINDS_RULES_DIR = BENCH / "rules-all"
RESULTS = BENCH / "results" / "latest.json"
# as_of is this long after the local midnight that ends the day of the last event: more than the
# longest deadline (48 hours), so every instance without a stop is overdue, none is pending.
AS_OF_AFTER_LAST_DAY = timedelta(days=2)


def compliance_command() -> list[str]:
    """`compliance` next to the running interpreter, else `python -m compliance`."""
    bindir = Path(sys.executable).parent
    for name in ("compliance", "compliance.exe"):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    return [sys.executable, "-m", "compliance"]


def data_file(data_dir: Path, events: int, seed: int) -> Path:
    return data_dir / f"events-{events}-seed{seed}-v{generate.GENERATOR_VERSION}.jsonl"


def load_cached(path: Path, events: int, seed: int) -> dict[str, Any] | None:
    """The meta of a complete earlier generation with these parameters, else None."""
    meta_file = Path(generate.meta_path(str(path)))
    if not (path.is_file() and meta_file.is_file()):
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    wanted = {"generator_version": generate.GENERATOR_VERSION, "events": events, "seed": seed,
              "cases": generate.DEFAULT_CASES, "bytes": path.stat().st_size}
    if any(meta.get(k) != v for k, v in wanted.items()):
        return None
    return meta


def as_of_for(meta: dict[str, Any]) -> str:
    last = datetime.fromisoformat(meta["last_time"])
    end_of_day = datetime.combine(last.date() + timedelta(days=1), datetime.min.time(),
                                  tzinfo=last.tzinfo)
    return (end_of_day + AS_OF_AFTER_LAST_DAY).isoformat()


def warm_page_cache(path: Path) -> None:
    """Read the file once so that the first measured run does not pay for the disk."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def measure(command: list[str], workdir: Path, label: str) -> tuple[dict[str, Any], str, str]:
    """Run a command through bench/measure.py; its numbers, standard output and error."""
    out, err = workdir / f"{label}.stdout", workdir / f"{label}.stderr"
    wrapper = [sys.executable, str(BENCH / "measure.py"), "--stdout", str(out),
               "--stderr", str(err), "--", *command]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench/measure.py failed: {done.stderr.strip()}")
    numbers = json.loads(done.stdout)
    return (numbers, out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"))


def summarize(runs: list[dict[str, Any]], events: int, command: list[str]) -> dict[str, Any]:
    best = min(r["wall_s"] for r in runs)
    return {
        "command": command,
        "runs": runs,
        "best_wall_s": round(best, 4),
        "events_per_s": round(events / best) if best > 0 else None,
        "peak_rss_bytes": max(r["max_rss_bytes"] for r in runs),
    }


def check_verdicts(report_path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Compare the report's per-rule counts with what the generator wrote; a cheap sanity check
    that the engine did the work it was timed for."""
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"ok": False, "problems": [f"the report is not readable JSON: {exc}"]}
    problems: list[str] = []
    summary = {s.get("rule_id"): s for s in report.get("summary", []) if isinstance(s, dict)}
    for rule_id, info in meta["rules"].items():
        entry = summary.get(rule_id)
        if entry is None:
            problems.append(f"{rule_id} is missing from the report's summary")
            continue
        outcomes = entry.get("outcomes", {})
        for outcome, want in info["expected"].items():
            got = outcomes.get(outcome)
            if got != want:
                problems.append(f"{rule_id} {outcome}: report {got}, generator {want}")
    inputs = report.get("inputs") or [{}]
    accepted = inputs[0].get("accepted")
    if accepted != meta["events"]:
        problems.append(f"report accepted {accepted} records, the log has {meta['events']}")
    tool = report.get("tool") or {}
    return {"ok": not problems, "problems": problems, "tool_version": tool.get("version")}


def fmt_mb(n: int) -> str:
    return f"{n / 1e6:,.1f}"


def markdown(results: dict[str, Any]) -> str:
    runs = results["runs_per_step"]
    rows = [
        f"| step | best of {runs} (s) | events/s | peak RSS (MB) | runs (s) |",
        "| --- | --: | --: | --: | --- |",
    ]
    steps = [("parse", "(a) parse: `json.loads` per line"),
             ("check", "(b) `compliance check` end to end")]
    if results.get("calendar"):
        steps.append(("calendar", "(c) the same, BEN-001 in working days"))
    if results.get("kinds"):
        steps.append(("kinds", "(d) nine rules, one of every kind"))
    if results.get("durable"):
        steps.append(("durable", "(e) the check of (b), `--engine durable`"))
    for key, label in steps:
        step = results.get(key)
        if not step:
            rows.append(f"| {label} | – | – | – | not measured |")
            continue
        walls = ", ".join(f"{r['wall_s']:.2f}" for r in step["runs"])
        rows.append(f"| {label} | {step['best_wall_s']:.2f} | {step['events_per_s']:,} "
                    f"| {fmt_mb(step['peak_rss_bytes'])} | {walls} |")
    lines = [f"{results['events']:,} events ({fmt_mb(results['data']['bytes'])} MB), "
             f"as_of {results['as_of']}, Python {results['host']['python']}", "", *rows, ""]
    t = results["targets"]
    if t["ratio"] is not None:
        lines.append(f"- ratio (b)/(a): {t['ratio']:.2f} (target ≤ {TARGET_RATIO}): "
                     f"{'PASS' if t['ratio_ok'] else 'FAIL'}")
        lines.append(f"- peak RSS of (b): {fmt_mb(t['rss_bytes'])} MB (target < "
                     f"{fmt_mb(TARGET_RSS_BYTES)} MB): {'PASS' if t['rss_ok'] else 'FAIL'}")
    if t.get("calendar_overhead") is not None:
        lines.append(f"- working-day arithmetic (c)/(b): {t['calendar_overhead']:.2f} (target ≤ "
                     f"{TARGET_CALENDAR_OVERHEAD}): {'PASS' if t['calendar_ok'] else 'FAIL'}")
    if t.get("kinds_ratio") is not None:
        lines.append(f"- all kinds (d)/(a): {t['kinds_ratio']:.2f} (target ≤ {TARGET_RATIO}): "
                     f"{'PASS' if t['kinds_ok'] else 'FAIL'}")
    if t.get("durable_slowdown") is not None:
        lines.append(f"- durable engine (e)/(b): {t['durable_slowdown']:.2f}x the native time; "
                     f"same report: {'yes' if t['durable_same_report'] else 'NO'}")
    m = results.get("monitor_latency")
    if m:
        lines.append("- monitor latency, deadline passing to callback (wall clock, tick "
                     f"{m.get('tick_s')} s): median {m.get('median_ms')} ms, p95 "
                     f"{m.get('p95_ms')} ms, max {m.get('max_ms')} ms" if "error" not in m
                     else f"- monitor latency: not measured: {m['error'][:200]}")
    v = results.get("verdicts")
    if v is not None:
        lines.append("- verdicts match the generator: "
                     + ("yes" if v["ok"] else "NO: " + "; ".join(v["problems"][:5])))
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(BENCH), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def measure_check(command: list[str], workdir: Path, tag: str) -> dict[str, Any]:
    """Time one extra check step; a check that could not check (exit 2) stops the benchmark."""
    numbers, _, err = measure(command, workdir, tag)
    if numbers["exit_code"] not in (0, 1):
        raise RuntimeError(f"`{' '.join(command)}` exited {numbers['exit_code']}:\n"
                           f"{err.strip()[-2000:]}")
    return numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark `compliance check` against plain json.loads parsing.")
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events in the generated log (default 1000000)")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED,
                        help=f"generator seed (default {generate.DEFAULT_SEED})")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each step; the best wall time counts (default 3)")
    parser.add_argument("--data-dir", type=Path, default=BENCH / "data",
                        help="where the generated log is cached (default bench/data)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated log (for reuse by later runs) and the last "
                             "report in the data directory")
    parser.add_argument("--parse-only", action="store_true",
                        help="measure (a) only; no target is evaluated")
    parser.add_argument("--calendar", action="store_true",
                        help="also time (c): the same check with BEN-001 in working days, "
                             f"target at most {TARGET_CALENDAR_OVERHEAD}x (b)")
    parser.add_argument("--kinds", action="store_true",
                        help="also time (d): the check with one rule of every kind "
                             f"(bench/rules-all), target ratio (d)/(a) at most {TARGET_RATIO}")
    parser.add_argument("--durable", action="store_true",
                        help="also time (e): the check of (b) with --engine durable (its "
                             "report must equal (b)'s), and (f) the live monitor's latency "
                             "from a deadline passing to its callback")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="where to write the results as JSON (default "
                             "bench/results/latest.json)")
    args = parser.parse_args(argv)
    if args.events < 1 or args.runs < 1:
        parser.error("--events and --runs must be at least 1")

    args.data_dir.mkdir(parents=True, exist_ok=True)
    data = data_file(args.data_dir, args.events, args.seed)
    meta = load_cached(data, args.events, args.seed)
    generated_now = meta is None
    gen_seconds = None
    if meta is None:
        print(f"generating {args.events:,} events (seed {args.seed}) -> {data}", file=sys.stderr)
        began = time.perf_counter()
        meta = generate.generate_file(args.events, str(data), args.seed)
        gen_seconds = time.perf_counter() - began
        print(f"  {gen_seconds:.1f} s, {args.events / gen_seconds:,.0f} events/s", file=sys.stderr)
    else:
        print(f"using cached {data}", file=sys.stderr)
    as_of = as_of_for(meta)

    workdir = Path(tempfile.mkdtemp(prefix="compliance-bench-"))
    report = workdir / "report.json"
    parse_cmd = [sys.executable, str(BENCH / "parse_only.py"), str(data)]
    check_cmd = [*compliance_command(), "check", str(data), "--rules", str(RULES_DIR),
                 "--as-of", as_of, "--format", "json", "--output", str(report)]
    calendar_cmd = [*compliance_command(), "check", str(data), "--rules",
                    str(CALENDAR_RULES_DIR), "--as-of", as_of, "--format", "json", "--output",
                    str(workdir / "report-calendar.json")]

    results: dict[str, Any] = {
        "schema": 1,
        "timestamp": datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": {"python": platform.python_version(), "implementation":
                 platform.python_implementation(), "platform": platform.platform(),
                 "machine": platform.machine(), "cpus": os.cpu_count()},
        "git_commit": git_commit(),
        "events": args.events,
        "seed": args.seed,
        "data": {"path": str(data), "bytes": meta["bytes"], "generated_now": generated_now,
                 "generate_s": round(gen_seconds, 3) if gen_seconds else None,
                 "first_time": meta["first_time"], "last_time": meta["last_time"]},
        "rules": str(RULES_DIR),
        "as_of": as_of,
        "runs_per_step": args.runs,
        "parse": None,
        "check": None,
        "verdicts": None,
        "targets": {"ratio": None, "ratio_max": TARGET_RATIO, "ratio_ok": None,
                    "rss_bytes": None, "rss_max_bytes": TARGET_RSS_BYTES, "rss_ok": None},
        "error": None,
        "passed": None,
    }

    status = 0
    parse_runs: list[dict[str, Any]] = []
    check_runs: list[dict[str, Any]] = []
    calendar_runs: list[dict[str, Any]] = []
    kinds_runs: list[dict[str, Any]] = []
    durable_runs: list[dict[str, Any]] = []
    durable_report = workdir / "report-durable.json"
    durable_cmd = [*check_cmd[:-1], str(durable_report), "--engine", "durable"]
    kinds_cmd = [*compliance_command(), "check", str(data), "--rules",
                 str(ALL_KINDS_RULES_DIR), "--as-of", as_of, "--format", "json", "--output",
                 str(workdir / "report-kinds.json")]
    try:
        warm_page_cache(data)
        for i in range(args.runs):  # interleaved, so that drift of the machine hits both alike
            numbers, out, err = measure(parse_cmd, workdir, f"parse-{i}")
            if numbers["exit_code"] != 0 or out.strip() != str(args.events):
                raise RuntimeError(f"parse run failed (exit {numbers['exit_code']}, "
                                   f"output {out.strip()[:80]!r}): {err.strip()[-2000:]}")
            parse_runs.append(numbers)
            print(f"  (a) parse run {i + 1}: {numbers['wall_s']:.2f} s", file=sys.stderr)
            if args.parse_only:
                continue
            report.unlink(missing_ok=True)
            numbers, out, err = measure(check_cmd, workdir, f"check-{i}")
            if numbers["exit_code"] not in (0, 1):
                raise RuntimeError(f"`{' '.join(check_cmd)}` exited {numbers['exit_code']}:\n"
                                   f"{err.strip()[-2000:]}")
            if not report.is_file():
                raise RuntimeError(f"`{' '.join(check_cmd)}` exited {numbers['exit_code']} "
                                   f"but wrote no report:\n{err.strip()[-2000:]}")
            check_runs.append(numbers)
            print(f"  (b) check run {i + 1}: {numbers['wall_s']:.2f} s, "
                  f"exit {numbers['exit_code']}", file=sys.stderr)
            if args.calendar:
                calendar_runs.append(measure_check(calendar_cmd, workdir, f"calendar-{i}"))
                print(f"  (c) working-day check run {i + 1}: "
                      f"{calendar_runs[-1]['wall_s']:.2f} s", file=sys.stderr)
            if args.kinds:
                kinds_runs.append(measure_check(kinds_cmd, workdir, f"kinds-{i}"))
                print(f"  (d) all-kinds check run {i + 1}: {kinds_runs[-1]['wall_s']:.2f} s",
                      file=sys.stderr)
            if args.durable:
                durable_runs.append(measure_check(durable_cmd, workdir, f"durable-{i}"))
                print(f"  (e) durable-engine check run {i + 1}: "
                      f"{durable_runs[-1]['wall_s']:.2f} s", file=sys.stderr)
        results["parse"] = summarize(parse_runs, args.events, parse_cmd)
        if check_runs:
            results["check"] = summarize(check_runs, args.events, check_cmd)
            results["verdicts"] = check_verdicts(report, meta)
            ratio = results["check"]["best_wall_s"] / results["parse"]["best_wall_s"]
            rss = results["check"]["peak_rss_bytes"]
            t = results["targets"]
            t.update(ratio=round(ratio, 3), ratio_ok=ratio <= TARGET_RATIO,
                     rss_bytes=rss, rss_ok=rss < TARGET_RSS_BYTES)
            results["passed"] = bool(t["ratio_ok"] and t["rss_ok"]
                                     and results["verdicts"]["ok"])
            if calendar_runs:
                results["calendar"] = summarize(calendar_runs, args.events, calendar_cmd)
                overhead = (results["calendar"]["best_wall_s"]
                            / results["check"]["best_wall_s"])
                t.update(calendar_overhead=round(overhead, 3),
                         calendar_overhead_max=TARGET_CALENDAR_OVERHEAD,
                         calendar_ok=overhead <= TARGET_CALENDAR_OVERHEAD)
                results["passed"] = results["passed"] and t["calendar_ok"]
            if kinds_runs:
                results["kinds"] = summarize(kinds_runs, args.events, kinds_cmd)
                kinds_ratio = results["kinds"]["best_wall_s"] / results["parse"]["best_wall_s"]
                t.update(kinds_ratio=round(kinds_ratio, 3), kinds_ok=kinds_ratio <= TARGET_RATIO,
                         kinds_rss_bytes=results["kinds"]["peak_rss_bytes"])
                results["passed"] = results["passed"] and t["kinds_ok"]
            if durable_runs:
                results["durable"] = summarize(durable_runs, args.events, durable_cmd)
                same = durable_report.read_bytes() == report.read_bytes()
                t.update(durable_slowdown=round(results["durable"]["best_wall_s"]
                                                / results["check"]["best_wall_s"], 2),
                         durable_same_report=same)
                results["passed"] = results["passed"] and same
                latency = subprocess.run([sys.executable, str(BENCH / "monitor_latency.py")],
                                         capture_output=True, text=True, check=False)
                results["monitor_latency"] = (json.loads(latency.stdout)
                                              if latency.returncode == 0 else
                                              {"error": latency.stdout + latency.stderr})
            status = 0 if results["passed"] else 1
    except RuntimeError as exc:
        results["error"] = str(exc)
        status = 2
        if parse_runs and results["parse"] is None:  # keep what was measured
            results["parse"] = summarize(parse_runs, args.events, parse_cmd)
    finally:
        if args.keep:
            if report.is_file():
                kept = args.data_dir / f"report-{args.events}-seed{args.seed}.json"
                shutil.copyfile(report, kept)
                print(f"kept {data} and {kept}", file=sys.stderr)
        elif generated_now:
            data.unlink(missing_ok=True)
            Path(generate.meta_path(str(data))).unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    print(markdown(results))
    if results["error"]:
        print(f"\nERROR: {results['error']}", file=sys.stderr)
    print(f"\nresults: {args.results}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
