"""Lineage of every derived table: what each stored result was computed from, and invalidation on load.

Derived tables (``DERIVED``) hold results computed from loaded snapshots: ``loan_tags`` and ``customer_facts``
(classification, per as-of date and profile) and ``indicator_values`` (the stored indicators). Next to them the
table ``lineage`` has one row per stored result, written in the same transaction as the result's rows::

    lineage(kind, as_of, profile, inputs, versions, params, computed_at)

* ``inputs`` — the load id of every snapshot the result read, ``2025-12-31=<load id>,2026-03-31=<load id>``.
  A result of date D reads the snapshots of every loaded date up to D (the first-loan history reads all earlier
  loans; 较年初 and 同比 read 上年末 and 上年同期); ``indicator_values`` also read the keyed tables (targets,
  peers), so the loads that carried keyed rows are inputs too. Every load gets a new load id (``snapshots.load_id``).
* ``versions`` — the rulebook version (content hash), the reference-data fingerprint, the indicator definitions'
  fingerprint and the wupian version, as the computing layer states them.
* ``params`` — the options it was computed with (the size basis); readers ask for the official ones.

A result is *fresh* when its lineage row exists and both ``inputs`` and ``versions`` equal what they would be now.
That is a look-up in two small tables (``snapshots``, ``lineage``), never a scan of the data. Loading date D
deletes, inside the load's transaction, every derived row (and lineage row) of dates ≥ D — exactly the results
whose inputs include D — and, when the load carried targets or peers, every stored indicator value.

Dates that were never loaded through ``load`` (no ``snapshots`` row, e.g. a hand-built test warehouse) have no
lineage: their derived rows are served as they are.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

import wupian
from wupian.engine import parts
from wupian.engine.warehouse import LINEAGE_DDL, Warehouse, quote_ident
from wupian.reference.fingerprint import reference_fingerprint

DERIVED = ("loan_tags", "customer_facts", "indicator_values")
KEYED_TABLES = ("targets", "peers")
NO_PROFILE = ""

_KEYED_SQL = " OR ".join(
    f"COALESCE(TRY_CAST(json_extract_string(row_counts_json, '$.{t}') AS BIGINT), 0) > 0" for t in KEYED_TABLES
)


def new_load_id() -> str:
    """A fresh id for one load of one date (re-loading the same date gives a new id)."""
    return uuid.uuid4().hex


def versions(*parts: str) -> str:
    """The versions string of a result: the given parts, the reference-data fingerprint and the wupian version."""
    return ";".join([*parts, f"ref={reference_fingerprint()}", f"wupian={wupian.__version__}"])


def tag_versions(rulebook_version: str) -> str:
    """The versions string of a classification (``loan_tags``) made with the rulebook ``rulebook_version``."""
    return versions(f"rules={rulebook_version}")


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _loads(con: duckdb.DuckDBPyConnection) -> list[tuple[date, str, bool]]:
    """(as_of, load key, carried keyed rows) of every loaded date, ascending — the whole ``snapshots`` table."""
    if not _table_exists(con, "snapshots"):
        return []
    columns = {d[0] for d in con.execute("SELECT * FROM snapshots LIMIT 0").description}  # no catalog scan
    load_id = "load_id" if "load_id" in columns else "NULL"  # a read-only warehouse from before load ids
    return [(r[0], r[1], bool(r[2])) for r in con.execute(
        f"""SELECT as_of, COALESCE({load_id}, 'at:' || CAST(loaded_at AS VARCHAR)), COALESCE({_KEYED_SQL}, FALSE)
            FROM snapshots ORDER BY as_of"""
    ).fetchall()]


def _inputs(loads: list[tuple[date, str, bool]], as_of: date, keyed: bool) -> str:
    return ",".join(f"{d.isoformat()}={key}" for d, key, has_keyed in loads if d <= as_of or (keyed and has_keyed))


def inputs_of(con: duckdb.DuckDBPyConnection, as_of: date, *, keyed: bool = False) -> str:
    """The ``inputs`` a result of ``as_of`` computed now reads (snapshots up to ``as_of``; keyed loads too)."""
    return _inputs(_loads(con), as_of, keyed)


def record(con: duckdb.DuckDBPyConnection, kind: str, as_of: date, profile: str, *, versions: str,
           params: dict[str, Any] | None = None, keyed: bool = False) -> None:
    """Record what the just-stored result ``kind`` of (as_of, profile) was computed from. Call it inside the
    transaction that writes the result's rows."""
    if kind not in DERIVED:
        raise ValueError(f"unknown derived table {kind!r}")
    con.execute(LINEAGE_DDL)
    con.execute(
        "INSERT OR REPLACE INTO lineage VALUES (?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)",
        [kind, as_of, profile, inputs_of(con, as_of, keyed=keyed), versions,
         json.dumps(params or {}, sort_keys=True)],
    )


