"""A live request as a teller, the API or the web form gives it: English or Chinese keys and enum labels, exact
amounts, every problem located at once; observations by code, Chinese label or {code, note}; the evidence
formats of the reason sentences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from wupian.monitor.screening import default_rulebook
from wupian.monitor.screening.explain import fmt
from wupian.monitor.screening.request import parse_observations, parse_request

BASE = {"request_id": "R1", "requested_at": "2026-02-10 10:00", "branch_id": "O001", "customer_id": "K1",
        "account_id": "A1", "request_type": "cash_withdrawal", "amount": "50000"}


def test_chinese_keys_and_labels_mean_the_same_request() -> None:
    zh = {"申请编号": "R1", "申请时间": "2026-02-10T10:00:00", "受理机构": "O001", "客户号": "K1", "账号": "A1",
          "业务类型": "取现", "金额": "50,000.00", "陪同人员": "家属"}
    en = BASE | {"accompanied_by": "family"}
    (a, ia), (b, ib) = parse_request(zh), parse_request(en)
    assert ia == [] and ib == [] and a == b
    assert a["amount"] == Decimal("50000.00") and a["requested_at"] == datetime(2026, 2, 10, 10, 0)


def test_every_problem_is_located_in_one_pass() -> None:
    bad = {"request_id": "R9", "requested_at": "10/02/2026", "branch_id": "O001", "customer_id": " ",
           "request_type": "cash_withdrawl", "amount": "12.345", "acount_id": "A1"}
    _, issues = parse_request(bad)
    by_col = {i.source.column: i for i in issues}
    assert set(by_col) == {"requested_at", "customer_id", "request_type", "amount", "acount_id", "account_id"}
    assert all(i.source.key == "request_id=R9" and i.code == "WP-SCREEN-001" for i in issues)
    assert by_col["request_type"].suggestion == "did you mean 'cash_withdrawal'?"
    assert by_col["acount_id"].suggestion == "did you mean 'account_id'?"
    assert "at most 2 decimals" in by_col["amount"].message and "missing required" in by_col["customer_id"].message


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2))
def test_amounts_are_exact_with_or_without_grouping(amount: Decimal) -> None:
    for text in (str(amount), f"{amount:,}"):
        req, issues = parse_request(BASE | {"amount": text})
        assert issues == [] and req["amount"] == amount


@given(st.sampled_from(["0", "-1", "abc", "1e400", "1e36", "NaN", "Infinity", "0.001"]))
def test_non_amounts_are_refused(text: str) -> None:
    _, issues = parse_request(BASE | {"amount": text})
    assert [i.source.column for i in issues] == ["amount"]


def test_observations_by_code_label_or_mapping() -> None:
    book = default_rulebook()
    obs, issues = parse_observations(
        ["hurried", "情绪焦虑、紧张", {"code": "unknown_counterparty", "note": "说是朋友"}, "hurried"],
        book.checklist, "R1")
    assert issues == []
    assert obs == [("anxious", ""), ("hurried", ""), ("unknown_counterparty", "说是朋友")]
    _, issues = parse_observations(["on_cal"], book.checklist, "R1")
    assert issues[0].suggestion == "did you mean 'on_call'?" and issues[0].source.key == "request_id=R1"


def test_evidence_formats() -> None:
    assert fmt(Decimal("49800"), "wan") == "4.98" and fmt(Decimal("1234"), "yuan") == "1,234.00"
    assert fmt(0.994, "pct") == "99%" and fmt(Decimal("2.5"), "int") == "3"
    assert (fmt(38, "ago"), fmt(34 * 60, "ago"), fmt(3 * 1440, "ago")) == ("38分钟", "34小时", "3天")
    assert fmt("6222000099990001", "tail4") == "0001" and fmt(datetime(2026, 2, 10, 9, 12), "time") == "09:12"
    assert fmt(Decimal("3.25"), "times") == "3.3" and fmt("family", "text") == "家属"
    assert fmt(None, "wan") == "（未填）"
    assert fmt(None, "check", checklist_zh="急于办理、催促", note="赶时间") == "急于办理、催促（赶时间）"
