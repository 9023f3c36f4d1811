"""The kinds beyond deadlines: precedence, forbidden, required fields, retention, periodic and
threshold. Expected values are worked out by hand from docs/rule-format.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import RULE_FILE_HEAD, ev, make_rule, rules_of

from compliance import Outcome, check
from compliance.errors import RuleError
from compliance.rulebook import load_rule_file


def run(events: list[dict[str, Any]], as_of: str | None = None, **rule: Any) -> Any:
    return check(events, rules_of(make_rule(**rule)), as_of=as_of, show_passes=True)


def outcomes(report: Any) -> list[tuple[str, str]]:
    return [(f.subject, f.outcome.value) for f in report.findings]


CONTRACT = {
    "kind": "precedence", "key": "customer",
    "before": [{"type": "credit_check_completed", "where": {"result": "pass"}},
               {"type": "proof_of_funds_verified"}],
    "event": {"type": "contract_signed"},
}


def test_precedence_needs_every_earlier_step_for_the_same_key() -> None:
    report = run([
        ev("credit_check_completed", "2025-07-01T10:00:00", customer="CU-1", result="pass"),
        ev("proof_of_funds_verified", "2025-07-02T10:00:00", customer="CU-1"),
        ev("contract_signed", "2025-07-03T10:00:00", customer="CU-1"),
        ev("credit_check_completed", "2025-07-01T10:00:00", customer="CU-2", result="fail"),
        ev("proof_of_funds_verified", "2025-07-02T10:00:00", customer="CU-2"),
        ev("contract_signed", "2025-07-03T10:00:00", customer="CU-2"),
        ev("contract_signed", "2025-07-03T10:00:00", customer="CU-3"),
        ev("proof_of_funds_verified", "2025-07-04T10:00:00", customer="CU-3"),
        ev("credit_check_completed", "2025-07-05T10:00:00", customer="CU-4", result="pass"),
        ev("proof_of_funds_verified", "2025-07-05T10:00:00", customer="CU-4"),
        ev("contract_signed", "2025-07-05T10:00:00", customer="CU-4"),
        ev("contract_signed", "2025-07-06T10:00:00"),
    ], **CONTRACT)
    assert outcomes(report) == [
        ("customer=(missing)", "not_evaluated"), ("customer=CU-1", "compliant"),
        ("customer=CU-2", "violated"), ("customer=CU-3", "violated"),
        ("customer=CU-4", "compliant"),  # at the same instant the checks count as earlier
    ]
    cu2 = report.findings[2]
    assert "credit_check_completed" in cu2.message and "proof_of_funds" not in cu2.message
    assert "proof_of_funds_verified" in report.findings[3].message


def test_precedence_within_a_duration() -> None:
    report = run([
        ev("contract_reviewed", "2025-07-01T10:00:00", customer="CU-1"),
        ev("contract_signed", "2025-07-31T10:00:00", customer="CU-1"),
        ev("contract_reviewed", "2025-07-01T10:00:00", customer="CU-2"),
        ev("contract_signed", "2025-07-31T10:00:01", customer="CU-2"),
    ], kind="precedence", key="customer", before={"type": "contract_reviewed"},
        event={"type": "contract_signed"}, within="30 days")
    assert outcomes(report) == [("customer=CU-1", "compliant"), ("customer=CU-2", "violated")]


def test_forbidden_events_are_violations_and_none_is_no_instance() -> None:
    rule = {"kind": "forbidden", "key": "contract_id",
            "event": {"type": "payment_received", "where": {"account_type": {"ne": "escrow"}}}}
    report = run([
        ev("payment_received", "2025-07-01T10:00:00", contract_id="K-1", account_type="escrow"),
        ev("payment_received", "2025-07-02T10:00:00", contract_id="K-2", account_type="company"),
        ev("payment_received", "2025-07-03T10:00:00", contract_id="K-3"),
    ], **rule)
    assert outcomes(report) == [("contract_id=K-2", "violated"), ("contract_id=K-3", "violated")]
    clean = run([ev("payment_received", "2025-07-01T10:00:00", account_type="escrow")], **rule)
    assert clean.findings == () and clean.summary[0].instances == 0
    assert clean.exit_code() == 0


def test_required_fields_name_what_is_missing() -> None:
    report = run([
        ev("reception_started", "2025-07-01T10:00:00", id="e1", staff="P-01"),
        ev("reception_started", "2025-07-01T11:00:00", id="e2", staff=""),
        ev("reception_started", "2025-07-01T12:00:00", id="e3"),
    ], kind="required_fields", event={"type": "reception_started"}, fields=["staff"])
    assert outcomes(report) == [("event=e1", "compliant"), ("event=e2", "violated"),
                                ("event=e3", "violated")]
    assert "staff" in report.findings[2].message


VIDEO = {"kind": "retention", "key": "video_id", "created": {"type": "video_recording"},
         "deleted": {"type": "video_deleted"}, "at_least": "2 years"}


def test_retention() -> None:
    report = run([
        ev("video_recording", "2023-03-01T10:00:00", video_id="V-1"),
        ev("video_deleted", "2025-02-28T10:00:00", video_id="V-1"),
        ev("video_recording", "2023-03-01T10:00:00", video_id="V-2"),
        ev("video_deleted", "2025-03-01T10:00:00", video_id="V-2"),
        ev("video_recording", "2023-06-01T10:00:00", video_id="V-3"),
        ev("video_recording", "2024-06-01T10:00:00", video_id="V-4"),
    ], as_of="2025-07-01T00:00:00+08:00", **VIDEO)
    assert outcomes(report) == [("video_id=V-1", "violated"), ("video_id=V-2", "compliant"),
                                ("video_id=V-3", "compliant"), ("video_id=V-4", "pending")]
    assert report.findings[0].short_by == "P1D"


AUDIT = {"kind": "periodic", "event": {"type": "internal_audit"}, "every": "quarter",
         "group_by": "site", "min_count": 1}


def test_periodic_judges_every_group_seen_in_every_covered_period() -> None:
    events = [
        ev("page_view", "2025-01-05T10:00:00", site="S3"),
        ev("internal_audit", "2025-02-10T10:00:00", site="S1"),
        ev("internal_audit", "2025-05-10T10:00:00", site="S1"),
        ev("internal_audit", "2025-03-31T23:59:59", site="S2"),
        ev("internal_audit", "2025-04-01T00:00:00", site="S2"),
    ]
    report = run(events, as_of="2025-07-01T00:00:00+08:00", **AUDIT, groups=["S4"])
    # Window: 2025-01-05 00:00 to 07-01 00:00; Q1 starts before it, Q2 is wholly inside.
    assert outcomes(report) == [
        ("site=S1 2025-Q1", "not_evaluated"), ("site=S1 2025-Q2", "compliant"),
        ("site=S2 2025-Q1", "not_evaluated"), ("site=S2 2025-Q2", "compliant"),
        ("site=S3 2025-Q1", "not_evaluated"), ("site=S3 2025-Q2", "violated"),
        ("site=S4 2025-Q1", "not_evaluated"), ("site=S4 2025-Q2", "violated"),
    ]
    s3 = report.findings[5]
    assert (s3.count, s3.period, s3.group, s3.site) == (0, "2025-Q2", "S3", "S3")
    assert s3.due == "2025-07-01T00:00:00+08:00"


def test_periodic_labels_and_period_bounds_in_the_rules_time_zone() -> None:
    events = [ev("equipment_check", "2025-07-07T00:00:00", site="S1"),
              ev("equipment_check", "2025-07-13T23:59:59", site="S1"),
              ev("equipment_check", "2025-07-14T08:00:00+09:00", site="S1")]
    weekly = run(events, as_of="2025-07-21T00:00:00+08:00", kind="periodic",
                 event={"type": "equipment_check"}, every="week", group_by="site", min_count=2)
    # 07-14 08:00+09:00 is 07-14 07:00 in Shanghai: week 29.
    assert outcomes(weekly) == [("site=S1 2025-W28", "compliant"),
                                ("site=S1 2025-W29", "violated")]


def test_a_group_field_no_event_carries_is_a_note() -> None:
    report = run([ev("internal_audit", "2025-02-10T10:00:00")],
                 as_of="2025-07-01T00:00:00+08:00", **AUDIT)
    assert report.findings == ()
    notes = " ".join(report.summary[0].notes)
    assert "no event carries the group field site" in notes


SATISFACTION = {"kind": "threshold", "population": {"type": "complaint_satisfaction"},
                "metric": {"rate": {"satisfied": True}}, "every": "month", "group_by": "site",
                "at_least": 0.95, "min_sample": 20}


def surveys(month: str, site: str, satisfied: int, total: int) -> list[dict[str, Any]]:
    return [ev("complaint_satisfaction", f"2025-{month}-{1 + n % 28:02d}T10:00:00", site=site,
               satisfied=n < satisfied) for n in range(total)]


def test_threshold_rate_bound_is_inclusive_and_small_samples_are_not_judged() -> None:
    events = [*surveys("07", "S1", 19, 20), *surveys("07", "S2", 18, 20),
              *surveys("07", "S3", 10, 10), ev("page_view", "2025-07-01T00:00:00", site="S4")]
    report = run(events, as_of="2025-08-01T00:00:00+08:00", **SATISFACTION)
    by = {f.subject: f for f in report.findings}
    assert by["site=S1 2025-07"].outcome is Outcome.COMPLIANT
    assert (by["site=S1 2025-07"].value, by["site=S1 2025-07"].numerator) == (0.95, 19)
    assert by["site=S2 2025-07"].outcome is Outcome.VIOLATED
    assert (by["site=S2 2025-07"].numerator, by["site=S2 2025-07"].denominator) == (18, 20)
    assert by["site=S3 2025-07"].outcome is Outcome.NOT_EVALUATED
    assert by["site=S4 2025-07"].outcome is Outcome.NOT_EVALUATED  # no events at all


def test_threshold_mean_on_each_events_scale_and_bad_values_are_rejected() -> None:
    rule = {"kind": "threshold", "population": {"type": "satisfaction_survey_response"},
            "metric": {"mean": "overall_score", "scale_field": "scale_max"}, "every": "month",
            "group_by": "site", "at_least": 0.9}
    events = [
        ev("survey_campaign", "2025-07-01T00:00:00", site="S1"),
        ev("satisfaction_survey_response", "2025-07-02T10:00:00", site="S1", overall_score=5,
           scale_max=5),
        ev("satisfaction_survey_response", "2025-07-03T10:00:00", site="S1", overall_score=8,
           scale_max=10),
        ev("satisfaction_survey_response", "2025-07-04T10:00:00", site="S1",
           overall_score="90", scale_max="100"),
        ev("satisfaction_survey_response", "2025-07-05T10:00:00", site="S1",
           overall_score="n/a", scale_max=5),
        ev("satisfaction_survey_response", "2025-07-06T10:00:00", site="S1", overall_score=4),
    ]
    report = run(events, as_of="2025-08-01T00:00:00+08:00", **rule)
    [finding] = [f for f in report.findings if f.period == "2025-07"]
    # (1.0 + 0.8 + 0.9) / 3 = 0.9: meets at_least 0.9.
    assert (finding.outcome, finding.value, finding.denominator) == (Outcome.COMPLIANT, 0.9, 3)
    item = report.inputs[0]
    assert (item.records, item.accepted, item.rejected) == (6, 4, 2)
    assert [r.line for r in item.rejections] == [5, 6]
    assert "not a number" in item.rejections[0].reason


RULE_HEAD = RULE_FILE_HEAD


@pytest.mark.parametrize(("body", "reason"), [
    ("kind: periodic\nevent: {type: x}\nevery: fortnight\ngroup_by: site\n", "'fortnight'"),
    ("kind: periodic\nevent: {type: x}\nevery: month\ngroup_by: site\nmin_count: 0\n",
     "min_count"),
    ("kind: threshold\nevery: month\ngroup_by: site\nmetric: {rate: {ok: true}}\n"
     "at_least: 0.9\n", "missing required field 'population'"),
    ("kind: threshold\nevery: month\ngroup_by: site\npopulation: {type: s}\nat_least: 0.9\n",
     "missing required field 'metric'"),
    ("kind: threshold\nevery: month\ngroup_by: site\npopulation: {type: s}\n"
     "metric: {rate: {ok: true}}\n", "at_least, at_most or both"),
])
def test_wrong_rules_of_the_new_kinds_are_refused(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(RULE_HEAD + body, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    assert reason in str(caught.value)
    assert caught.value.line is not None


def test_the_bound_is_checked_on_the_exact_value_not_the_rounded_one() -> None:
    rule = {"kind": "threshold", "population": {"type": "satisfaction_survey_response"},
            "metric": {"mean": "overall_score"}, "every": "month", "group_by": "site",
            "at_least": 0.95}
    report = run([ev("page_view", "2025-07-01T00:00:00", site="S1"),
                  ev("satisfaction_survey_response", "2025-07-02T10:00:00", site="S1",
                     overall_score=0.9499999)], as_of="2025-08-01T00:00:00+08:00", **rule)
    [finding] = report.findings
    # Shown as 0.95 (six decimals), but 0.9499999 is below the bound.
    assert (finding.outcome, finding.value) == (Outcome.VIOLATED, 0.95)
