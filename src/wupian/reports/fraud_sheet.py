"""The 反诈 sheet of the workbook: the month's counter anti-fraud figures (``fraud.*``) per branch node."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from wupian.metrics.result import IndicatorResult

# (indicator, header, workbook kind)
FRAUD_COLUMNS = (
    ("fraud.screened", "筛查笔数", "count"),
    ("fraud.alerts_medium", "中风险预警", "count"),
    ("fraud.alerts_high", "高风险预警", "count"),
    ("fraud.alert_rate", "预警率(%)", "pct"),
    ("fraud.cases_opened", "开案数", "count"),
    ("fraud.police_contacted", "联系民警", "count"),
    ("fraud.prevented_count", "劝阻成功笔数", "count"),
    ("fraud.prevented_amount", "劝阻成功金额(万元)", "wan"),
    ("fraud.not_fraud_count", "核实排除", "count"),
    ("fraud.lost_count", "被骗笔数", "count"),
    ("fraud.lost_amount", "被骗金额(万元)", "wan"),
    ("fraud.median_minutes_to_police", "联系民警用时中位数(分钟)", "count"),
    ("fraud.prevented_count.rank_siblings", "劝阻笔数同级排名", "count"),
    ("fraud.prevented_amount.rank_siblings", "劝阻金额同级排名", "count"),
)


def write_fraud_sheet(wb: Any, fmt: dict[str, Any], result: IndicatorResult, nodes: list[dict[str, Any]],
                      as_of: date, write: Callable[..., None]) -> bool:
    """Add the sheet when any node has a ``fraud.screened`` value; ``write`` is the workbook's cell writer."""
    if not any(result.get(n["branch_id"], "fraud.screened") for n in nodes):
        return False
    ws = wb.add_worksheet("柜面反诈")
    ws.write_string(0, 0, f"柜面反诈筛查与劝阻情况（{as_of:%Y年%m月}）", fmt["title"])
    ws.write_string(1, 0, "本月数；金额单位：万元；预警为中风险及以上并开案的申请", fmt["sub"])
    ws.write_string(3, 0, "机构号", fmt["head"])
    ws.write_string(3, 1, "机构名称", fmt["head"])
    for j, (_, head, _) in enumerate(FRAUD_COLUMNS, start=2):
        ws.write_string(3, j, head, fmt["head"])
    top = min((n["tree_depth"] for n in nodes), default=0)
    for i, node in enumerate(nodes, start=4):
        ws.write_string(i, 0, str(node["branch_id"]), fmt["text"])
        ws.write_string(i, 1, "　" * (node["tree_depth"] - top) + str(node["name"]), fmt["text"])
        for j, (iid, _, kind) in enumerate(FRAUD_COLUMNS, start=2):
            got = result.get(node["branch_id"], iid)
            write(ws, i, j, got.value if got else None, kind, fmt, got.unavailable_reason if got else None)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 1 + len(FRAUD_COLUMNS), 11)
    ws.set_row(3, 42)
    ws.freeze_panes(4, 2)
    return True
