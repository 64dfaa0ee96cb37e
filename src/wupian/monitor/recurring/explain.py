"""Chinese explanations a teller can read to the customer, built from one detected stream or stale mandate.

Example: "每月约15日向中国移动（经财付通）扣款100.00元，已连续12期，最近一次2026年3月16日，下次预计
2026年4月15日；对应代扣协议DK2024000123（2024年5月签约）；取消方式：……"
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from wupian.monitor.recurring.cadence import CADENCE_BY_NAME

# The stream fields ``explain_stream`` reads (the batch converts only these to Python).
EXPLAIN_FIELDS = (
    "cadence", "last_date", "anchor_day", "month_end", "amount_pattern", "typical_amount", "price_change_date",
    "previous_amount", "last_amount", "min_amount", "max_amount", "payee", "payment_institution", "mandate_id",
    "mandate_on_file", "mandate_signed_at", "mandate_revoked_at", "cancel_hint", "occurrences", "skipped",
    "first_date", "status", "holiday_adjusted", "next_expected_date",
)
_WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
_STATUS_ZH = {"active": "持续扣款中", "ended": "已停止", "early": "新出现"}
_PATTERN_ZH = {"fixed": "固定金额", "near_fixed": "金额基本固定", "variable": "金额不固定"}


def zh_date(d: date | None) -> str:
    return "—" if d is None else f"{d.year}年{d.month}月{d.day}日"


def zh_month(d: date) -> str:
    return f"{d.year}年{d.month}月"


def yuan(x: Decimal | None) -> str:
    return "—" if x is None else f"{x:,.2f}"


def status_zh(status: str) -> str:
    return _STATUS_ZH.get(status, status)


def pattern_zh(pattern: str) -> str:
    return _PATTERN_ZH.get(pattern, pattern)


def cadence_zh(cadence: str) -> str:
    c = CADENCE_BY_NAME.get(cadence)
    return c.zh if c else cadence


def schedule_phrase(r: dict[str, Any]) -> str:
    """'每月约15日', '每月月底', '每周三', '每年约3月5日' …"""
    cadence = r["cadence"]
    last: date = r["last_date"]
    day = r.get("anchor_day") or last.day
    if cadence in ("weekly", "biweekly"):
        return f"{cadence_zh(cadence)}{_WEEKDAYS[last.weekday()]}"
    if cadence == "semimonthly":
        return "每半月"
    if cadence == "annual":
        return f"每年约{last.month}月{last.day}日"
    if cadence == "semiannual":
        return f"每半年（约{last.month}月{last.day}日前后）"
    if r.get("month_end"):
        return f"{cadence_zh(cadence)}月底"
    return f"{cadence_zh(cadence)}约{day}日"


def _amount_phrase(r: dict[str, Any]) -> str:
    pattern = r["amount_pattern"]
    if pattern == "fixed":
        text = f"扣款{yuan(r['typical_amount'])}元"
        if r.get("price_change_date") and r.get("previous_amount") is not None:
            text += f"（{zh_month(r['price_change_date'])}起由{yuan(r['previous_amount'])}元调整为" \
                    f"{yuan(r['last_amount'])}元）"
        return text
    if pattern == "near_fixed":
        return f"扣款约{yuan(r['typical_amount'])}元（{yuan(r['min_amount'])}–{yuan(r['max_amount'])}元）"
    return (
        f"扣款金额不固定（{yuan(r['min_amount'])}–{yuan(r['max_amount'])}元，"
        f"通常约{yuan(r['typical_amount'])}元）"
    )


def _payee_phrase(r: dict[str, Any]) -> str:
    payee = r["payee"]
    via = r.get("payment_institution")
    if via and via not in payee:
        return f"{payee}（经{via}）"
    return payee


def _mandate_phrase(r: dict[str, Any]) -> str:
    mid = r.get("mandate_id")
    if mid is None:
        return "未找到对应的代扣协议，请与客户核实是否本人授权（可能为第三方支付免密支付或自动续费）"
    if not r.get("mandate_on_file"):
        return f"交易记录注明代扣协议{mid}，但协议登记表中没有该协议，请核查"
    signed = r.get("mandate_signed_at")
    text = f"对应代扣协议{mid}"
    if signed is not None:
        text += f"（{zh_month(signed)}签约"
        revoked = r.get("mandate_revoked_at")
        text += f"，{zh_date(revoked)}已解约）" if revoked is not None else "）"
    return text


def _cancel_phrase(r: dict[str, Any]) -> str:
    hint = r.get("cancel_hint")
    if hint:
        return f"取消方式：{hint}"
    if r.get("mandate_id") and r.get("mandate_on_file"):
        return f"可在柜面或手机银行解除代扣协议{r['mandate_id']}"
    via = r.get("payment_institution")
    if via:
        return f"可联系{via}或在其App中关闭自动扣款/免密支付"
    return "可联系收款方停止扣款；如非本人授权，可申请止付并报案"


def explain_stream(r: dict[str, Any]) -> str:
    """One paragraph for one stream row (the engine's row dict)."""
    n = r["occurrences"]
    skipped = r.get("skipped") or 0
    count = f"已连续{n}期" if skipped == 0 else f"共{n}期（期间漏扣{skipped}期）"
    head = f"{schedule_phrase(r)}向{_payee_phrase(r)}{_amount_phrase(r)}，{count}，" \
           f"首次{zh_date(r['first_date'])}，最近一次{zh_date(r['last_date'])}"
    status = r["status"]
    if status == "ended":
        tail = "；之后未再扣款，疑似已停止"
    else:
        adjusted = "（遇节假日顺延）" if r.get("holiday_adjusted") else ""
        early = "新出现的扣款，" if status == "early" else ""
        tail = f"，{early}下次预计{zh_date(r['next_expected_date'])}{adjusted}"
    return f"{head}{tail}；{_mandate_phrase(r)}；{_cancel_phrase(r)}。"


def explain_stale(r: dict[str, Any]) -> str:
    """One sentence for one stale mandate row."""
    payee = r.get("merchant_name") or r.get("payee_name") or r.get("merchant_id") or "未知收款方"
    used = f"最近一次扣款{zh_date(r['last_used'])}" if r.get("last_used") else "签约后从未扣款"
    text = (
        f"代扣协议{r['mandate_id']}（{payee}，{zh_date(r['signed_at'])}签约）仍有效，{used}，"
        f"已闲置{r['idle_days']}天，建议与客户确认是否解约"
    )
    hint = r.get("cancel_hint")
    return text + (f"；取消方式：{hint}。" if hint else "。")
