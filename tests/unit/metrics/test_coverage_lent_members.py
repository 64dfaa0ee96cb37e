"""Which registry members are lent to (``has_loan``, ``loan_members``, ``loan_balance``): a member whose customers
have a loan of the date with a positive balance, in scope (not bill rediscount, not entrusted, not written off or
transferred) — and the sum of those balances. Issue 14, session 12 moved the loan test of ``_members_sql`` after
the join with the members' customers (an aggregate ``FILTER`` and ``HAVING``) and kept only the members' customers
in its ``cust``: the figures must stay those of the rule, recomputed here in Python from the stored rows (also the
member's customer, credit and open account), on a bank whose members' loans are edited into every case.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from support.edit_rows import update
from wupian import api
from wupian.engine.metrics_other import registry_members

OUT_OF_SCOPE = {"written_off", "transferred"}


def _lent(loans: list[dict[str, object]]) -> dict[str, Decimal]:
    """customer_id → Σ balance of its loans that count (the rule, in Python)."""
    out: dict[str, Decimal] = {}
    for r in loans:
        balance = r["balance"]
        if balance is None or not balance > 0:  # type: ignore[operator]
            continue
        if r["business_type"] == "bill_rediscount" or r["is_entrusted"] or r["status"] in OUT_OF_SCOPE:
            continue
        cid = str(r["customer_id"])
        out[cid] = out.get(cid, Decimal(0)) + balance  # type: ignore[operator]
    return out


def _members(wh: object, day: date, registries: list[str]) -> list[dict[str, object]]:
    return [m for r in registries for m in registry_members(wh, day, r).to_pylist()]  # type: ignore[arg-type]


def test_members_lent_to_are_those_with_a_counted_loan(tmp_path: Path, demo: tuple[date, Path]) -> None:
    day, folder = demo
    with api.open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        api.load_snapshot(wh, day, folder)
        registries = [r["registry"] for r in wh.rows("SELECT DISTINCT registry FROM registries WHERE as_of = ? "
                                                     "ORDER BY 1", [day])]
        members = _members(wh, day, registries)
        lent_ids = sorted({str(m["id_code"]) for m in members if m["has_loan"]})
        assert len(lent_ids) >= 8
        by_id: dict[str, list[str]] = {}
        for r in wh.rows("SELECT id_code, customer_id FROM customers WHERE as_of = ?", [day]):
            by_id.setdefault(r["id_code"], []).append(r["customer_id"])
        # every case on some member's loans: zero balance, rediscount, entrusted, written off, transferred, none
        edits = [({"balance": "0"}, lent_ids[0]), ({"business_type": "'bill_rediscount'"}, lent_ids[1]),
                 ({"is_entrusted": "true"}, lent_ids[2]), ({"status": "'written_off'"}, lent_ids[3]),
                 ({"status": "'transferred'"}, lent_ids[4]), ({"balance": "NULL"}, lent_ids[5])]
        for sets, id_code in edits:
            ids = ", ".join(f"'{c}'" for c in by_id[id_code])
            update(wh, "loans", sets, f"as_of = DATE '{day.isoformat()}' AND customer_id IN ({ids})")
        # members keeping one counted loan beside an edited one
        for id_code in lent_ids[6:]:
            rows = wh.rows("SELECT loan_id FROM loans WHERE as_of = ? AND list_contains(?, customer_id) "
                           "ORDER BY loan_id", [day, by_id[id_code]])
            if len(rows) > 1:
                update(wh, "loans", {"balance": "0"}, f"loan_id = '{rows[0]['loan_id']}'")
        want = _lent(wh.rows("SELECT customer_id, balance, business_type, is_entrusted, status FROM loans "
                             "WHERE as_of = ?", [day]))
        after = _members(wh, day, registries)
        credit = {r["customer_id"] for r in wh.rows(
            "SELECT customer_id FROM customers WHERE as_of = ? AND credit_limit_total > 0", [day])}
        opened = {r["customer_id"] for r in wh.rows(
            "SELECT customer_id FROM accounts WHERE as_of = ? AND opened_at <= ? AND (closed_at IS NULL "
            "OR closed_at > ?)", [day, day, day])}
    assert len(after) == len(members)
    for m in after:
        counted = [want[c] for c in by_id.get(str(m["id_code"]), []) if c in want]
        assert m["has_loan"] == bool(counted), m["id_code"]
        assert m["loan_balance"] == sum(counted, Decimal(0)), m["id_code"]
        mine = by_id.get(str(m["id_code"]), [])
        assert m["customer_id"] == (min(mine) if mine else None), m["id_code"]
        assert m["has_credit"] == any(c in credit for c in mine), m["id_code"]
        assert m["has_account"] == any(c in opened for c in mine), m["id_code"]
    flags = {m["id_code"]: m["has_loan"] for m in after}
    assert not any(flags[i] for _, i in edits)  # every edited case is no longer lent to
    assert sum(1 for m in after if m["has_loan"]) >= 2  # and the others still are
