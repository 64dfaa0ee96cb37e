"""rules.classifying_together — classifications of one date share one build of the per-customer facts.

A month-end classifies the as-of date under both profiles; the per-customer facts (``cls_cust`` and the stored
``customer_facts``) depend on the snapshots, the size basis and the registry labels only, so inside the block the
second profile reuses them. These tests require the shared run to store exactly what separate runs store, to
write ``customer_facts`` once, and to rebuild whenever the date or the size basis changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from support.classify_bank import CUSTOMERS, LOANS, REGISTRIES
from wupian.engine.classify import drop_work_tables
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, classifying_together

AS_OF = date(2025, 12, 31)
EARLIER = date(2025, 11, 30)
Load = Callable[..., int]


def _stored(wh: Warehouse) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tags = wh.rows("SELECT * FROM loan_tags ORDER BY as_of, profile, loan_id, tag")
    facts = wh.rows("SELECT * FROM customer_facts ORDER BY as_of, customer_id")
    return tags, facts


def _issues(report: Any) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in report.issues]


def _bank(wh: Warehouse, load: Load) -> Warehouse:
    for as_of in (EARLIER, AS_OF):
        load(wh, "customers", CUSTOMERS, as_of)
        load(wh, "loans", LOANS, as_of)
        load(wh, "registries", REGISTRIES, as_of)
    return wh


def _cls_cust_exists(wh: Warehouse) -> bool:
    return bool(wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cls_cust'"))


def test_shared_run_stores_what_separate_runs_store(load: Load) -> None:
    with Warehouse(":memory:") as alone, Warehouse(":memory:") as shared:
        _bank(alone, load)
        _bank(shared, load)
        separate = [classify_snapshot(alone, d, p) for d in (EARLIER, AS_OF) for p in ("pboc_2025", "nfra_1104_2025")]
        with classifying_together(shared):
            together = [classify_snapshot(shared, d, p)
                        for d in (EARLIER, AS_OF) for p in ("pboc_2025", "nfra_1104_2025")]
            assert _cls_cust_exists(shared)  # kept between the classifications of the block
        assert not _cls_cust_exists(shared)  # and dropped when it ends
        assert _stored(shared) == _stored(alone)
        assert [_issues(r) for r in together] == [_issues(r) for r in separate]
        assert [r.counts for r in together] == [r.counts for r in separate]
        assert any(r.issues for r in together)  # the size issues read the shared table too


def test_customer_facts_are_written_once_per_date_and_options(wh: Warehouse, load: Load) -> None:
    _bank(wh, load)
    statements: list[str] = []
    written: list[str] = []  # the tables of the Parquet parts written (customer_facts is kept as parts)
    real, real_write = wh.execute, wh.parts.write

    def spy(sql: str, params: Any = None) -> None:
        statements.append(sql)
        real(sql, params)

    def spy_write(con: Any, name: str, *args: Any, **kw: Any) -> int:
        written.append(name)
        return real_write(con, name, *args, **kw)

    wh.execute = spy  # type: ignore[method-assign]
    wh.parts.write = spy_write  # type: ignore[method-assign]
    with classifying_together(wh):
        classify_snapshot(wh, AS_OF, "pboc_2025")
        classify_snapshot(wh, AS_OF, "nfra_1104_2025")
        assert written.count("customer_facts") == 1
        assert written.count("loan_tags") == 2
        assert sum("CREATE OR REPLACE TEMP TABLE cls_cust" in s for s in statements) == 1
        classify_snapshot(wh, AS_OF, "pboc_2025", size_basis="derived_first")  # other options: built again
        classify_snapshot(wh, EARLIER, "pboc_2025")  # another date: built again
        assert written.count("customer_facts") == 3
    wh.execute = real  # type: ignore[method-assign]
    del wh.parts.write
    assert wh.scalar("SELECT params FROM lineage WHERE kind = 'customer_facts' AND as_of = ?", [AS_OF]) == \
        '{"size_basis": "derived_first"}'


def test_another_build_of_cls_cust_inside_the_block_is_not_mistaken_for_the_shared_one(
        wh: Warehouse, load: Load) -> None:
    from wupian.engine.classify_customers import build_customer_temp

    _bank(wh, load)
    with classifying_together(wh):
        classify_snapshot(wh, AS_OF, "pboc_2025")
        build_customer_temp(wh, EARLIER)  # e.g. an explanation of another date replaces the temp table
        report = classify_snapshot(wh, AS_OF, "nfra_1104_2025")
    with Warehouse(":memory:") as alone:
        _bank(alone, load)
        expected = classify_snapshot(alone, AS_OF, "nfra_1104_2025")
        assert _issues(report) == _issues(expected)
        assert wh.rows("SELECT * FROM loan_tags WHERE profile = 'nfra_1104_2025' ORDER BY loan_id, tag") == \
            alone.rows("SELECT * FROM loan_tags WHERE profile = 'nfra_1104_2025' ORDER BY loan_id, tag")


@pytest.mark.parametrize("nested", [False, True])
def test_outside_a_block_every_classification_cleans_up(wh: Warehouse, load: Load, nested: bool) -> None:
    _bank(wh, load)
    if nested:
        with classifying_together(wh), classifying_together(wh):
            classify_snapshot(wh, AS_OF, "pboc_2025")
        assert not _cls_cust_exists(wh)
    else:
        classify_snapshot(wh, AS_OF, "pboc_2025")
        assert not _cls_cust_exists(wh)
        drop_work_tables(wh)  # idempotent
        assert not _cls_cust_exists(wh)


def test_the_data_checks_run_once_per_date_and_size_basis(wh: Warehouse, load: Load) -> None:
    # the checks' Issues depend on the date's snapshots and the size basis, not on the profile: the second
    # profile of a date gets the first one's (the same as a separate run's, ``test_shared_run_…``)
    _bank(wh, load)
    statements: list[str] = []
    real = wh.execute

    def spy(sql: str, params: Any = None) -> None:
        statements.append(sql)
        real(sql, params)

    wh.execute = spy  # type: ignore[method-assign]
    checks = lambda: sum("CREATE OR REPLACE TEMP TABLE cls_eval" in s for s in statements)  # noqa: E731
    with classifying_together(wh):
        first = classify_snapshot(wh, AS_OF, "pboc_2025")
        second = classify_snapshot(wh, AS_OF, "nfra_1104_2025")
        assert checks() == 1
        assert _issues(second) == _issues(first) and any(i.code == "WP-CLS-001" for i in first.issues)
        classify_snapshot(wh, AS_OF, "pboc_2025", size_basis="derived_first")  # another basis: checked again
        classify_snapshot(wh, EARLIER, "pboc_2025")  # another date: checked again
        assert checks() == 3
    classify_snapshot(wh, AS_OF, "nfra_1104_2025")  # outside a block: always checked
    assert checks() == 4
    wh.execute = real  # type: ignore[method-assign]


def test_the_tagging_joins_the_borrowers_rows_of_a_whole_cls_cust(wh: Warehouse, load: Load) -> None:
    # an explicit classification builds every customer's facts (stored); ``borrower`` marks those with a loan of
    # the date — the only rows the tagging can join — and matches the date's loans exactly
    _bank(wh, load)
    with classifying_together(wh):
        classify_snapshot(wh, AS_OF, "pboc_2025")
        marked = {r["customer_id"]: r["borrower"] for r in wh.rows("SELECT customer_id, borrower FROM cls_cust")}
    borrowers = {r["customer_id"] for r in wh.rows("SELECT DISTINCT customer_id FROM loans WHERE as_of = ?", [AS_OF])}
    assert {c for c, b in marked.items() if b} == borrowers & set(marked)
    # (a customer with facts but no loan of the date: ``test_kept_first_loans``' K5)


def test_a_date_s_profiles_classified_in_one_pass_report_the_data_checks_as_each_alone(load: Load) -> None:
    """``classify_snapshots`` of both profiles (one signing of the loans; ``cls_eval`` made from the signed loans'
    read, issue 14 session 16) reports every data check's Issues — an invalid green code, a green amount above the
    balance, a green amount without a code, each on a loan no rule tags too — as each profile's own run does."""
    from wupian.rules import classify_snapshots

    loans = ("贷款借据编码,客户号,业务类别,贷款产品类别,贷款余额,贷款实际投向,绿色项目分类,绿色部分金额\n"
             "L1,C1,单位贷款,F022,4000000.00,3911,1.1.1,5000000.00\n"
             "L2,C2,单位贷款,F023,9000000.00,4415,,100.00\n"
             "L3,C2,单位贷款,F023,1000000.00,3311,4.2.99,\n"
             "L4,C3,个人贷款,F022,200000.00,,9.9.9,10.00\n"
             "L5,C3,个人贷款,F022,300000.00,,1.1.2,20.00\n")
    with Warehouse(":memory:") as alone, Warehouse(":memory:") as shared:
        for wh in (alone, shared):
            load(wh, "customers", CUSTOMERS, AS_OF)
            load(wh, "loans", loans, AS_OF)
            load(wh, "registries", REGISTRIES, AS_OF)
        separate = [classify_snapshot(alone, AS_OF, p) for p in ("pboc_2025", "nfra_1104_2025")]
        together = classify_snapshots(shared, AS_OF, ("pboc_2025", "nfra_1104_2025"))
        assert [_issues(r) for r in together] == [_issues(r) for r in separate]
        codes = {i.code for i in together[0].issues}
        assert {"WP-CLS-001", "WP-CLS-002", "WP-CLS-003"} <= codes
        assert _stored(shared) == _stored(alone)
        assert not shared.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cls_eval'")
