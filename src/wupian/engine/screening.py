"""Score screening requests set-based: the rulebook's rules compiled to one SQL statement over ``_scr_f``.

Per rule: points when every condition holds (history rules are off for allow-listed or exempted customers);
per typology: the sum of its rules' points, weight-only rules (age) counting only when others already scored;
score = the highest typology score; band = ``block`` when a block rule fired, else by the cut-offs. The
rulebook is validated data (feature names from the closed ``FEATURES`` registry, numbers parsed as Decimal,
enum values from the rulebook), so its constants are rendered as SQL literals; request data stays in tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pyarrow as pa

from wupian.engine.checks import lit
from wupian.engine.screening_features import (
    FEATURES,
    INPUT_SCHEMAS,
    OBS_PREFIX,
    FeatureParams,
    features_sql,
    keywords_table,
)
from wupian.engine.warehouse import Warehouse, quote_ident

OPS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


@dataclass(frozen=True, slots=True)
class Condition:
    feature: str
    op: str  # eq ne lt le gt ge in
    value: object  # Decimal | bool | str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    op: str
    value: Decimal
    points: int


@dataclass(frozen=True, slots=True)
class ScoringRule:
    id: str
    kind: str  # history | observation | request | list
    feature: str
    conditions: tuple[Condition, ...]
    points: int
    steps: tuple[Step, ...]
    typologies: tuple[str, ...]
    weight_only: bool = False
    block: bool = False


@dataclass(frozen=True, slots=True)
class ScoringModel:
    rules: tuple[ScoringRule, ...]
    typologies: tuple[str, ...]
    medium: int
    high: int
    params: FeatureParams


def _feature_sql(name: str) -> str:
    if name.startswith(OBS_PREFIX):
        return f"list_contains(f.observations, {lit(name[len(OBS_PREFIX):])})"
    if name not in FEATURES:
        raise KeyError(name)
    return f"f.{quote_ident(name)}"


def _value_sql(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return lit(str(value))


def condition_sql(c: Condition) -> str:
    col = _feature_sql(c.feature)
    if c.op == "in":
        assert isinstance(c.value, tuple)
        return f"{col} IN ({', '.join(_value_sql(v) for v in c.value)})"
    return f"{col} {OPS[c.op]} {_value_sql(c.value)}"


def rule_points_sql(r: ScoringRule) -> str:
    conds = [f"coalesce({condition_sql(c)}, false)" for c in r.conditions]
    if r.kind == "history":
        conds.insert(0, "NOT (f.allow_listed OR f.exempted)")
    guard = " AND ".join(conds) or "true"
    if r.steps:
        col = _feature_sql(r.feature)
        whens = " ".join(f"WHEN {col} {OPS[s.op]} {format(s.value, 'f')} THEN {s.points:d}" for s in r.steps)
        pts = f"CASE {whens} ELSE 0 END"
    else:
        pts = f"{r.points:d}"
    return f"CASE WHEN {guard} THEN {pts} ELSE 0 END"


def score_sql(model: ScoringModel) -> str:
    """CTEs after ``_scr_f`` and the final SELECT: features plus rule points, typology scores, score, band,
    reason codes."""
    rule_cols = [f"{rule_points_sql(r)} AS {quote_ident('p_' + r.id)}" for r in model.rules]
    typ_cols = []
    for t in model.typologies:
        base = [quote_ident("p_" + r.id) for r in model.rules if t in r.typologies and not r.weight_only]
        weight = [quote_ident("p_" + r.id) for r in model.rules if t in r.typologies and r.weight_only]
        base_sum = " + ".join(base) or "0"
        w = f" + CASE WHEN ({base_sum}) > 0 THEN {' + '.join(weight)} ELSE 0 END" if weight else ""
        typ_cols.append(f"greatest(({base_sum}){w}, 0) AS {quote_ident('t_' + t)}")
    t_names = [quote_ident("t_" + t) for t in model.typologies]
    greatest = f"greatest({', '.join(t_names)})" if len(t_names) > 1 else t_names[0]
    blocks = [quote_ident("p_" + r.id) for r in model.rules if r.block]
    block = " OR ".join(f"{b} > 0" for b in blocks) or "false"
    typ_pick = "CASE " + " ".join(
        f"WHEN {quote_ident('t_' + t)} = s.score THEN {lit(t)}" for t in model.typologies
    ) + " END"
    codes = ", ".join(f"CASE WHEN {quote_ident('p_' + r.id)} <> 0 THEN {lit(r.id)} END" for r in model.rules)
    return (
        f"_p AS (SELECT f.*, {', '.join(rule_cols)} FROM _scr_f AS f), "
        f"_t AS (SELECT p.*, {', '.join(typ_cols)} FROM _p AS p), "
        f"_s AS (SELECT t.*, {greatest} AS score, {block} AS blocked FROM _t AS t) "
        f"SELECT s.*, CASE WHEN s.blocked THEN 'block' WHEN s.score >= {model.high:d} THEN 'high' "
        f"WHEN s.score >= {model.medium:d} THEN 'medium' ELSE 'low' END AS band, "
        f"CASE WHEN s.score > 0 THEN {typ_pick} END AS typology, "
        f"list_filter([{codes}], x -> x IS NOT NULL) AS reason_codes FROM _s AS s"
    )


REQUEST_COLUMNS = (
    "request_id", "requested_at", "branch_id", "customer_id", "account_id", "request_type", "amount", "channel",
    "teller_id", "payee_name", "payee_account", "payee_bank", "payee_type", "stated_purpose",
    "appointment_purpose", "accompanied_by", "outcome",
)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[object, ...]], width: int) -> None:
    """Bound parameters into a reusable temp input table (no Arrow registration: a registered view changes the
    catalog, and every catalog change makes DuckDB re-plan the prepared statement)."""
    if rows:
        con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in range(width))})", rows)


def score_given(
    wh: Warehouse, model: ScoringModel, requests: pa.Table, observations: pa.Table,
    exemptions: list[tuple[str, object, object]],
) -> pa.Table:
    """Score requests given as Arrow (a live request not in the warehouse); observations: request_id, code, note.
    Only the exemptions of these requests' customers are passed on."""
    con = wh.con
    reqs = [tuple(r[c] for c in REQUEST_COLUMNS) for r in requests.select(list(REQUEST_COLUMNS)).to_pylist()]
    obs = [(r["request_id"], r["code"], r["note"]) for r in observations.to_pylist()]
    customers = {r[REQUEST_COLUMNS.index("customer_id")] for r in reqs}
    mine = [e for e in exemptions if e[0] in customers]

    def fill() -> None:
        _insert(con, "_scr_req", reqs, len(REQUEST_COLUMNS))
        _insert(con, "_scr_obs", obs, 3)

    return _score(con, model, fill, mine, single=len(reqs) == 1)


