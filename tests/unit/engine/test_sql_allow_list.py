"""The engine's SQL keeps to the allow-list of sql_functions.yaml and to portable constructs: every statement a
small demo bank run executes (load, classify, indicators, month-end, recurring, screening) is parsed with sqlglot
and its functions are checked. Runs without Spark; the equality of each portable function on both engines is the
Spark suite's job (tests/spark)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wupian.core.errors import DataError
from wupian.engine import dialect
from wupian.engine.sql_allow import allow_list, parse

NO_CASES = {"CURRENT_TIMESTAMP", "NOW", "DUCKDB_TABLES"}  # clocks and the catalog: nothing to compare


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    from wupian.demo import run_demo

    work = tmp_path_factory.mktemp("sqllog")
    log = work / "sql.jsonl"
    mp = pytest.MonkeyPatch()
    mp.setenv("WUPIAN_SQL_LOG", str(log))
    try:
        run_demo(str(work / "w.duckdb"), work / "bank", seed=3, scale=0.01, months=1)
    finally:
        mp.undo()
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [e["sql"] for e in events if "sql" in e]  # registered tables are logged too (wupian.engine.sql_log)


def test_every_executed_function_is_allowed(executed: list[str]) -> None:
    assert len(executed) > 300  # the demo ran load, classify, indicators, reports, recurring and screening
    allowed = allow_list().all
    outside: dict[str, str] = {}
    for sql in executed:
        if sql.lstrip().upper().startswith(("PREPARE", "EXECUTE", "DEALLOCATE")):
            continue  # screening's prepared statement: its body is executed as a normal statement too
        for name in dialect.functions_used(sql) - allowed:
            outside.setdefault(name, sql[:200])
    assert not outside, f"functions outside sql_functions.yaml: {outside}"


def test_every_executed_statement_is_portable(executed: list[str]) -> None:
    refused = []
    for sql in executed:
        if sql.lstrip().upper().startswith(("PREPARE", "EXECUTE", "DEALLOCATE")):
            continue
        for tree in dialect.parse(sql):
            try:
                dialect.check_portable(tree)
            except dialect.NotPortable as exc:
                refused.append(f"{exc}: {sql[:160]}")
    assert not refused, refused


def test_an_unlisted_function_is_caught() -> None:
    sql = "SELECT levenshtein_ratio(a, b), sum(x) FROM t"
    assert dialect.functions_used(sql) - allow_list().all == {"LEVENSHTEIN_RATIO"}
    with pytest.raises(dialect.NotPortable, match="allow-list"):
        dialect.to_spark(sql)


@pytest.mark.parametrize("sql", [
    "SELECT date_diff('month', a, b) FROM t",
    "SELECT date_diff('year', a, b) FROM t",
    "SELECT dayofweek(d) FROM t",
])
def test_silent_differences_are_refused(sql: str) -> None:
    with pytest.raises(dialect.NotPortable):
        dialect.to_spark(sql)


def test_every_portable_function_has_edge_cases() -> None:
    fns = allow_list().functions
    missing = [f.name for f in fns if f.portable and not f.cases and f.name not in NO_CASES]
    assert not missing
    for f in fns:  # each case exercises the function it is listed under
        for case in f.cases:
            assert f.name in dialect.functions_used(f"SELECT {case}"), (f.name, case)


def test_the_allow_list_is_validated() -> None:
    with pytest.raises(DataError) as err:
        parse("portable:\n  - name: SUM\n    casse: []\n")
    assert "casse" in str(err.value.issues[0]) and "did you mean 'cases'" in str(err.value.issues[0])
    with pytest.raises(DataError, match="twice"):
        parse("portable:\n  - {name: SUM}\nstaging:\n  - {name: sum}\n")


@pytest.mark.parametrize(("duck", "spark"), [
    ("SELECT CAST(x AS HUGEINT) FROM t", "CAST(x AS DECIMAL(38, 0))"),
    ("SELECT list_has_any(a, b) FROM t", "ARRAYS_OVERLAP(a, b)"),
    ("SELECT greatest(a) FROM t", "SELECT a FROM t"),
    ("WITH a AS MATERIALIZED (SELECT 1) SELECT * FROM a", "WITH a AS (SELECT 1)"),
    ("SELECT row_number() OVER () FROM t", "OVER (ORDER BY MONOTONICALLY_INCREASING_ID()"),
    ("SELECT count(*) FROM duckdb_tables()", "FROM wupian_catalog_tables"),
    ("SELECT a // b FROM t", "RAISE_ERROR("),
])
def test_shims(duck: str, spark: str) -> None:
    assert spark in dialect.to_spark(duck)[0]


def test_the_yaml_ships_next_to_the_engine() -> None:
    assert Path(dialect.__file__).with_name("sql_functions.yaml").exists()
