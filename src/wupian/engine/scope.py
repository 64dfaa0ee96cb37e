"""Branch-scope look-ups for the web app: is a branch, loan or account inside a subtree (set-based SQL over the
branch closure; every id bound as a parameter)."""

from __future__ import annotations

from datetime import date

from wupian.engine.metrics import closure_sql, table_exists
from wupian.engine.warehouse import Warehouse


def in_subtree(wh: Warehouse, as_of: date, ancestor_id: str, branch_id: str | None) -> bool:
    """Whether ``branch_id`` is ``ancestor_id`` or below it in the tree of ``as_of``."""
    if not branch_id:
        return False
    closure, params = closure_sql(wh, as_of)
    return bool(wh.scalar(
        f"SELECT count(*) FROM {closure} WHERE ancestor_id = ? AND descendant_id = ?",
        [*params, ancestor_id, branch_id]))


def loan_branch(wh: Warehouse, as_of: date, loan_id: str) -> str | None:
    """The booking branch of ``loan_id`` in the snapshot of ``as_of``, or None when it is not there."""
    return wh.scalar("SELECT branch_id FROM loans WHERE as_of = ? AND loan_id = ? LIMIT 1", [as_of, loan_id])


def account_branch(wh: Warehouse, account_id: str) -> str | None:
    """The opening branch of ``account_id`` in the latest snapshot that has it, or None."""
    if not table_exists(wh, "accounts"):
        return None
    return wh.scalar("SELECT branch_id FROM accounts WHERE account_id = ? ORDER BY as_of DESC LIMIT 1",
                     [account_id])


def branch_names(wh: Warehouse, as_of: date) -> dict[str, str]:
    return {r["branch_id"]: r["name"] for r in wh.rows(
        "SELECT branch_id, name FROM branches WHERE as_of = ?", [as_of])}


def classified(wh: Warehouse, as_of: date, profile: str, rulebook_version: str) -> bool:
    """Whether ``loan_tags`` holds a classification of ``as_of`` by the current rulebook."""
    if not table_exists(wh, "loan_tags"):
        return False
    return bool(wh.scalar(
        "SELECT count(*) FROM (SELECT 1 FROM loan_tags WHERE as_of = ? AND profile = ? AND rulebook_version = ? "
        "LIMIT 1)", [as_of, profile, rulebook_version]))


def registries_at(wh: Warehouse, as_of: date) -> list[str]:
    """Registry names with at least one member valid on ``as_of``."""
    if not table_exists(wh, "registries"):
        return []
    return [r["registry"] for r in wh.rows(
        "SELECT DISTINCT registry FROM registries WHERE as_of = ? AND (valid_from IS NULL OR valid_from <= ?) "
        "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY 1", [as_of, as_of, as_of])]
