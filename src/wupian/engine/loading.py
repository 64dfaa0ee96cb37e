"""Set-based checking and loading of one staged table into the warehouse, with quarantine.

The ingest layer stages each file typed, with a ``__bad`` flag per row (``stage.py``), and then, inside one
warehouse transaction, calls these functions per table in dependency order:

1. ``check_rows`` — the few ``__bad`` rows (some row-level check fails: types, enums, required, pattern,
   ranges, date order) get their raw text back and issue rows are generated from that small set, in one
   statement; duplicate keys (GROUP BY … HAVING count(*) > 1) and broken references (anti-joins against
   the rows already loaded for this as-of) add theirs. Issues go to the temp table ``_wp_issues``.
2. ``insert_snapshot`` / ``upsert_keyed`` / ``append_events`` — valid rows (anti-join with the rejected
   lines) are typed and inserted in a single INSERT … SELECT.
3. ``quarantine_rejected`` — every rejected row, with its issues as JSON; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from wupian.contract import Table
from wupian.core.errors import DataError
from wupian.core.issues import Issue, Level, Source
from wupian.engine.checks import (
    AS_OF_DATES,
    Typed,
    is_id_column,
    key_expr,
    lit,
    rate_columns,
    row_failures,
    text_expr,
)
from wupian.engine.load_codes import make_issue
from wupian.engine.parts import PART_TABLES, PartStore, Projection
from wupian.engine.stage import RawInput, StagedTable, raw_rows, staged_source
from wupian.engine.warehouse import quote_ident

ISSUES = "_wp_issues"


def start_session(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the temp issue table of one load or check."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ISSUES} (seq INTEGER, tbl VARCHAR, file VARCHAR, line BIGINT, "
        "row_key VARCHAR, col VARCHAR, code VARCHAR, level VARCHAR, message VARCHAR, suggestion VARCHAR)"
    )


def _rej(table: Table) -> str:
    return quote_ident(f"_wp_rej_{table.name}")


def _typed(table: Table) -> str:
    return quote_ident(f"_wp_t_{table.name}")


def closest(value: str, candidates: Sequence[str]) -> str | None:
    """``did you mean 'x'?`` for the closest accepted spelling (case-insensitive), or None."""
    folded = {c.casefold(): c for c in candidates}
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return f"did you mean '{folded[close[0]]}'?" if close else None


def check_rows(
    con: duckdb.DuckDBPyConnection,
    raw: RawInput,
    st: StagedTable,
    file_label: str,
    seq: int,
    *,
    as_of: dt.date | None,
    duplicates: bool = True,
) -> int:
    """Record issues of every row-level check (rows flagged ``__bad`` or ``__warn`` when staged) and of
    duplicate keys (unless ``duplicates`` is false: another lane computes them, ``load_lanes``); return the
    number of rows failing or warned by a row-level check."""
    table = raw.table
    typed = quote_ident(st.typed)
    bad = f"_wp_bad_{table.name}"
    qb = quote_ident(bad)
    n_bad = raw_rows(con, raw, st, f"SELECT __line AS line FROM {typed} WHERE __bad OR __warn", bad)
    if n_bad:
        _register_suggestions(con, table, qb)
        head = f"SELECT {seq:d}, {lit(table.name)}, ?, r.__line, {key_expr(table)}"
        parts: list[str] = []
        for f in row_failures(table):
            col = lit(f.column) if f.column else "NULL"
            sugg, join = "NULL", ""
            if f.code == "WP-LOAD-020" and f.column:
                sugg = "sg.suggestion"
                join = f" LEFT JOIN _wp_sugg AS sg ON sg.col = {col} AND sg.value = {text_expr(f.column)}"
            parts.append(
                f"{head}, {col}, {lit(f.code)}, {lit(f.level)}, {f.message}, {sugg} "
                f"FROM {qb} AS r{join} WHERE coalesce({f.condition}, false)"
            )
        if parts:
            con.execute(f"INSERT INTO {ISSUES} " + " UNION ALL ".join(parts), [file_label] * len(parts))
    con.execute(f"DROP TABLE {qb}")
    x = Typed(table, "x")
    date_col = AS_OF_DATES.get(table.name)
    if as_of is not None and date_col is not None:
        d = quote_ident(date_col)
        con.execute(
            f"INSERT INTO {ISSUES} SELECT {seq:d}, {lit(table.name)}, ?, x.__line, {key_expr(table, x)}, "
            f"{lit(date_col)}, 'WP-LOAD-033', 'WARNING', {lit(f'expected {date_col} ≤ as-of date ')} || "
            f"CAST(CAST(? AS DATE) AS VARCHAR) || ', got ' || CAST(x.{d} AS VARCHAR), NULL "
            f"FROM {typed} AS x WHERE x.{d} > CAST(? AS DATE)",
            [file_label, as_of, as_of],
        )
    if duplicates:
        _duplicates(con, table, typed, file_label, seq)
    _fraction_rates(con, table, typed, file_label, seq)
    return n_bad


def _fraction_rates(con: duckdb.DuckDBPyConnection, table: Table, typed: str, file_label: str, seq: int) -> None:
    """WARNING for a rate column (annual percent) whose every non-zero value is below 1: 0.0345 where 3.45
    was meant (fractions instead of percent). One aggregate over the staged table."""
    rates = rate_columns(table)
    if not rates:
        return
    aggs = ", ".join(
        f"max(abs({quote_ident(r)})), arg_min({quote_ident(r)}, __line) FILTER (WHERE {quote_ident(r)} <> 0), "
        f"min(__line) FILTER (WHERE {quote_ident(r)} <> 0)"
        for r in rates
    )
    row = con.execute(f"SELECT {aggs} FROM {typed}").fetchone()
    assert row is not None
    for i, name in enumerate(rates):
        top, example, line = row[3 * i : 3 * i + 3]
        if example is None or top >= 1:
            continue
        con.execute(
            f"INSERT INTO {ISSUES} VALUES ({seq:d}, {lit(table.name)}, ?, ?, NULL, ?, 'WP-LOAD-044', 'WARNING', ?, ?)",
            [
                file_label, line, name,
                f"every {name} value is below 1 (e.g. {_plain(example)} on line {line}); rates are annual percent "
                "(3.45 means 3.45%)",
                "if these are fractions (0.0345 for 3.45%), multiply the column by 100",
            ],
        )


def _plain(value: object) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _register_suggestions(con: duckdb.DuckDBPyConnection, table: Table, bad: str) -> None:
    """(column, unrecognised enum value) → "did you mean" in ``_wp_sugg``; values are bound, never pasted."""
    con.execute("CREATE OR REPLACE TEMP TABLE _wp_sugg (col VARCHAR, value VARCHAR, suggestion VARCHAR)")
    selects = [
        f"SELECT * FROM (SELECT DISTINCT {lit(f.column)} AS col, {text_expr(f.column)} AS value FROM {bad} AS r "
        f"WHERE coalesce({f.condition}, false) LIMIT 1000)"
        for f in row_failures(table)
        if f.code == "WP-LOAD-020" and f.column is not None
    ]
    if not selects:
        return
    rows: list[list[str]] = []
    for column, value in con.execute(" UNION ALL ".join(selects)).fetchall():
        spellings = sorted({s for e in table.column(column).enum for s in e.accepted()})
        hint = closest(value, spellings)
        if hint:
            rows.append([column, value, hint])
    if rows:
        con.executemany("INSERT INTO _wp_sugg VALUES (?, ?, ?)", rows)


def _duplicates(con: duckdb.DuckDBPyConnection, table: Table, typed: str, file_label: str, seq: int) -> None:
    """Duplicate keys (WP-LOAD-022) and keys that differ only in letter case (WP-LOAD-039): ids are
    case-sensitive, so 'L0001' and 'l0001' would silently be two loans; every row of such a group is rejected.
    One aggregation over the case-folded key finds both (no row of a clean file survives its HAVING)."""
    probe = duplicates_probe_sql(table, typed)
    if probe is not None and not con.execute(probe).fetchone()[0]:  # type: ignore[index]
        return
    found = duplicates_sql(table, typed, file_label, seq)
    if found is not None:
        con.execute(f"INSERT INTO {ISSUES} {found[0]}", found[1])


def duplicates_probe_sql(table: Table, typed: str) -> str | None:
    """For a one-column key, how many rows hold the same case-folded key as the row before them once the keys are
    sorted — 0 exactly when ``duplicates_sql`` finds nothing (equal keys are neighbours in any sort). A sort of
    the keys costs less CPU than the hash aggregate over millions of distinct keys (10M loans, one thread: 1.7
    against 2.7 s), and a clean file, the usual case, needs nothing else. None for other keys."""
    if len(table.key) != 1:
        return None
    q = quote_ident(table.key[0])
    k = f"lower(x.{q})" if is_id_column(table.column(table.key[0])) else f"x.{q}"
    return (f"SELECT count(*) FROM (SELECT s.k, lag(s.k) OVER (ORDER BY s.k) AS p FROM (SELECT {k} AS k "
            f"FROM {typed} AS x WHERE x.{q} IS NOT NULL) AS s) AS w WHERE w.k = w.p")


def duplicates_sql(table: Table, typed: str, file_label: str, seq: int) -> tuple[str, list[object]] | None:
    """The query of ``_duplicates``' issue rows (the columns of ``_wp_issues``) over the staged relation ``typed``
    and its parameters; None for a table without a key."""
    if not table.key:
        return None
    keys = [quote_ident(k) for k in table.key]
    folded = [f"lower(x.{q})" if is_id_column(table.column(k)) else f"x.{q}" for k, q in zip(table.key, keys, strict=True)]
    fk = [f"__f{i}" for i in range(len(keys))]
    not_all_null = " OR ".join(f"{k} IS NOT NULL" for k in keys)
    match = " AND ".join(f"g.{f} IS NOT DISTINCT FROM {e}" for e, f in zip(folded, fk, strict=True))
    fold = ", ".join(f"{e} AS {f}" for e, f in zip(folded, fk, strict=True))
    exact = ", ".join(f"c.{k}" for k in keys)
    head = f"SELECT {seq:d}, {lit(table.name)}, ?, w.__line, w.rk, {lit(table.key[0])}"
    others = "array_to_string(list_filter(w.fam, lambda l: NOT list_contains(w.same, l)), ', ')"
    other_keys = "array_to_string(list_sort(list_distinct(list_filter(w.fam_keys, lambda k: k <> w.rk))), '; ')"
    return (
        f"WITH g AS (SELECT {fold} FROM {typed} AS x WHERE {not_all_null} "
        "GROUP BY ALL HAVING count(*) > 1), "
        f"c AS (SELECT x.__line, {key_expr(table, Typed(table, 'x'))} AS rk, {', '.join('x.' + k for k in keys)}, "
        f"{fold} FROM {typed} AS x SEMI JOIN g ON {match}), "
        f"w AS (SELECT c.*, list(c.__line) OVER (PARTITION BY {exact}) AS same, "
        f"list(c.__line) OVER (PARTITION BY {', '.join('c.' + f for f in fk)}) AS fam, "
        f"list(c.rk) OVER (PARTITION BY {', '.join('c.' + f for f in fk)}) AS fam_keys FROM c) "
        f"{head}, 'WP-LOAD-022', 'ERROR', 'duplicate key ' || w.rk || ': the same key is also on line ' || "
        f"array_to_string(list_filter(w.same, lambda l: l <> w.__line), ', '), NULL FROM w WHERE len(w.same) > 1 "
        f"UNION ALL {head}, 'WP-LOAD-039', 'ERROR', 'key ' || w.rk || ' differs only in letter case from ' || "
        f"{other_keys} || ' on line ' || {others} || '; ids are case-sensitive, so they would be two records', "
        f"'keep one spelling of the id' FROM w WHERE len(w.same) < len(w.fam)",
        [file_label, file_label],
    )


def check_reference(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    file_label: str,
    seq: int,
    column: str,
    target: Table,
    target_column: str,
    *,
    as_of: dt.date | None,
    staged_target: str | None,
) -> None:
    """Issue rows for values of ``column`` found in no loaded row of ``target`` (for this as-of, if given).

    ``staged_target`` is the typed relation of the target's own file in this run (if any): a value found
    there but not loaded belongs to a rejected row, and the message says so."""
    x = Typed(table, "x")
    v = x.v(column)
    tq, tc = quote_ident(target.name), quote_ident(target_column)
    scope = "AND tt.as_of = CAST(? AS DATE)" if as_of is not None else ""
    params: list[object] = [file_label]
    hint = "''"
    if staged_target is not None:
        hint = (
            f"CASE WHEN EXISTS (SELECT 1 FROM {quote_ident(staged_target)} AS st WHERE st.{tc} = {v}) "
            f"THEN ' (that row of {target.name} was rejected; see its own issues)' ELSE '' END"
        )
    where_target = "in no loaded snapshot of" if as_of is None else "in"
    # The values missing from the target first, then the rows holding them. The file's rows probe the target's
    # keys (an anti join) and only the values left over are made distinct: at 10M loans, making the 3.3M
    # customers a file names distinct before looking them up cost twice the CPU.
    missing = (
        f"WITH m AS (SELECT DISTINCT {v} AS v FROM {_typed(table)} AS x "
        f"ANTI JOIN (SELECT tt.{tc} AS v FROM {tq} AS tt WHERE tt.{tc} IS NOT NULL {scope}) AS tt ON tt.v = {v} "
        f"WHERE {v} IS NOT NULL) "
    )
    con.execute(
        f"INSERT INTO {ISSUES} {missing}SELECT {seq:d}, {lit(table.name)}, ?, x.__line, {key_expr(table, x)}, "
        f"{lit(column)}, 'WP-LOAD-023', 'ERROR', {lit(column + ' ')} || {v} || "
        f"{lit(f' not found {where_target} {target.name}')} || {hint}, NULL FROM {_typed(table)} AS x "
        f"SEMI JOIN m ON m.v = {v}",
        ([as_of] if as_of is not None else []) + params,
    )


def close_rejections(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """Materialise the set of rejected lines of ``table`` (every line with an ERROR issue); return its size."""
    row = con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_rej(table)} AS SELECT DISTINCT line FROM {ISSUES} "
        "WHERE tbl = ? AND level = 'ERROR' AND line IS NOT NULL",
        [table.name],
    ).fetchone()
    return int(row[0]) if row else 0


def _cols(table: Table) -> str:
    return ", ".join(quote_ident(c.name) for c in table.columns)


def insert_snapshot(
    con: duckdb.DuckDBPyConnection, table: Table, as_of: dt.date, rejected: int | None = None,
    st: StagedTable | None = None, parts: PartStore | None = None,
) -> int:
    """Insert the valid rows of a snapshot table for ``as_of``; return how many. ``rejected`` (the size of the
    rejected-line set, from ``close_rejections``) 0 means a clean file: a plain scan of the staged rows, which
    DuckDB inserts in parallel and in file order, instead of an anti-join. ``st`` staged from Parquet: the rows
    come straight from the file (``stage.staged_source``), typed a second time, written once. A table kept as
    Parquet parts (``parts.PART_TABLES``) gets the rows as one new zstd Parquet file of ``as_of`` (``parts``)."""
    if st is not None and st.part is not None and parts is not None:
        projection = Projection.from_json(st.projection)
        adopted = projection is not None and not projection.dated  # a copy of the source (stage_parts)
        return parts.adopt(con, table.name, as_of, Path(st.part), st.rows, None if rejected == 0 else _rej(table),
                           projection, f"SELECT * FROM {quote_ident('_wp_a_' + st.key)}" if adopted else None)
    src, params = staged_source(st) if st is not None else (_typed(table), [])
    keep = "" if rejected == 0 else f" ANTI JOIN {_rej(table)} AS j ON x.__line = j.line"
    if parts is not None and table.name in PART_TABLES:
        present = st.present if st is not None else None  # the part holds only the columns the source has
        n = parts.write(con, table.name, as_of, f"SELECT {_cols(table)} FROM {src} AS x{keep}", params,
                        present=present)
    else:
        row = con.execute(
            f"INSERT INTO {quote_ident(table.name)} (as_of, {_cols(table)}) SELECT CAST(? AS DATE), "
            f"{_cols(table)} FROM {src} AS x{keep}",
            [as_of, *params],
        ).fetchone()
        n = int(row[0]) if row else 0
    _same_rows(st, rejected, n)
    return n


def _same_rows(st: StagedTable | None, rejected: int | None, inserted: int) -> None:
    """A file read again for its insert must give the rows it gave when checked (else nothing is loaded)."""
    if st is None or st.source is None or rejected is None or inserted == st.rows - rejected:
        return
    issue = make_issue(
        "WP-LOAD-003", f"{st.file_label} changed while it was being loaded ({st.rows - rejected} valid rows "
        f"checked, {inserted} read again); nothing was loaded", file=st.file_label,
        suggestion="load the folder again once the file is complete",
    )
    raise DataError(f"{st.file_label} changed while it was being loaded", (issue,))


def _valid_temp(con: duckdb.DuckDBPyConnection, table: Table, st: StagedTable | None) -> str:
    v = quote_ident(f"_wp_valid_{table.name}")
    src, params = staged_source(st) if st is not None else (_typed(table), [])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {v} AS SELECT x.__line, {key_expr(table, Typed(table, 'x'))} AS __key, "
        f"{_cols(table)} FROM {src} AS x ANTI JOIN {_rej(table)} AS j ON x.__line = j.line",
        params,
    )
    return v


def upsert_keyed(con: duckdb.DuckDBPyConnection, table: Table, st: StagedTable | None = None) -> int:
    """Replace rows of a keyed table (targets, peers) whose key is in the file; insert the rest."""
    v = _valid_temp(con, table, st)
    tq = quote_ident(table.name)
    match = " AND ".join(f"t.{quote_ident(k)} IS NOT DISTINCT FROM v.{quote_ident(k)}" for k in table.key)
    con.execute(f"DELETE FROM {tq} AS t WHERE EXISTS (SELECT 1 FROM {v} AS v WHERE {match})")
    row = con.execute(
        f"INSERT INTO {tq} ({_cols(table)}, loaded_at) SELECT {_cols(table)}, now()::TIMESTAMP FROM {v}"
    ).fetchone()
    con.execute(f"DROP TABLE {v}")
    return int(row[0]) if row else 0


def append_events(
    con: duckdb.DuckDBPyConnection, table: Table, file_label: str, seq: int, st: StagedTable | None = None
) -> int:
    """Append new events; an id seen before is a no-op when identical (INFO) and rejected when different."""
    v = _valid_temp(con, table, st)
    tq = quote_ident(table.name)
    # NOT DISTINCT: a key column may be blank (a watchlist entry by id_code has no account_no)
    match = " AND ".join(f"t.{quote_ident(k)} IS NOT DISTINCT FROM v.{quote_ident(k)}" for k in table.key)
    same = " AND ".join(f"t.{quote_ident(c.name)} IS NOT DISTINCT FROM v.{quote_ident(c.name)}" for c in table.columns)
    diff = ", ".join(
        f"CASE WHEN t.{quote_ident(c.name)} IS DISTINCT FROM v.{quote_ident(c.name)} THEN {lit(c.name)} END"
        for c in table.columns
    )
    head = f"INSERT INTO {ISSUES} SELECT {seq:d}, {lit(table.name)}, ?, v.__line, v.__key, NULL"
    con.execute(
        f"{head}, 'WP-LOAD-030', 'INFO', v.__key || ' was loaded before with identical content; skipped', NULL "
        f"FROM {v} AS v JOIN {tq} AS t ON {match} WHERE {same}",
        [file_label],
    )
    con.execute(
        f"{head}, 'WP-LOAD-029', 'ERROR', v.__key || ' was loaded before with different content (' || "
        f"concat_ws(', ', {diff}) || ' differ)', 'send a new id for a new event' "
        f"FROM {v} AS v JOIN {tq} AS t ON {match} WHERE NOT ({same})",
        [file_label],
    )
    row = con.execute(
        f"INSERT INTO {tq} ({_cols(table)}, loaded_at) SELECT {_cols(table)}, now()::TIMESTAMP FROM {v} AS v "
        f"WHERE NOT EXISTS (SELECT 1 FROM {tq} AS t WHERE {match})"
    ).fetchone()
    con.execute(f"DROP TABLE {v}")
    close_rejections(con, table)
    return int(row[0]) if row else 0


def skipped_events(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """Rows of ``table`` skipped in this session as identical re-sends of loaded events (WP-LOAD-030)."""
    row = con.execute(f"SELECT count(*) FROM {ISSUES} WHERE tbl = ? AND code = 'WP-LOAD-030'", [table.name]).fetchone()
    return int(row[0]) if row else 0


def quarantine_rejected(
    con: duckdb.DuckDBPyConnection,
    raw: RawInput,
    st: StagedTable,
    file_label: str,
    as_of: dt.date | None,
) -> int:
    """Copy every rejected row (raw text as JSON) with its issues into ``quarantine``; return how many."""
    table, read_rejects = raw.table, raw.rejects
    n = int(con.execute(f"SELECT count(*) FROM {_rej(table)}").fetchone()[0])  # type: ignore[index]
    if n:
        _quarantine_rows(con, raw, st, file_label, as_of)
    if read_rejects:
        data = pa.table(
            {
                "line": pa.array([r.line for r in read_rejects], type=pa.int64()),
                "row_json": [json.dumps({"_raw": r.text}, ensure_ascii=False) for r in read_rejects],
                "issues_json": [json.dumps([_issue_json(i) for i in r.issues], ensure_ascii=False) for r in read_rejects],
            }
        )
        con.register("_wp_read_rejects", data)
        con.execute(
            "INSERT INTO quarantine SELECT CAST(? AS DATE), ?, ?, line, NULL, row_json, issues_json, "
            "now()::TIMESTAMP FROM _wp_read_rejects",
            [as_of, table.name, file_label],
        )
        con.unregister("_wp_read_rejects")
    con.execute(f"DROP TABLE IF EXISTS {_rej(table)}")
    return n + len(read_rejects)


def _quarantine_rows(
    con: duckdb.DuckDBPyConnection, raw: RawInput, st: StagedTable, file_label: str, as_of: dt.date | None
) -> None:
    table = raw.table
    staged = f"_wp_q_{table.name}"
    raw_rows(con, raw, st, f"SELECT line FROM {_rej(table)}", staged)
    row_json = ", ".join(f"{quote_ident(c.name)} := r.{quote_ident(c.name)}" for c in table.columns)
    dedupe = (
        "" if as_of is not None else
        " WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.as_of IS NULL AND q.table_name = n.table_name "
        "AND q.row_json = n.row_json AND q.issues_json = n.issues_json)"
    )
    con.execute(
        f"INSERT INTO quarantine SELECT * FROM (SELECT CAST(? AS DATE) AS as_of, {lit(table.name)} AS table_name, "
        f"? AS file, r.__line AS line, {key_expr(table)} AS row_key, "
        f"CAST(to_json(struct_pack({row_json})) AS VARCHAR) AS row_json, i.issues AS issues_json, "
        f"now()::TIMESTAMP AS loaded_at FROM {quote_ident(staged)} AS r JOIN ("
        f"  SELECT line, CAST(to_json(list(struct_pack(code := code, level := level, \"column\" := col, "
        f"  message := message, suggestion := suggestion) ORDER BY code, col)) AS VARCHAR) AS issues "
        f"  FROM {ISSUES} WHERE tbl = ? AND line IN (SELECT line FROM {_rej(table)}) GROUP BY line) AS i "
        f"ON r.__line = i.line) AS n{dedupe}",
        [as_of, file_label, table.name],
    )
    con.execute(f"DROP TABLE {quote_ident(staged)}")


def _issue_json(issue: Issue) -> dict[str, object]:
    return {
        "code": issue.code,
        "level": str(issue.level),
        "column": issue.source.column,
        "message": issue.message,
        "suggestion": issue.suggestion,
    }


def issue_counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """(code, level) → count over every issue of the session (never truncated)."""
    rows = con.execute(f"SELECT code, level, count(*) FROM {ISSUES} GROUP BY ALL").fetchall()
    return {(r[0], r[1]): int(r[2]) for r in rows}


def fetch_issues(con: duckdb.DuckDBPyConnection, limit: int) -> list[Issue]:
    """The first ``limit`` issues of the session in table order, then line order."""
    rows = con.execute(
        f"SELECT file, line, row_key, col, code, level, message, suggestion FROM {ISSUES} "
        "ORDER BY seq, line NULLS FIRST, code, col LIMIT ?",
        [limit],
    ).fetchall()
    return [
        Issue(
            code=r[4],
            level=Level[r[5]],
            message=r[6],
            source=Source(file=r[0], line=r[1], key=r[2], column=r[3]),
            suggestion=r[7],
        )
        for r in rows
    ]