def score_loaded(
    wh: Warehouse, model: ScoringModel, *, date_from: object = None, date_to: object = None,
    request_id: str | None = None, exemptions: list[tuple[str, object, object]] | None = None,
) -> pa.Table:
    """Score the loaded ``screening_requests`` (optionally a date range or one id) with their observations."""
    con = wh.con
    cols = ", ".join(quote_ident(c) for c in REQUEST_COLUMNS)
    where = ("(CAST(? AS DATE) IS NULL OR CAST(requested_at AS DATE) >= CAST(? AS DATE)) AND "
             "(CAST(? AS DATE) IS NULL OR CAST(requested_at AS DATE) <= CAST(? AS DATE)) AND "
             "(CAST(? AS VARCHAR) IS NULL OR request_id = CAST(? AS VARCHAR))")
    params = [date_from, date_from, date_to, date_to, request_id, request_id]
    if getattr(wh, "engine", "duckdb") != "duckdb":
        return _score_plain(wh, model, f"SELECT {_typed_request_columns()} FROM screening_requests WHERE {where}",
                            params, exemptions or [])

    def fill() -> None:
        con.execute(f"INSERT INTO _scr_req SELECT {cols} FROM screening_requests WHERE {where}", params)
        con.execute("INSERT INTO _scr_obs SELECT o.request_id, o.code, o.note FROM teller_observations AS o "
                    "WHERE o.request_id IN (SELECT request_id FROM _scr_req)")

    return _score(con, model, fill, exemptions or [], single=request_id is not None)


def _arrow(result: duckdb.DuckDBPyConnection) -> pa.Table:
    return result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.fetch_arrow_table()


# Per connection: the name of the prepared scoring statement (and the model it was prepared for). The inputs
# are TEMP tables (the warehouse may be read-only) filled with bound parameters; as long as the catalog does not
# change, DuckDB re-uses the plan (planning costs ≈ 35 ms, more than running it for one live request).
_PREPARED: dict[int, tuple[duckdb.DuckDBPyConnection, ScoringModel, str]] = {}


