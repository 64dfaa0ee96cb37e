"""Golden classification cases (domain-rules §14 and every threshold boundary), under both profiles.

Each folder holds a small snapshot in the user's language (customers.csv, loans.csv, registries.csv) and
expected.csv: profile, loan_id, the exact set of tags, and optional amounts (``tag=amount``).
"""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot

HERE = Path(__file__).parent
AS_OF = date(2025, 12, 31)
CASES = sorted(p.name for p in HERE.iterdir() if (p / "expected.csv").exists())

_spec = importlib.util.spec_from_file_location("classify_snapshot_csv", HERE / "snapshot_csv.py")
assert _spec and _spec.loader
snapshot_csv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_csv)


def _expected(case: str) -> list[dict[str, str]]:
    with (HERE / case / "expected.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str) -> None:
    rows = _expected(case)
    with Warehouse(":memory:") as wh:
        snapshot_csv.load_case(wh, HERE / case, AS_OF)
        for profile in sorted({r["profile"] for r in rows}):
            classify_snapshot(wh, AS_OF, profile)
            got: dict[str, dict[str, Decimal]] = {}
            for r in wh.rows("SELECT loan_id, tag, amount FROM loan_tags WHERE as_of = ? AND profile = ?",
                             [AS_OF, profile]):
                got.setdefault(r["loan_id"], {})[r["tag"]] = r["amount"]
            for exp in (r for r in rows if r["profile"] == profile):
                want = set() if exp["tags"].strip() == "-" else set(exp["tags"].split())
                have = set(got.get(exp["loan_id"], {}))
                assert have == want, f"{case} {profile} {exp['loan_id']}: got {sorted(have)}, want {sorted(want)}"
                for pair in (exp.get("amounts") or "").split():
                    tag, amount = pair.split("=")
                    assert got[exp["loan_id"]][tag] == Decimal(amount), f"{case} {profile} {exp['loan_id']} {tag}"


def test_size_edges_derived_sizes() -> None:
    with Warehouse(":memory:") as wh:
        snapshot_csv.load_case(wh, HERE / "size_edges", AS_OF)
        classify_snapshot(wh, AS_OF)
        got = {r["customer_id"]: r["derived_size"] for r in wh.rows(
            "SELECT customer_id, derived_size FROM customer_facts WHERE as_of = ?", [AS_OF])}
    with (HERE / "size_edges" / "expected_sizes.csv").open(encoding="utf-8") as fh:
        for exp in csv.DictReader(fh):
            assert got[exp["customer_id"]] == (exp["derived_size"] or None), exp["customer_id"]


def test_reclassifying_replaces_rows() -> None:
    with Warehouse(":memory:") as wh:
        snapshot_csv.load_case(wh, HERE / "tech_union", AS_OF)
        first = classify_snapshot(wh, AS_OF)
        second = classify_snapshot(wh, AS_OF)
        n = wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ?", [AS_OF])
    assert first.counts == second.counts
    assert n == sum(c.loans for c in second.counts)


def test_every_case_classifies_alike_in_one_snapshot_with_the_others() -> None:
    """All cases loaded together (``snapshot_csv.load_cases``: loan ids prefixed by the case, as the Spark
    conformance test loads them) give every case's expected tags and amounts, and each customer's facts name its
    own case's first loan: a rule or fact that leaked across customers (or a union that mixed cases) fails here."""
    with Warehouse(":memory:") as wh:
        snapshot_csv.load_cases(wh, [HERE / case for case in CASES], AS_OF)
        got: dict[tuple[str, str], dict[str, Decimal]] = {}
        for profile in ("pboc_2025", "nfra_1104_2025"):
            classify_snapshot(wh, AS_OF, profile)
            for r in wh.rows("SELECT loan_id, tag, amount FROM loan_tags WHERE as_of = ? AND profile = ?",
                             [AS_OF, profile]):
                got.setdefault((profile, r["loan_id"]), {})[r["tag"]] = r["amount"]
        firsts = wh.rows("SELECT f.customer_id, f.first_loan_id, l.loan_id FROM customer_facts f JOIN loans l "
                         "ON l.customer_id = f.customer_id AND l.as_of = f.as_of WHERE f.first_loan_id IS NOT NULL")
    checked = 0
    for case in CASES:
        for exp in _expected(case):
            tags = got.get((exp["profile"], f"{case}/{exp['loan_id']}"), {})
            want = set() if exp["tags"].strip() == "-" else set(exp["tags"].split())
            assert set(tags) == want, f"{case} {exp['profile']} {exp['loan_id']}: got {sorted(tags)}"
            for pair in (exp.get("amounts") or "").split():
                tag, amount = pair.split("=")
                assert tags[tag] == Decimal(amount), f"{case} {exp['profile']} {exp['loan_id']} {tag}"
            checked += 1
    assert checked == sum(len(_expected(case)) for case in CASES) > 50
    assert firsts and all(r["first_loan_id"].split("/")[0] == r["loan_id"].split("/")[0] for r in firsts)
