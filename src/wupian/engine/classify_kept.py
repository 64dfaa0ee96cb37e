"""The tagged loans a classification on demand keeps for the indicator statement that reads them next (issue 14).

The loan indicators read, per tagged loan, the tag's amount and a dozen loan columns (branch, customer, dates,
rate, class, guarantee, flags, balances). The tagging statement already reads every loan of the date; when a
reader asks for it (``rules.fresh.ensure_classified(..., keep=as_of)``, i.e. ``wupian.api.compute_indicators``), the
classification materialises its (loan, tag) rows *with those columns* once, as the temp table ``cls_tagged``, writes
the ``loan_tags`` part from it, and the indicator statement sums it directly: no second read of ``loans`` for the
tagged scopes and no join of the tags back to the loans.

The same classification keeps the 首贷户 its per-customer facts decided from history (``cls_first_loans``: the rows
of ``first_loan_rule.first_loan_ids_relation`` for the date's borrowers — the only customers whose loans the
indicators read), so the indicators do not aggregate the whole loan history a second (and third) time.

The kept rows are used only while they are exactly what a computation now would read: they carry a stamp of the
parts they were computed from — ``loans`` up to the date, the date's ``customers`` and the (date, profile)
``loan_tags`` (immutable files with unique names: any load, edit or re-classification replaces them). A stale or
foreign relation is never read (the join path is taken) and is dropped. DuckDB warehouses with parts only;
elsewhere (Spark) the join path is unchanged.
"""

from __future__ import annotations

import weakref
from datetime import date

from wupian.engine.parts import MANIFEST
from wupian.engine.warehouse import Warehouse

KEPT_TABLE = "cls_tagged"
FIRST_LOANS_TABLE = "cls_first_loans"

# Loan columns carried in the kept rows: every loan column the scoped loan relation (``metrics.scoped_loans_sql``)
# reads for a tagged scope, besides ``loan_id``.
CARRIED = ("customer_id", "branch_id", "business_type", "drawdown_date", "maturity_date", "interest_rate",
           "five_class", "guarantee_type", "is_first_loan", "is_restructured", "balance", "drawdown_amount")

# Warehouse → (as_of, profile, stamp) of the rows in ``cls_tagged``.
_KEPT: weakref.WeakKeyDictionary[Warehouse, tuple[date, str, str]] = weakref.WeakKeyDictionary()


def can_keep(wh: Warehouse) -> bool:
    """Whether the warehouse keeps its tables as parts (the stamp's source); read-write DuckDB only."""
    return wh.parts.root is not None and not wh.read_only


def stamp(wh: Warehouse, as_of: date, profile: str) -> str:
    """The identity of the inputs the kept rows of (as_of, profile) stand for: the part files of ``loans`` up to
    the date, of the date's ``customers`` and of the (date, profile) ``loan_tags``, from the manifest."""
    return str(wh.scalar(
        f"SELECT string_agg(table_name || ':' || CAST(as_of AS VARCHAR) || ':' || file, ',' "
        f"ORDER BY table_name, as_of, file) FROM {MANIFEST} "
        "WHERE (table_name = 'loans' AND as_of <= ?) OR (as_of = ? AND (table_name = 'customers' "
        "OR (table_name = 'loan_tags' AND profile = ?)))",
        [as_of, as_of, profile]) or "")


def record(wh: Warehouse, as_of: date, profile: str) -> None:
    """``cls_tagged`` now holds the tagged loans of (as_of, profile), just written as that date's parts."""
    _KEPT[wh] = (as_of, profile, stamp(wh, as_of, profile))


def drop(wh: Warehouse) -> None:
    """Free the kept rows (if any)."""
    if _KEPT.pop(wh, None) is not None:
        wh.execute(f"DROP TABLE IF EXISTS {KEPT_TABLE}")
        wh.execute(f"DROP TABLE IF EXISTS {FIRST_LOANS_TABLE}")


def kept(wh: Warehouse, as_of: date, profile: str) -> bool:
    """Whether ``cls_tagged`` holds the current tagged loans of (as_of, profile): same date and profile and the
    same input parts as when it was made. A stale relation is dropped."""
    held = _KEPT.get(wh)
    return held is not None and held[1] == profile and kept_first_loans(wh, as_of)


def kept_first_loans(wh: Warehouse, as_of: date) -> bool:
    """Whether ``cls_first_loans`` holds the current history-decided first loans of the date's borrowers (the
    first loans do not depend on the profile). A stale relation is dropped."""
    held = _KEPT.get(wh)
    if held is None or held[0] != as_of:
        return False
    if held[2] != stamp(wh, as_of, held[1]):
        drop(wh)
        return False
    return True
