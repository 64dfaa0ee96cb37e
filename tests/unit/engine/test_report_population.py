"""A regulatory table's row population (``engine.report_population``) carries only the columns its conditions read,
with only the joins those columns need, and the same values as the enriched relation of ``metrics_reports``."""

from __future__ import annotations

from datetime import date

import pytest

from support.golden_bank import bank_warehouse
from wupian.engine.metrics import closure_sql
from wupian.engine.metrics_reports import SNAPSHOT_TAGS, _enriched_sql
from wupian.engine.report_population import COLUMNS, population_sql, populations_sql, referenced

AS_OF = date(2026, 3, 31)


def test_referenced_reads_the_enriched_columns_of_condition_sql() -> None:
    assert referenced(["e.declared_size IN (?)", "r.id_code = e.id_code AND e.rule_ids"]) == {
        "declared_size", "id_code", "rule_ids"}


def test_all_loans_without_borrower_columns_reads_loans_alone() -> None:
    sql, params = population_sql(AS_OF, "nfra_1104_2025", "all_loans", ["amount", "customer_id"], None,
                                 SNAPSHOT_TAGS["all_loans"])
    assert "customers" not in sql and "loan_tags" not in sql and params == ["all_loans", AS_OF]
    sql, _ = population_sql(AS_OF, "nfra_1104_2025", "green", ["declared_size", "tech_htp"], None, None)
    assert "LEFT JOIN customers" in sql and "LEFT JOIN loan_tags ti" in sql
    with pytest.raises(ValueError, match="unknown report column"):
        population_sql(AS_OF, "p", "green", ["balance; DROP TABLE loans"], None, None)


@pytest.mark.parametrize("tag", ["tech_industry", "inclusive", "all_loans", "rediscount"])
def test_every_column_equals_the_enriched_relation(tag: str) -> None:
    for wh in bank_warehouse():
        closure, cparams = closure_sql(wh, AS_OF)
        wanted = sorted(c for c in COLUMNS if c not in ("as_of_", "profile_"))
        inner, iparams = _enriched_sql(AS_OF, "pboc_2025", [tag], None, closure)
        pop, pparams = population_sql(AS_OF, "pboc_2025", tag, wanted, None, SNAPSHOT_TAGS.get(tag))
        cols = ", ".join(wanted)
        order = "ORDER BY " + ", ".join(f"CAST({c} AS VARCHAR) NULLS FIRST" for c in wanted)
        full = wh.rows(f"WITH closure AS (SELECT * FROM {closure}) SELECT {cols} FROM ({inner}) e {order}",
                       [*cparams, *iparams])
        narrow = wh.rows(f"WITH closure AS (SELECT * FROM {closure}) SELECT {cols} FROM ({pop}) e {order}",
                         [*cparams, *pparams])
        assert narrow == full and (full or tag == "rediscount")


def test_many_tags_in_one_population_join_loans_once_and_equal_the_one_tag_populations() -> None:
    tags = {"tech_industry": None, "inclusive": None, "green": None, "all_loans": SNAPSHOT_TAGS["all_loans"],
            "rediscount": SNAPSHOT_TAGS["rediscount"]}
    wanted = sorted(c for c in COLUMNS if c not in ("as_of_",))
    cols = ", ".join(["tag_", *wanted])
    order = "ORDER BY " + ", ".join(f"CAST({c} AS VARCHAR) NULLS FIRST" for c in ["tag_", *wanted])
    for wh in bank_warehouse():
        closure, cparams = closure_sql(wh, AS_OF)
        for subtree in (None, wh.scalar("SELECT min(branch_id) FROM loans WHERE as_of = ?", [AS_OF])):
            many, mparams = populations_sql(AS_OF, "pboc_2025", tags, wanted, subtree)
            assert many.count("JOIN loans l") == 1 and many.count("JOIN customers") == 1
            one_by_one = []
            for tag, where in tags.items():
                pop, pparams = population_sql(AS_OF, "pboc_2025", tag, wanted, subtree, where)
                one_by_one += wh.rows(f"WITH closure AS (SELECT * FROM {closure}) SELECT {cols} FROM ({pop}) e",
                                      [*cparams, *pparams])
            got = wh.rows(f"WITH closure AS (SELECT * FROM {closure}) SELECT {cols} FROM ({many}) e {order}",
                          [*cparams, *mparams])
            assert got and sorted(map(repr, got)) == sorted(map(repr, one_by_one))


def test_the_snapshot_tags_together_read_loans_once_and_equal_each_alone() -> None:
    """In scope and 转贴现 are disjoint: one read of ``loans`` tags each loan with the one tag it meets."""
    tags = {"all_loans": SNAPSHOT_TAGS["all_loans"], "rediscount": SNAPSHOT_TAGS["rediscount"]}
    wanted = ["amount", "customer_id", "declared_size", "loan_id", "tech_se_given"]
    for wh in bank_warehouse():
        closure, cparams = closure_sql(wh, AS_OF)
        many, mparams = populations_sql(AS_OF, "pboc_2025", tags, wanted, None)
        assert many.count("FROM loans l") == 1 and "loan_tags" not in many
        cols = ", ".join(["tag_", *wanted])
        got = wh.rows(f"WITH closure AS (SELECT * FROM {closure}) SELECT {cols} FROM ({many}) e", [*cparams, *mparams])
        one_by_one = []
        for tag, where in tags.items():
            pop, pparams = population_sql(AS_OF, "pboc_2025", tag, wanted, None, where)
            one_by_one += wh.rows(f"WITH closure AS (SELECT * FROM {closure}) SELECT {cols} FROM ({pop}) e",
                                  [*cparams, *pparams])
        assert {r["tag_"] for r in got} == set(tags)
        assert sorted(map(repr, got)) == sorted(map(repr, one_by_one))
