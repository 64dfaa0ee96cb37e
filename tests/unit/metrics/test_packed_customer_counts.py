"""Distinct-customer counts with every scope's customer mask packed into one BIGINT per customer (issue 14).

``metrics_loans._distinct_ctes`` groups the loan rows by customer once — scope *s*'s measure bits moved to bits
*s*·*d*… — instead of once per (scope, customer) (10M loans: 3.3M groups instead of 6.2M); a customer is on the
multi-branch path in every scope when its loans of any scope are booked at two branches. Every figure must be
the one the per-scope grouping gives (``PACKED_BITS`` 0 turns the packing off), on the fixture bank (a customer
served by two outlets, customers with zero-balance loans, first loans) for both profiles and on a random bank.
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from support.golden_bank import BANK, load_bank
from wupian.engine import metrics_loans
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators

AS_OF = date(2026, 3, 31)


def _values(table: pa.Table) -> list[tuple[object, ...]]:
    return sorted(zip(*(table.column(c).to_pylist() for c in
                        ("branch_id", "indicator_id", "value", "unavailable_reason")), strict=True),
                  key=lambda r: (str(r[0]), str(r[1])))


def _both(wh: Warehouse, monkeypatch: pytest.MonkeyPatch, **kw: object) -> tuple[list, list, list[str]]:
    seen: list[str] = []
    real = metrics_loans._distinct_ctes

    def spy(distinct, scopes):  # type: ignore[no-untyped-def]
        ctes = real(distinct, scopes)
        seen.append(ctes[0])
        return ctes

    monkeypatch.setattr(metrics_loans, "_distinct_ctes", spy)
    packed = _values(compute_indicators(wh, AS_OF, store=False, **kw).to_arrow())
    monkeypatch.setattr(metrics_loans, "PACKED_BITS", 0)
    per_scope = _values(compute_indicators(wh, AS_OF, store=False, **kw).to_arrow())
    return packed, per_scope, seen


@pytest.mark.parametrize("profile", ["pboc_2025", "nfra_1104_2025"])
def test_packed_counts_are_the_per_scope_counts(bank: Warehouse, monkeypatch: pytest.MonkeyPatch,
                                                profile: str) -> None:
    packed, per_scope, seen = _both(bank, monkeypatch, profile=profile)
    assert packed == per_scope
    assert "GROUP BY customer_id)" in seen[0] and "GROUP BY ALL" in seen[-1]  # packed, then per scope
    counts = {(b, i): v for b, i, v, _ in packed if i.endswith("customers")}
    assert counts[("H", "all_loans.customers")] == 8
    if profile == "pboc_2025":  # (the fixture's tags are pboc's) C01 at A1 and A2 counts once at A
        assert counts[("A", "green.customers")] == counts[("A1", "green.customers")] == 1


@pytest.mark.parametrize("seed", range(6))
def test_packed_counts_on_random_banks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    # the fixture bank's loans of the date moved to random customers (few: several loans each), outlets and
    # balances (zero too): customers at one or several outlets, in some scopes only, with or without a balance
    rng = random.Random(seed)
    folder = tmp_path / "bank"
    shutil.copytree(BANK, folder)
    with (BANK / "loans.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    outlets = ["A1", "A2", "B", "H"]
    for r in rows:
        if r["as_of"] == AS_OF.isoformat():
            r["customer_id"] = rng.choice(["C01", "C02", "C03", "C04", "C05"])
            r["branch_id"] = rng.choice(outlets[: rng.randint(1, 4)])
            r["balance"] = rng.choice(["0.00", "1000.00", r["balance"]])
    with (folder / "loans.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with Warehouse(":memory:") as wh:
        load_bank(wh, folder)
        packed, per_scope, seen = _both(wh, monkeypatch)
    assert packed == per_scope
    assert "GROUP BY customer_id)" in seen[0]