def stale_dates(wh: Warehouse, kind: str, dates: Iterable[date], profile: str, versions: str | None,
                *, keyed: bool = False, params: dict[str, Any] | None = None) -> list[date]:
    """The loaded dates among ``dates`` whose stored ``kind`` result of ``profile`` is missing or stale
    (``versions`` None: compare the inputs only — for a layer that does not know the rulebook; ``params``:
    also require these recorded options)."""
    loads = _loads(wh.con)
    loaded = {d for d, _, _ in loads}
    wanted = sorted({d for d in dates if d in loaded})
    if not wanted:
        return []
    stored: dict[date, tuple[str, str]] = {}
    if _table_exists(wh.con, "lineage"):
        stored = {r[0]: (r[1], r[2], r[3]) for r in wh.con.execute(
            "SELECT as_of, inputs, versions, params FROM lineage WHERE kind = ? AND profile = ? "
            "AND list_contains(?, as_of)",
            [kind, profile, wanted],
        ).fetchall()}
    out = []
    for d in wanted:
        got = stored.get(d)
        if (got is None or got[0] != _inputs(loads, d, keyed) or (versions is not None and got[1] != versions)
                or (params is not None and any(json.loads(got[2] or "{}").get(k) != v for k, v in params.items()))):
            out.append(d)
    return out


def stamps(wh: Warehouse, kind: str, dates: Iterable[date], profile: str) -> str:
    """Which computation of ``kind`` each of ``dates`` holds now: ``date@computed_at`` of their lineage rows. A
    result that read those rows records this, so any re-computation of them (even from the same inputs, e.g.
    with another size basis) makes it stale."""
    if not _table_exists(wh.con, "lineage"):
        return ""
    rows = wh.con.execute(
        "SELECT as_of, computed_at FROM lineage WHERE kind = ? AND profile = ? AND list_contains(?, as_of) "
        "ORDER BY as_of", [kind, profile, sorted(set(dates))]).fetchall()
    return ",".join(f"{d.isoformat()}@{at.isoformat()}" for d, at in rows)


def is_loaded(wh: Warehouse, as_of: date) -> bool:
    return any(d == as_of for d, _, _ in _loads(wh.con))


def invalidate_from(con: duckdb.DuckDBPyConnection, as_of: date, *, keyed: bool = False,
                    parts_root: Path | None = None) -> None:
    """Delete every derived row whose inputs include the snapshot of ``as_of`` (all dates ≥ ``as_of``; every
    stored indicator value when ``keyed``), with its lineage. Call it inside the load's transaction.
    ``parts_root``: a DuckDB warehouse's own parts folder (where its views read the derived parts from)."""
    if _table_exists(con, parts.MANIFEST):  # DuckDB: the derived tables kept as Parquet parts
        parts.clear_from(con, as_of, parts_root)
    for name in DERIVED:
        if not _table_exists(con, name):  # a view over parts (done above), or not created yet
            continue
        if keyed and name == "indicator_values":
            con.execute(f"DELETE FROM {quote_ident(name)}")
        else:
            con.execute(f"DELETE FROM {quote_ident(name)} WHERE as_of >= ?", [as_of])
    if _table_exists(con, "lineage"):
        con.execute("DELETE FROM lineage WHERE as_of >= ? OR (? AND kind = 'indicator_values')", [as_of, keyed])


def recorded_params(wh: Warehouse, kind: str, as_of: date, profile: str) -> dict[str, Any]:
    """The options (``params``) the stored ``kind`` result of (as_of, profile) was computed with ({} if none)."""
    if not _table_exists(wh.con, "lineage"):
        return {}
    row = wh.con.execute("SELECT params FROM lineage WHERE kind = ? AND as_of = ? AND profile = ?",
                         [kind, as_of, profile]).fetchone()
    return dict(json.loads(row[0] or "{}")) if row else {}


def lineage_rows(wh: Warehouse) -> list[dict[str, Any]]:
    """Every lineage row (kind, as_of, profile, inputs, versions, params, computed_at), for inspection."""
    if not _table_exists(wh.con, "lineage"):
        return []
    return wh.rows("SELECT * FROM lineage ORDER BY as_of, kind, profile")
