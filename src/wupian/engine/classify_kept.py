"""What a classification on demand keeps for the indicator statement that reads the date next (issue 14).

The 首贷户 filter of the loan indicators needs the first loans that history decides (``first_loan_rule``): an
aggregate over every loan up to the date, by customer. The classification has just computed the same per-customer
facts (``cls_cust``: ``first_loan_source``/``first_loan_id``/``first_loan_date``) for the date's borrowers — the
only customers whose loans the indicators read. When a reader asks for it (``rules.fresh.ensure_classified(...,
keep=True)``, i.e. ``wupian.api.compute_indicators``), the classification keeps those first loans as the small temp
table ``cls_first_loans`` (the rows of ``first_loan_rule.first_loan_ids_relation`` for the borrowers), and the
indicators read it instead of aggregating the whole history a second and a third time (the "is there any" test and
the statement itself: ≈ 0.4 s CPU at 2M loans, ≈ 4 + 5 s at 10M loans over 3.3M customers).

The kept rows are used only while they are exactly what a computation now would read: they carry a stamp of the
parts they were computed from — ``loans`` up to the date, the date's ``customers`` and the (date, profile)
``loan_tags`` (immutable files with unique names: any load, edit or re-classification replaces them). A stale or
foreign relation is never read (the history aggregate is computed as before) and is dropped. DuckDB warehouses
with parts, opened read-write, only; elsewhere (Spark) nothing is kept.
"""

from __future__ import annotations

import weakref
from datetime import date

from wupian.engine.parts import MANIFEST
from wupian.engine.warehouse import Warehouse

FIRST_LOANS_TABLE = "cls_first_loans"

# Warehouse → (as_of, profile, stamp) of the rows in ``cls_first_loans``.
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
    """``cls_first_loans`` now holds the history-decided first loans of the borrowers of ``as_of``, made by the
    classification of (as_of, profile) whose parts were just written."""
    _KEPT[wh] = (as_of, profile, stamp(wh, as_of, profile))


def drop(wh: Warehouse, as_of: date | None = None) -> None:
    """Free the kept rows (if any; with ``as_of``, only if they are that date's)."""
    held = _KEPT.get(wh)
    if held is not None and (as_of is None or held[0] == as_of):
        del _KEPT[wh]
        wh.execute(f"DROP TABLE IF EXISTS {FIRST_LOANS_TABLE}")


def kept_first_loans(wh: Warehouse, as_of: date) -> bool:
    """Whether ``cls_first_loans`` holds the current history-decided first loans of the date's borrowers (they do
    not depend on the profile). A stale relation is dropped."""
    held = _KEPT.get(wh)
    if held is None or held[0] != as_of:
        return False
    if held[2] != stamp(wh, as_of, held[1]):
        drop(wh)
        return False
    return True
