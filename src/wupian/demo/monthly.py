"""Month-end views of the demo bank: the ``loans`` and ``customers`` tables as of one date, as Arrow tables.

A 借据 appears at month-end *t* when it was drawn by *t* and is still outstanding, or ended (settled, written
off, transferred) in *t*'s calendar year — the contract rule that keeps 当年累放 complete. Its balance, status
and 五级分类 are evaluated from its life events; money stays in integer fen until it becomes DECIMAL(38,2).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from wupian.demo.columns import dates, decimals, flags, ints, money, ordered, text, timestamps, year_start
from wupian.demo.customers import Customers
from wupian.demo.loan_codes import LoanCodes
from wupian.demo.loanbook import LoanBook


def _months_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (floor, element-wise), ≥ 0."""
    sm = start.astype("datetime64[M]")
    em = end.astype("datetime64[M]")
    sd = (start - sm.astype("datetime64[D]")).astype(np.int64)
    ed = (end - em.astype("datetime64[D]")).astype(np.int64)
    return np.maximum((em - sm).astype(np.int64) - (ed < sd), 0)


def included(book: LoanBook, as_of: np.datetime64) -> np.ndarray:
    ended = book.ended
    return np.flatnonzero((book.drawdown <= as_of) & (np.isnat(ended) | (ended >= year_start(as_of))))


