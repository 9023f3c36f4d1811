"""The HTML report in headless Chromium: it loads without console errors and its script shows the
numbers of the JSON report.

Needs Debian's `chromium` package (`.ci/run` installs it). Without a browser the tests fail with
a message saying so: a report that was never rendered is not known to work.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from builders import REPO
from htmltree import Node, parse

from compliance import check, load_rules
from compliance.reporters import html as html_reporter

DEMO = REPO / "fixtures" / "logs" / "demo-2025q3.jsonl"
QUARTER_END = "2025-10-01T00:00:00+08:00"
PAGE = 200


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no headless Chromium found: install Debian's 'chromium' package "
                "(apt-get install -y chromium; .ci/run does this) to render the HTML report")


def render(page: Path, tmp_path: Path, fragment: str = "") -> tuple[Node, str]:
    """The DOM after the page's scripts ran, and Chromium's log (console messages)."""
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return parse(result.stdout), result.stderr


def assert_clean(doc: Node, log: str) -> None:
    console = [line for line in log.splitlines()
               if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    [body] = doc.find_all("body")
    assert body.attrs.get("data-ready") == "1", "the page's script did not finish"
    assert doc.by_id("js-errors").text() == ""
    assert "data-pwned" not in body.attrs


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    report = check(DEMO, load_rules(), as_of=QUARTER_END, lang="en")
    page = tmp_path_factory.mktemp("html") / "demo.html"
    with page.open("w", encoding="utf-8") as out:
        html_reporter.write(report, out)
    return page, report.to_dict()


def seconds(iso: str | None) -> float:
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", iso or "PT0S")
    assert m, iso
    d, h, mi, s = (float(x or 0) for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def shown_tally(doc: Node) -> dict[str, int]:
    return {str(span.attrs["data-outcome"]): int(span.find_all("b")[0].text())
            for span in doc.by_id("f-tally").find_all("span")}


def test_the_demo_report_renders_the_json_numbers(demo: tuple[Path, dict[str, Any]],
                                                  tmp_path: Path) -> None:
    page, data = demo
    doc, log = render(page, tmp_path)
    assert_clean(doc, log)
    findings = data["findings"]
    assert doc.by_id("f-total").text() == str(len(findings))
    assert doc.by_id("f-matched").text() == str(len(findings))
    expected = Counter(f["outcome"] for f in findings)
    assert {k: v for k, v in shown_tally(doc).items() if v} == dict(expected)
    rows = doc.by_id("f-rows").find_all("tr", class_="row")
    assert len(rows) == min(PAGE, len(findings))
    assert doc.by_id("f-pages").text() == str(-(-len(findings) // PAGE))
    # The rows follow the report's order and show its values.
    for tr, f in zip(rows, findings, strict=False):
        cells = [td.text() for td in tr.find_all("td")]
        assert cells[1] == f["rule_id"]
        assert cells[4] == f["subject"]
        assert cells[5] == (f["site"] or "")
    # The headline the page shows equals the JSON summary.
    violated = sum(s["outcomes"]["violated"] for s in data["summary"])
    assert doc.by_id("h-violated").text() == str(violated)
    # The filters offer every rule with findings and every outcome.
    assert len(doc.by_id("f-rule").find_all("option")) == len({f["rule_id"] for f in findings}) + 1


def test_filters_and_sorting_from_the_address(demo: tuple[Path, dict[str, Any]],
                                              tmp_path: Path) -> None:
    page, data = demo
    findings = data["findings"]
    per_rule = Counter(f["rule_id"] for f in findings if f["outcome"] == "violated")
    rule = per_rule.most_common(1)[0][0]
    doc, log = render(page, tmp_path, f"rule={rule}&outcome=violated&sort=late&dir=desc")
    assert_clean(doc, log)
    chosen = [f for f in findings if f["rule_id"] == rule and f["outcome"] == "violated"]
    assert doc.by_id("f-matched").text() == str(len(chosen))
    assert shown_tally(doc)["violated"] == len(chosen)
    rows = doc.by_id("f-rows").find_all("tr", class_="row")
    assert {tr.find_all("td")[1].text() for tr in rows} == {rule}
    # Sorted by lateness, the latest first.
    latest = max(chosen, key=lambda f: seconds(f["overdue_by"]))
    assert rows[0].find_all("td")[4].text() == latest["subject"]

    subject = findings[-1]["subject"]
    doc, log = render(page, tmp_path, f"q={subject}")
    assert_clean(doc, log)
    matched = [f for f in findings if subject.lower() in json.dumps(f, ensure_ascii=False).lower()]
    assert 1 <= int(doc.by_id("f-matched").text()) <= len(matched)
    texts = [tr.find_all("td")[4].text() for tr in doc.by_id("f-rows").find_all("tr", class_="row")]
    assert subject in texts


def test_an_address_opens_one_finding_with_its_timeline_and_evidence(
        demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    page, data = demo
    findings = data["findings"]
    # A late reply whose clock was paused: start, pauses, due, stop and how late.
    [n] = [i + 1 for i, f in enumerate(findings)
           if f["paused"] and f["stop"] and f["overdue_by"]][:1]
    f = findings[n - 1]
    doc, log = render(page, tmp_path, f"open={n}")
    assert_clean(doc, log)
    detail = doc.by_id(f"finding-{n}")
    assert f"{(n - 1) // PAGE + 1}" == doc.by_id("f-page").text()
    text = detail.text()
    assert f["message"] in text
    steps = [li.text() for li in detail.find_all("li")]
    stamps = [step[:16] for step in steps]
    assert stamps == sorted(stamps)
    short = [t.replace("T", " ")[:16] for t in (f["start"]["time"], f["due"], f["stop"]["time"])]
    assert [s for s in stamps if s in short] == sorted(short)
    assert any(f["start"]["id"] in step for step in steps)
    assert any(f["stop"]["id"] in step for step in steps)
    assert len(steps) == len({e["id"] for e in f["evidence"]} | {"due"})
    [how] = detail.find_all("p", class_="how-late")
    assert "late by" in how.text() and "paused" in how.text()
    [evidence] = detail.find_all("table", class_="evidence")
    rows = [[td.text() for td in tr.find_all("td")] for tr in evidence.find_all("tr")[1:]]
    assert rows == [[e["id"], f"{e['file']}:{e['line']}", e["type"], e["time"]]
                    for e in f["evidence"]]


def test_hostile_event_data_stays_text_in_the_browser(tmp_path: Path) -> None:
    from test_html import HOSTILE_EVENTS, RULE, SCRIPT

    log = tmp_path / "hostile.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in HOSTILE_EVENTS), encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "complaint-result-48h.yaml").write_text(RULE, encoding="utf-8")
    report = check(log, load_rules(rules), lang="zh")
    page = tmp_path / "hostile.html"
    out = io.StringIO()
    html_reporter.write(report, out)
    page.write_text(out.getvalue(), encoding="utf-8")
    doc, chrome_log = render(page, tmp_path)
    assert_clean(doc, chrome_log)
    [row] = doc.by_id("f-rows").find_all("tr", class_="row")
    assert row.find_all("td")[4].text() == f"complaint_id={SCRIPT}"
    assert not doc.find_all("img")
    assert len(doc.find_all("script")) == 3
