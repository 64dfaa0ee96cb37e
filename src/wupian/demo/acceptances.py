"""The demo bank's 代码核定 (code_acceptances): a statistics officer's recorded acceptance of a few loans whose
高技术制造业 code contradicts the purpose industry.

The loan book plants ``HTP03`` on manufacturing industries outside 高技术制造业 (``loan_codes``). One in five of those
(every fifth by loan id, no random draw so the rest of the bank is unchanged) is accepted with a reason, the way a
bank records that the project, not the borrower's registered industry, is what counts; the others stay in the
month-end worklist as unresolved contradictions (WP-RECON-007).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa

from wupian.demo.columns import ordered
from wupian.reference.classifications import five_articles_reference, review_code

ACCEPT_EVERY = 5
REASON = "经核实，该笔贷款用于电子元器件生产线项目，项目投向属电子及通信设备制造业，借款人登记行业与项目投向不一致"
ACCEPTED_BY = "统计部 张敏"


def _mapped(code: str) -> set[str]:
    return {m.gbt4754_code for m in five_articles_reference() if review_code(m) == code}


def code_acceptances_table(loans: pa.Table, as_of: np.datetime64) -> pa.Table:
    """Acceptance rows for the snapshot's loans (every fifth HTP03 contradiction by loan id)."""
    ids = np.array(loans.column("loan_id").to_pylist(), dtype=object)
    htp = np.array(loans.column("tech_htp").to_pylist(), dtype=object)
    ind = np.array([(s or "").lstrip("ABCDEFGHIJKLMNOPQRST") for s in loans.column("purpose_industry_code").to_pylist()],
                   dtype=object)
    ok = _mapped("HTP03")
    wrong = np.array([h == "HTP03" and len(i) == 4 and i not in ok for h, i in zip(htp, ind, strict=True)], dtype=bool)
    chosen = sorted(ids[wrong].tolist())[::ACCEPT_EVERY]
    day = as_of.astype("datetime64[D]").astype(object) - timedelta(days=3)
    n = len(chosen)
    return ordered("code_acceptances", {
        "loan_id": pa.array(chosen, pa.string()), "field": pa.array(["tech_htp"] * n, pa.string()),
        "code": pa.array(["HTP03"] * n, pa.string()), "reason": pa.array([REASON] * n, pa.string()),
        "accepted_by": pa.array([ACCEPTED_BY] * n, pa.string()), "accepted_at": pa.array([day] * n, pa.date32()),
    })
