"""The HTML report: self-contained, escaped, in the report's language, numbers equal the JSON's."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from builders import COMPLAINT_RULE, REPO
from htmltree import Node, parse

from compliance import check, load_rules
from compliance.cli import run
from compliance.reporters import html as html_reporter

DEMO = REPO / "fixtures" / "logs" / "demo-2025q3.jsonl"
QUARTER_END = "2025-10-01T00:00:00+08:00"
OUTCOMES = ("violated", "waived", "pending", "not_evaluated", "compliant")

RULE = COMPLAINT_RULE
SCRIPT = "<script>document.body.setAttribute('data-pwned','1')</script>"
IMG = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
HOSTILE_EVENTS = [
    {"id": "e1</script><script>x()</script>", "type": "complaint_received",
     "time": "2025-03-01T09:00:00+08:00", "complaint_id": SCRIPT, "site": IMG,
     "staff": "P-&amp;<!--"},
    {"id": "e2", "type": "complaint_result_fed_back", "time": "2025-03-04T10:30:00+08:00",
     "complaint_id": SCRIPT},
]


@pytest.fixture(scope="module")
def demo() -> tuple[str, dict[str, Any]]:
    report = check(DEMO, load_rules(), as_of=QUARTER_END, lang="en")
    out = io.StringIO()
    html_reporter.write(report, out, fail_on=None)
    return out.getvalue(), report.to_dict()


def hostile(tmp_path: Path, lang: str = "en") -> tuple[str, dict[str, Any]]:
    tmp_path = tmp_path / lang
    tmp_path.mkdir()
    log = tmp_path / "hostile.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in HOSTILE_EVENTS), encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "complaint-result-48h.yaml").write_text(RULE, encoding="utf-8")
    report = check(log, load_rules(rules), lang=lang)
    out = io.StringIO()
    html_reporter.write(report, out)
    return out.getvalue(), report.to_dict()


def data_block(doc: Node) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(doc.by_id("report-data").text())
    return data


def numbers(node: Node) -> dict[str, str]:
    return {str(td.attrs["data-col"]): td.text() for td in node.find_all("td")
            if "data-col" in td.attrs}


def test_the_file_loads_nothing_from_elsewhere(demo: tuple[str, dict[str, Any]]) -> None:
    doc = parse(demo[0])
    for node in doc.iter():
        for attr in ("src", "href", "srcset", "action", "data", "poster"):
            assert attr not in node.attrs, (node.tag, node.attrs)
        assert node.tag not in ("link", "iframe", "object", "embed", "img", "base")
    scripts = doc.find_all("script")
    assert [s.attrs.get("type") for s in scripts] == ["application/json", "application/json",
                                                       None]
    assert "@import" not in demo[0] and "url(" not in demo[0]
    [csp] = doc.find_all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert "default-src 'none'" in str(csp.attrs["content"])


def test_required_sections_are_present(demo: tuple[str, dict[str, Any]]) -> None:
    doc = parse(demo[0])
    for id_ in ("headline", "rules", "breakdowns", "charts", "findings", "rules-table",
                "by-site", "by-staff", "by-week", "by-month", "chart-rule", "chart-site",
                "chart-late", "f-table", "f-rule", "f-outcome", "f-site", "f-staff", "f-q",
                "report-data", "report-words", "inputs"):
        doc.by_id(id_)
    assert len(doc.by_id("charts").find_all("svg")) == 3


def test_headline_and_rule_table_equal_the_json_report(
        demo: tuple[str, dict[str, Any]]) -> None:
    doc, data = parse(demo[0]), demo[1]
    totals = Counter[str]()
    for s in data["summary"]:
        totals["instances"] += s["instances"]
        for o in OUTCOMES:
            totals[o] += s["outcomes"][o]
    for key in ("instances", *OUTCOMES):
        assert doc.by_id(f"h-{key}").text() == str(totals[key]), key
    rate = totals["compliant"] / (totals["compliant"] + totals["violated"] + totals["waived"])
    assert doc.by_id("h-rate").text() == f"{rate * 100:.1f}%"
    assert doc.by_id("h-findings").text() == str(len(data["findings"]))
    rows = {str(tr.attrs["data-rule"]): numbers(tr)
            for tr in doc.by_id("rules-table").find_all("tr") if "data-rule" in tr.attrs}
    assert list(rows) == [s["rule_id"] for s in data["summary"]]
    for s in data["summary"]:
        got = rows[s["rule_id"]]
        assert got["instances"] == str(s["instances"])
        assert got["cancelled"] == str(s["cancelled"])
        for o in OUTCOMES:
            assert got[o] == str(s["outcomes"][o])
        rate_ = s["compliance_rate"]
        assert got["rate"] == ("—" if rate_ is None else f"{rate_ * 100:.1f}%")


def test_breakdowns_and_charts_equal_the_json_report(
        demo: tuple[str, dict[str, Any]]) -> None:
    doc, data = parse(demo[0]), demo[1]
    findings = data["findings"]
    for dim in ("site", "staff", "week", "month"):
        table = doc.by_id(f"by-{dim}")
        got = [(str(tr.attrs["data-key"]), numbers(tr)) for tr in table.find_all("tr")
               if "data-key" in tr.attrs]
        expected = [
            (row["key"] or "—",
             {"instances": str(row["instances"]), **{o: str(row[o]) for o in OUTCOMES},
              "rate": "—" if row["compliance_rate"] is None
              else f"{row['compliance_rate'] * 100:.1f}%"})
            for row in data["breakdowns"][dim]]
        assert got == expected, dim
    # The breakdowns count every instance with an outcome, as the per-rule summary does (whose
    # instances include the cancelled ones).
    judged = sum(s["instances"] - s["cancelled"] for s in data["summary"])
    assert sum(int(n["instances"]) for _, n in got) == judged

    violated = [f for f in findings if f["outcome"] == "violated"]
    # The 29 rules with most violations, then one bar for the others.
    per_rule = sorted(Counter(f["rule_id"] for f in violated).items(),
                      key=lambda kv: (-kv[1], kv[0]))
    assert len(per_rule) > 30
    bars = [(str(g.attrs["data-label"]), int(str(g.attrs["data-value"])))
            for g in doc.by_id("chart-rule").find_all("g")]
    assert bars[:29] == per_rule[:29]
    assert bars[29] == (f"{len(per_rule) - 29} other rules", sum(n for _, n in per_rule[29:]))
    assert len(bars) == 30
    bars = {str(g.attrs["data-label"]): int(str(g.attrs["data-value"]))
            for g in doc.by_id("chart-site").find_all("g")}
    assert bars == dict(Counter(f["site"] or "—" for f in violated))

    def hours(iso: str) -> float:
        m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", iso)
        assert m, iso
        d, h, mi, s = (float(x or 0) for x in m.groups())
        return d * 24 + h + mi / 60 + s / 3600

    edges = [1, 4, 8, 24, 48, 168, 720]
    expected_bins = Counter(sum(hours(f["overdue_by"]) >= e for e in edges)
                            for f in violated if f["overdue_by"])
    got_bins = [int(str(g.attrs["data-value"])) for g in doc.by_id("chart-late").find_all("g")]
    assert got_bins == [expected_bins[i] for i in range(8)]
    assert sum(got_bins) > 0


def test_the_data_block_holds_every_finding_in_report_order(
        demo: tuple[str, dict[str, Any]]) -> None:
    doc, findings = parse(demo[0]), demo[1]["findings"]
    data = data_block(doc)
    assert len(data["f"]) == len(findings)
    for row, f in zip(data["f"], findings, strict=True):
        assert data["rules"][row[0]][0] == f["rule_id"]
        assert data["outcomes"][row[1]] == f["outcome"]
        assert row[2] == f["subject"]
        assert row[15] == f["message"]
        assert [(e[0], data["files"][e[1]], e[2], data["types"][e[3]], e[4]) for e in row[19]] \
            == [(e["id"], e["file"], e["line"], e["type"], e["time"]) for e in f["evidence"]]
        assert (row[9], row[6], row[8]) == (
            f["due"], (f["start"] or {}).get("time"), (f["stop"] or {}).get("time"))


def test_event_data_cannot_inject_markup(tmp_path: Path) -> None:
    text, data = hostile(tmp_path)
    doc = parse(text)
    # Only the report's own three script elements, no element from the data, and the data
    # block gives back the exact strings.
    assert len(doc.find_all("script")) == 3
    assert not doc.find_all("img")
    assert "<script>document" not in text and "<img" not in text
    assert "</script><script>x()" not in text
    block = data_block(doc)
    [row] = block["f"]
    assert row[2] == data["findings"][0]["subject"] == f"complaint_id={SCRIPT}"
    assert block["sites"] == [IMG]
    assert block["staff"] == ["P-&amp;<!--"]
    assert row[5] == "e1</script><script>x()</script>"
    # Static parts: the site's key appears as text, escaped.
    [site_row] = [tr for tr in doc.by_id("by-site").find_all("tr") if "data-key" in tr.attrs]
    assert site_row.attrs["data-key"] == IMG
    assert site_row.find_all("td")[0].text() == IMG


def test_the_report_speaks_its_language(tmp_path: Path) -> None:
    zh, en = parse(hostile(tmp_path, "zh")[0]), parse(hostile(tmp_path, "en")[0])
    [html_zh] = zh.find_all("html")
    [html_en] = en.find_all("html")
    assert (html_zh.attrs["lang"], html_en.attrs["lang"]) == ("zh-CN", "en")
    headings_zh = [h.text() for h in zh.find_all("h2")]
    headings_en = [h.text() for h in en.find_all("h2")]
    assert headings_zh[:3] == ["总体情况", "各规则", "分项统计"]
    assert headings_en[:3] == ["Headline", "Rules", "Breakdowns"]
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert all(cjk.search(h) for h in headings_zh)
    assert not any(cjk.search(h) for h in headings_en)
    words_zh = json.loads(zh.by_id("report-words").text())
    assert words_zh["outcome"]["violated"] == "违规"
    assert zh.by_id("title").text() == "合规检查报告"
    # The rule's title in the table follows the language too.
    assert "投诉处理结果" in zh.by_id("rules-table").text()
    assert "Complaint results" in en.by_id("rules-table").text()


def test_output_is_deterministic_and_written_in_pieces() -> None:
    report = check(DEMO, load_rules(), as_of=QUARTER_END, lang="zh")

    class Pieces(io.StringIO):
        sizes: list[int]

        def write(self, s: str) -> int:
            self.sizes.append(len(s))
            return super().write(s)

    first, second = Pieces(), Pieces()
    first.sizes, second.sizes = [], []
    html_reporter.write(report, first)
    html_reporter.write(report, second)
    assert first.getvalue() == second.getvalue()
    total = len(first.getvalue())
    assert len(first.sizes) > len(report.findings)
    assert max(first.sizes) < total / 10


def test_the_cli_writes_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    code = run(["check", str(DEMO), "--as-of", QUARTER_END, "--format", "html", "--lang", "zh",
                "-o", str(out)])
    assert code == 1
    doc = parse(out.read_text(encoding="utf-8"))
    assert doc.by_id("title").text() == "合规检查报告"
    assert "不通过" in doc.by_id("verdict").text()


def test_waivers_and_the_baseline_are_shown(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    first = check(DEMO, load_rules(), as_of=QUARTER_END, lang="en").to_dict()
    violated = [f for f in first["findings"] if f["outcome"] == "violated"]
    waived, other = violated[0], violated[1]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        f"  - rule_id: {waived['rule_id']}\n    subject: {json.dumps(waived['subject'])}\n"
        "    reason: <b>engineer's report</b>\n    approved_by: 品控部 王经理\n"
        "    expires: 2025-12-31\n"
        f"  - rule_id: {other['rule_id']}\n    subject: {json.dumps(other['subject'])}\n"
        "    reason: old\n    approved_by: QA\n    expires: 2025-01-31\n"
        "  - rule_id: CMP-002\n    pattern: complaint_id=NOPE-*\n"
        "    reason: never\n    approved_by: QA\n    expires: 2025-12-31\n",
        encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    assert run(["baseline", str(DEMO), "--as-of", "2025-09-01T00:00:00+08:00",
                "-o", str(baseline)]) == 0
    options = ["check", str(DEMO), "--as-of", QUARTER_END, "--lang", "en", "--waivers",
               str(waivers), "--baseline", str(baseline)]
    run([*options, "--format", "json", "-o", str(tmp_path / "r.json")])
    run([*options, "--format", "html", "-o", str(tmp_path / "r.html")])
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    doc = parse(text)
    assert "<b>engineer" not in text
    states = [(str(tr.attrs["data-state"]), numbers(tr)["matched"])
              for tr in doc.by_id("waivers-table").find_all("tr") if "data-state" in tr.attrs]
    assert states == [(w["state"], str(w["matched"])) for w in data["waivers"]]
    assert [s for s, _ in states] == ["applied", "expired", "unused"]
    waived_total = sum(s["outcomes"]["waived"] for s in data["summary"])
    assert waived_total == 1
    assert doc.by_id("h-waived").text() == "1"
    rows = data_block(doc)["f"]
    [row] = [r for r, f in zip(rows, data["findings"], strict=True) if f["outcome"] == "waived"]
    assert row[2] == waived["subject"]
    assert "<b>engineer's report</b>" in row[20] and "品控部 王经理" in row[20]
    assert [r[21] for r in rows] == [f["new"] for f in data["findings"]]
    b = data["baseline"]
    assert doc.by_id("baseline").text() == (
        f"Baseline {b['path']}: {b['new']} new violation(s), {b['unchanged']} already in the "
        f"baseline, {b['absent']} of its {b['entries']} entries gone")