def balances(book: LoanBook, rows: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """Balance in fen at ``as_of`` for the given rows."""
    amount = book.amount_fen[rows]
    term = book.term_months[rows]
    default = book.default[rows]
    frozen = ~np.isnat(default) & (default <= as_of)
    at = np.where(frozen, default, as_of)
    elapsed = _months_between(book.drawdown[rows], at)
    left = np.clip(term - elapsed, 0, term)
    scheduled = np.where(book.amortising[rows], amount * left // np.maximum(term, 1), amount)
    ended = book.ended[rows]
    return np.where(~np.isnat(ended) & (ended <= as_of), 0, scheduled).astype(np.int64)


_LOAN_TEXT = ("loan_id", "contract_id", "customer_id", "branch_id", "business_type", "product_type",
              "product_name", "purpose_text", "purpose_industry_code", "green_code", "tech_htp", "tech_hts",
              "tech_se", "tech_pa", "pension_code", "digital_code", "startup_guarantee", "industrial_cluster",
              "core_enterprise_id", "guarantee_type")


def disbursement_keys(book: LoanBook, loan_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """票据编号 of bills (30-digit 电子商业汇票号码: 1, the acceptor's 12-digit 行号, the issue date, a 9-digit
    sequence) and every loan's 放款交易流水号 (``FK`` + date + 10-digit sequence), as the core system keeps them."""
    days = np.char.replace(np.datetime_as_string(book.drawdown.astype("datetime64[D]")), "-", "").astype(object)
    seq = np.arange(1, loan_ids.size + 1)
    bills = np.isin(book.business_type(), ["bill_direct", "bill_rediscount"])
    bill_no = np.where(bills, "1" + "313121006888" + days + np.char.zfill(seq.astype(str), 9).astype(object), "")
    serial = "FK" + days + np.char.zfill((seq * 7919 % 10**10).astype(str), 10).astype(object)
    return bill_no.astype(object), serial.astype(object)


def static_loan_columns(book: LoanBook, codes: LoanCodes, cus: Customers, loan_ids: np.ndarray,
                        contract_ids: np.ndarray) -> dict[str, pa.Array]:
    """Text columns that never change over a loan's life, converted to Arrow once for all month-ends."""
    c = book.cust
    source = {
        "loan_id": loan_ids, "contract_id": contract_ids, "customer_id": cus.customer_id[c],
        "branch_id": cus.branch_id[c], "business_type": book.business_type(), "product_type": book.product_type,
        "product_name": codes.product_name, "purpose_text": codes.purpose_text,
        "purpose_industry_code": codes.purpose_industry, "green_code": codes.green_code,
        "tech_htp": codes.tech_htp, "tech_hts": codes.tech_hts, "tech_se": codes.tech_se, "tech_pa": codes.tech_pa,
        "pension_code": codes.pension_code, "digital_code": codes.digital_code,
        "startup_guarantee": codes.startup_guarantee, "industrial_cluster": codes.industrial_cluster,
        "core_enterprise_id": codes.core_enterprise_id, "guarantee_type": book.guarantee,
    }
    out = {k: text(v) for k, v in source.items()}
    out["bill_no"], out["drawdown_serial"] = (text(v) for v in disbursement_keys(book, loan_ids))
    for k in ("is_first_loan", "digital_evidence", "is_student_loan", "is_ex_poverty_consumer"):
        out[k] = pa.array(getattr(codes, k).tolist(), type=pa.bool_())
    return out


def loans_table(book: LoanBook, codes: LoanCodes, static: dict[str, pa.Array], as_of: np.datetime64) -> pa.Table:
    rows = included(book, as_of)
    bal = balances(book, rows, as_of)
    take = pa.array(rows)

    def on(date_arr: np.ndarray) -> np.ndarray:
        d = date_arr[rows]
        return ~np.isnat(d) & (d <= as_of)

    status = np.full(rows.size, "normal", dtype=object)
    ext = book.extended_to[rows]
    status[~np.isnat(ext) & (as_of > book.maturity[rows])] = "extended"
    status[on(book.default)] = "overdue"
    status[on(book.settled)] = "settled"
    status[on(book.transferred)] = "transferred"
    status[on(book.written_off)] = "written_off"
    since_default = (as_of - book.default[rows]).astype("timedelta64[D]").astype(np.int64)
    five = np.full(rows.size, "normal", dtype=object)
    watch = on(book.watch_from) & (np.isnat(book.watch_to[rows]) | (book.watch_to[rows] > as_of))
    five[watch] = "special_mention"
    d = on(book.default)
    five[d] = np.where(since_default[d] < 180, "substandard", np.where(since_default[d] < 360, "doubtful", "loss"))
    five[status == "settled"] = "normal"
    green = codes.green_code[rows]
    share = codes.green_share[rows]
    green_fen = np.where(green != "", np.floor(bal * np.nan_to_num(share)).astype(np.int64), 0)
    data = {k: v.take(take) for k, v in static.items()}
    data.update({
        "currency": text(np.full(rows.size, "CNY", dtype=object)),
        "drawdown_date": dates(book.drawdown[rows]), "drawdown_amount": money(book.amount_fen[rows]),
        "maturity_date": dates(book.maturity[rows]), "extended_maturity_date": dates(ext),
        "balance": money(bal), "interest_rate": decimals(book.rate[rows], 2),
        "five_class": text(five), "status": text(status),
        "is_entrusted": flags(book.product_name[rows] == "委托贷款"),
        "is_restructured": flags(book.restructured[rows]),
        "channel": text(np.where(book.online[rows], "online", "offline").astype(object)),
        "green_amount": money(green_fen, null=(green == "") | codes.green_amount_blank[rows]),
        "pension_share": decimals(np.nan_to_num(codes.pension_share[rows]), 4,
                                  null=np.isnan(codes.pension_share[rows])),
        "applied_at": timestamps(book.applied_at[rows]), "approved_at": timestamps(book.approved_at[rows]),
    })
    return ordered("loans", data)


def static_customer_columns(cus: Customers) -> dict[str, pa.Array]:
    """Customer text columns converted to Arrow once."""
    industry = np.where(cus.industry >= 0, _codes()[np.maximum(cus.industry, 0)], "")
    return {
        "customer_id": text(cus.customer_id), "name": text(cus.name), "customer_type": text(cus.ctype),
        "id_type": text(cus.id_type), "id_code": text(cus.id_code), "industry_code": text(industry),
        "declared_size": text(cus.declared_size), "branch_id": text(cus.branch_id),
        "owned_enterprise_id": text(cus.owned_enterprise_id), "is_rural": pa.array(cus.is_rural.tolist(),
                                                                                     type=pa.bool_()),
    }


def customers_table(cus: Customers, static: dict[str, pa.Array], first_credit: np.ndarray, as_of: np.datetime64
                    ) -> pa.Table:
    rows = np.flatnonzero(cus.since <= as_of)
    fc = first_credit[rows]
    data = {k: v.take(pa.array(rows)) for k, v in static.items()}
    data.update({
        "employees": ints(cus.employees[rows], null=cus.employees[rows] < 0),
        "revenue": money(cus.revenue_fen[rows], null=cus.revenue_fen[rows] < 0),
        "total_assets": money(cus.assets_fen[rows], null=cus.assets_fen[rows] < 0),
        "birth_date": dates(cus.birth[rows]),
        "credit_limit_total": money(cus.credit_fen[rows], null=cus.credit_fen[rows] < 0),
        "first_credit_date": dates(np.where(fc <= as_of, fc, np.datetime64("NaT", "D"))),
        "pension_revenue_share": decimals(np.nan_to_num(cus.pension_share[rows]), 4,
                                          null=np.isnan(cus.pension_share[rows])),
    })
    return ordered("customers", data)


def _codes() -> np.ndarray:
    from wupian.demo.refdata import industries

    return industries().code