def _prepare(con: duckdb.DuckDBPyConnection, model: ScoringModel) -> str:
    cached = _PREPARED.get(id(con))
    if cached is not None and cached[0] is con and cached[1] is model:
        return cached[2]
    for name, schema in INPUT_SCHEMAS.items():
        cols = ", ".join(f"{quote_ident(f.name)} {_sql_type(f.type)}" for f in schema)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({cols})")
    cols = ", ".join(f"{quote_ident(c)} {_REQ_TYPES.get(c, 'VARCHAR')}" for c in REQUEST_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _scr_req ({cols})")
    con.execute("CREATE OR REPLACE TEMP TABLE _scr_kw (category VARCHAR, keyword VARCHAR, personal BOOLEAN, "
                "ord INTEGER)")
    _insert(con, "_scr_kw", [tuple(r.values()) for r in keywords_table(model.params).to_pylist()], 4)
    if len(_PREPARED) >= 32:  # connections come and go (web requests); forget them rather than grow
        _PREPARED.clear()
    name = f"_scr_stmt_{id(model) % 10**8}"
    with _plan_settings(con, single=False):
        con.execute(f"PREPARE {name} AS {features_sql(model.params)}, {score_sql(model)} "
                    "ORDER BY requested_at, request_id")
    _PREPARED[id(con)] = (con, model, name)
    return name


# DuckDB optimizers whose output depends on the data present when planning (min/max statistics and emptiness).
_DATA_DEPENDENT = ("statistics_propagation", "empty_result_pullup", "compressed_materialization")
_REQ_TYPES = {"requested_at": "TIMESTAMP", "amount": "DECIMAL(38,2)"}


def _sql_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_date(t):
        return "DATE"
    return "VARCHAR"


@contextmanager
def _plan_settings(con: duckdb.DuckDBPyConnection, *, single: bool) -> Iterator[None]:
    """Settings while the scoring statement is planned or run.

    The prepared plan is re-used with other inputs, and DuckDB re-plans it (with the settings in force) whenever
    the catalog changed in between, so every plan must ignore the data present when it was made: the optimizers
    that read the inputs' statistics are off. One live request runs on one thread (tiny pipelines lose more to
    scheduling than they gain)."""
    row = con.execute("SELECT current_setting('disabled_optimizers'), current_setting('threads')").fetchone()
    assert row is not None
    disabled, threads = str(row[0]), int(row[1])
    con.execute(f"SET disabled_optimizers = {lit(','.join(filter(None, [disabled, *_DATA_DEPENDENT])))}")
    if single:
        con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET disabled_optimizers = {lit(disabled)}")
        if single:
            con.execute(f"SET threads = {threads:d}")


def _score(con: duckdb.DuckDBPyConnection, model: ScoringModel, fill: Callable[[], None],
           exemptions: list[tuple[str, object, object]], *, single: bool) -> pa.Table:
    name = _prepare(con, model)
    try:
        fill()
        _insert(con, "_scr_exempt", [tuple(e) for e in exemptions], 3)
        with _plan_settings(con, single=single):
            return _arrow(con.execute(f"EXECUTE {name}"))
    finally:
        for table in ("_scr_req", "_scr_obs", "_scr_exempt"):
            con.execute(f"DELETE FROM {table}")


def _typed_request_columns() -> str:
    """The request columns with the types of the teller path's ``_scr_req`` (text unless listed)."""
    return ", ".join(f"CAST({quote_ident(c)} AS {_REQ_TYPES.get(c, 'VARCHAR')}) AS {quote_ident(c)}"
                     for c in REQUEST_COLUMNS)


def _score_plain(wh: Warehouse, model: ScoringModel, requests_sql: str, params: list[object],
                 exemptions: list[tuple[str, object, object]]) -> pa.Table:
    """The batch on an engine without prepared statements (Spark): the same feature and scoring SQL over input
    relations made by plain statements (temp tables of the loaded requests and their observations, the exemptions
    and the purpose vocabulary as registered Arrow tables), run once and dropped."""
    exempt = pa.Table.from_pylist([dict(zip(("customer_id", "exempt_from", "exempt_to"), e, strict=True))
                                   for e in exemptions], schema=INPUT_SCHEMAS["_scr_exempt"])
    wh.execute(f"CREATE OR REPLACE TEMP TABLE _scr_req AS {requests_sql}", params)
    try:
        wh.execute("CREATE OR REPLACE TEMP TABLE _scr_obs AS SELECT o.request_id, o.code, o.note "
                   "FROM teller_observations AS o WHERE o.request_id IN (SELECT request_id FROM _scr_req)")
        wh.register("_scr_exempt", exempt)
        wh.register("_scr_kw", keywords_table(model.params))
        return wh.arrow(f"{features_sql(model.params)}, {score_sql(model)} ORDER BY requested_at, request_id")
    finally:
        for name in ("_scr_exempt", "_scr_kw"):
            wh.unregister(name)
        for name in ("_scr_req", "_scr_obs"):
            wh.execute(f"DROP TABLE IF EXISTS {name}")


def observation_notes(wh: Warehouse, request_ids: list[str]) -> dict[str, dict[str, str]]:
    """{request_id: {code: note}} of the loaded teller observations."""
    con = wh.con
    out: dict[str, dict[str, str]] = {}
    rows = con.execute("SELECT request_id, code, coalesce(note, '') FROM teller_observations "
                       "WHERE list_contains(CAST(? AS VARCHAR[]), request_id)", [request_ids]).fetchall()
    for rid, code, note in rows:
        out.setdefault(rid, {})[code] = note
    return out
