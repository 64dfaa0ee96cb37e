"""Turn a scored row (features + rule points) into a Decision with Chinese reasons carrying their evidence."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wupian.monitor.screening.model import Decision, Reason
from wupian.rules.screening_book import PLACEHOLDER, ScreeningRulebook

ACCOMPANIED_ZH = {"none": "无", "family": "家属", "stranger": "陌生人", "sales_staff": "销售人员", "group": "多人"}


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fmt(value: Any, kind: str, *, checklist_zh: str = "", note: str = "") -> str:
    """Render one evidence value: wan 4.98 · yuan 1,234.00 · pct 99% · int · ago 38分钟 · tail4 · time 09:12 ·
    times 3.2."""
    if kind == "check":
        return checklist_zh + (f"（{note}）" if note else "")
    if value is None or value == "":
        return "（未填）"
    if kind == "wan":
        return str((_dec(value) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP))
    if kind == "yuan":
        return f"{_dec(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    if kind == "pct":
        return f"{(_dec(value) * 100).quantize(Decimal('1'), ROUND_HALF_UP)}%"
    if kind == "int":
        return str(int(_dec(value).to_integral_value(ROUND_HALF_UP)))
    if kind == "ago":
        minutes = int(_dec(value))
        if minutes < 120:
            return f"{minutes}分钟"
        return f"{minutes // 60}小时" if minutes < 48 * 60 else f"{minutes // 1440}天"
    if kind == "times":
        return str(_dec(value).quantize(Decimal("0.1"), ROUND_HALF_UP))
    if kind == "tail4":
        return str(value)[-4:]
    if kind == "time":
        return value.strftime("%H:%M") if isinstance(value, datetime) else str(value)
    if isinstance(value, str) and value in ACCOMPANIED_ZH:
        return ACCOMPANIED_ZH[value]
    return str(value)


def render_reason(template: str, row: dict[str, Any], book: ScreeningRulebook, notes: dict[str, str]) -> str:
    def one(m: Any) -> str:
        name, kind = m.group(1).strip(), (m.group(2) or "text").strip()
        if name.startswith("obs."):
            code = name[4:]
            return fmt(None, "check", checklist_zh=book.checklist.get(code, code), note=notes.get(code, ""))
        return fmt(row.get(name), kind)

    return PLACEHOLDER.sub(one, template)


def decision_from_row(row: dict[str, Any], book: ScreeningRulebook, notes: dict[str, str]) -> Decision:
    """The Decision of one scored row (reasons by points, the mitigating ones last)."""
    reasons = []
    scored = {t for r in book.rules if not r.scoring.weight_only and int(row.get("p_" + r.id) or 0) > 0
              for t in r.scoring.typologies}
    for r in book.rules:
        pts = int(row.get("p_" + r.id) or 0)
        if r.scoring.weight_only and not scored.intersection(r.scoring.typologies):
            continue  # a weight (age) never speaks alone
        if pts:
            reasons.append(Reason(r.id, r.kind, r.zh, pts, render_reason(r.reason, row, book, notes),
                                  r.scoring.typologies))
    reasons.sort(key=lambda x: (-x.points, x.code))
    band = str(row["band"])
    action_zh, action_en = book.actions[band]
    context = []
    amount = _dec(row["amount"])
    if row["request_type"] == "cash_withdrawal" and amount >= book.large_cash:
        context.append(f"现金{fmt(amount, 'wan')}万元达到大额交易报告标准（5万元），按客户尽职调查要求核实身份与用途；"
                       "金额本身不计风险分")
    exempt = bool(row.get("allow_listed") or row.get("exempted"))
    if exempt:
        context.append("白名单或核实非诈骗豁免期内：历史类规则不计分（名单拦截仍有效）")
    typ = row.get("typology") if band != "low" else None
    return Decision(
        request_id=str(row["request_id"]), requested_at=row["requested_at"], branch_id=str(row["branch_id"]),
        customer_id=str(row["customer_id"]), account_id=str(row["account_id"]),
        request_type=str(row["request_type"]), amount=amount, band=band, score=int(row["score"]),
        action=action_zh, action_en=action_en, typology=typ, typology_zh=book.typologies.get(typ) if typ else None,
        reasons=tuple(reasons), context=tuple(context), rulebook_version=book.version, exempt=exempt,
        features={k: v for k, v in row.items() if not k.startswith(("p_", "t_"))},
    )
