"""The statements that type and row-check a whole staged file, generated from ``checks``.

``typed_table_sql`` types and flags every row in one pass (trim → type → flag, with the raw text kept only for
flagged rows); ``stage.py`` runs it once per file. ``direct_expr`` says which Parquet columns arrive already
typed and can skip the text route. For a Parquet file the check pass keeps only the columns the later checks
read, plus a bit mask per row of the columns whose typed value differs from the value as it came
(``inexact_masks``); ``insert_sql`` then types the file a second time, straight into the warehouse, taking every
column that was exact on every accepted row as it comes (no trimming, mapping or normalising to redo).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from wupian.contract import Column, ColumnType, Table
from wupian.engine.checks import (
    ID_CODES,
    Failure,
    Typed,
    is_id_column,
    lit,
    row_failures,
    text_expr,
    typed_expr,
)
from wupian.engine.warehouse import quote_ident

# Parquet column types taken as they are (no text round trip) for a contract base type; each gives exactly
# the value, and (cast back to text) the raw text, that the text route would.
_WHOLE = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


def direct_expr(col: Column, source_type: str, src: str) -> str | None:
    """The typed value of ``col`` from a source column of SQL type ``source_type``, or None when the
    column must go through its text (VARCHAR sources, or types whose text the checks must see)."""
    kind, st = col.type.base, source_type.upper()
    if (kind is ColumnType.DATE and st == "DATE") or (kind is ColumnType.DATETIME and st == "TIMESTAMP"):
        return f"CASE WHEN year({src}) BETWEEN 1 AND 9999 THEN {src} END"  # the text route's 4-digit years
    if kind is ColumnType.INT and st in _WHOLE:
        return f"CAST({src} AS BIGINT)"
    if kind is ColumnType.MONEY and st.startswith("DECIMAL(") and st.endswith(",2)"):
        return f"CAST({src} AS DECIMAL(38,2))"
    if kind is ColumnType.RATE and _fits_rate(st):
        return f"CAST({src} AS DECIMAL(18,6))"
    if kind is ColumnType.BOOL and st == "BOOLEAN":
        return src
    return None


def _fits_rate(source_type: str) -> bool:
    """DECIMAL(p,s) that DECIMAL(18,6) holds exactly (s ≤ 6, at most 12 integer digits): its text, the text
    route's input, is a plain decimal that parses to the same value."""
    m = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", source_type)
    return m is not None and int(m[2]) <= 6 and int(m[1]) - int(m[2]) <= 12


MASK_BITS = 62  # columns per BIGINT mask of ``inexact_masks``


def inexact_masks(columns: Sequence[str]) -> list[tuple[str, list[tuple[int, str]]]]:
    """(mask column name, [(bit, column)]) for the fast-path candidates ``columns``, 62 per BIGINT mask."""
    return [
        (f"__inexact{k // MASK_BITS:d}", [(1 << i, c) for i, c in enumerate(columns[k : k + MASK_BITS])])
        for k in range(0, len(columns), MASK_BITS)
    ]


def fast_candidates(table: Table, present: Collection[str], direct: Mapping[str, str]) -> list[str]:
    """Columns of ``table`` that the file has, as text, and that are stored as text: taken as they come when
    the typed value (trimmed, enum-mapped, normalised) equals the raw text on every accepted row."""
    return [c.name for c in table.columns if c.name in present and c.name not in direct and c.type.sql_type == "VARCHAR"]


def typed_table_sql(
    table: Table,
    source: str,
    *,
    line: bool = True,
    keep_raw: bool = False,
    direct: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
    exact: Sequence[str] = (),
    exact_as: Mapping[str, str] | None = None,
) -> str:
    """SELECT producing [``__line``], every typed column, ``__bad`` (any row-level ERROR) and ``__warn`` (any
    row-level WARNING, e.g. a normalised id) in one pass.

    ``source`` is a FROM item (our own SQL) giving every contract column as raw text, plus ``__line`` when
    ``line``. Nested projections so that each column is trimmed once and typed once; the checks then only
    compare already-computed values. With ``keep_raw`` a last column ``__raw`` holds the raw texts of the
    row (a list in contract column order) for ``__bad``/``__warn`` rows, NULL for the others, so no text copy of the
    file is needed.

    ``direct`` names source columns that arrive typed (column → its SQL type, see ``direct_expr``): their
    ``t_<i>`` is the source value itself (the row checks only test it for NULL) and their raw text is
    that value cast to VARCHAR, computed for ``__bad`` rows only.

    ``columns`` limits the typed columns returned (all are still typed and checked); ``exact`` (needs
    ``keep_raw``) adds the ``inexact_masks`` columns: a bit set where the typed value of that column differs
    from its raw value; for a column of ``exact_as`` (column → SQL type), where it differs from its raw value
    cast to that type, or the raw value has no such cast (``inexact_bit``: a source adopted as its part, whose
    view applies that cast, must give the typed value on every row).
    """
    names = table.column_names
    typed_from, ids, typed_level = _typed_level(table, source, line=line, keep_raw=keep_raw, direct=direct)
    ln = "__line, " if line else ""
    carry = "".join(f", x.r_{i}" for i in range(len(names))) if keep_raw else ""
    failures = row_failures(table, Typed(table, "x", with_text=True))

    def any_of(fs: list[Failure]) -> str:
        conds = " OR ".join(dict.fromkeys(f"coalesce({f.flag or f.condition}, false)" for f in fs)) or "false"
        id_conds = " OR ".join(f"coalesce({f.condition}, false)" for f in fs if f.code in ID_CODES)
        if not id_conds:
            return conds
        rest = " OR ".join(dict.fromkeys(f"coalesce({f.flag or f.condition}, false)" for f in fs
                                         if f.code not in ID_CODES)) or "false"
        return f"{rest} OR (NOT x.__plain AND ({id_conds}))"

    bad = any_of([f for f in failures if f.level == "ERROR"])
    warn = any_of([f for f in failures if f.level != "ERROR"])
    cols = ", ".join(f"x.{quote_ident(n)}" for n in names)
    masks = "".join(
        ", (" + " + ".join(
            inexact_bit(f"x.{quote_ident(c)}", f"x.r_{names.index(c)}", (exact_as or {}).get(c), bit)
            for bit, c in bits
        ) + f") AS {mask}"
        for mask, bits in inexact_masks(exact)
    )
    inner = (
        f"SELECT {'x.' + ln if line else ''}{cols}, ({bad}) AS __bad, ({warn}) AS __warn{carry}{masks} "
        f"FROM ({typed_level}) AS x"
    )
    if not keep_raw and columns is None:
        return inner
    # A LIST (not a STRUCT: measurably cheaper to build) of the raw texts, in contract column order.
    packed = ", ".join(f"CAST(z.r_{i} AS VARCHAR)" if n in typed_from else f"z.r_{i}" for i, n in enumerate(names))
    outs = ", ".join(f"z.{quote_ident(n)}" for n in (names if columns is None else columns))
    raw = f", CASE WHEN z.__bad OR z.__warn THEN [{packed}] END AS __raw" if keep_raw else ""
    mask_cols = "".join(f", z.{mask}" for mask, _ in inexact_masks(exact))
    return f"SELECT {'z.' + ln if line else ''}{outs}, z.__bad, z.__warn{raw}{mask_cols} FROM ({inner}) AS z"


def inexact_bit(typed: str, raw: str, cast_to: str | None, bit: int) -> str:
    """``bit`` where the typed value ``typed`` is not the raw value ``raw`` (cast to ``cast_to`` when given: and
    a raw value that has no such cast is inexact too, since a view reading it would fail), else 0."""
    if cast_to is None:
        return f"CASE WHEN {typed} IS DISTINCT FROM {raw} THEN {bit:d} ELSE 0 END"
    cast = f"TRY_CAST({raw} AS {cast_to})"
    return f"CASE WHEN {typed} IS DISTINCT FROM {cast} OR ({raw} IS NOT NULL AND {cast} IS NULL) THEN {bit:d} ELSE 0 END"


def _typed_level(
    table: Table, source: str, *, line: bool, keep_raw: bool, direct: Mapping[str, str] | None
) -> tuple[dict[str, str], list[int], str]:
    """(direct columns → their typed SQL, positions of the id columns behind ``__plain``, the SELECT giving
    [``__line``], every typed column, their trimmed texts ``t_<i>``, ``__plain`` and with ``keep_raw`` the raw
    values ``r_<i>``). Each column is trimmed once (inner level) and typed once (outer level)."""
    names = table.column_names
    direct = direct or {}
    typed_from = {
        c.name: e for c in table.columns if c.name in direct
        if (e := direct_expr(c, direct[c.name], f"y.t_{names.index(c.name)}")) is not None
    }
    ln = "__line, " if line else ""
    trims = ", ".join(
        f"r.{quote_ident(c.name)} AS t_{i}" if c.name in typed_from
        else f"{text_expr(c.name, 'r', spaces_only=is_id_column(c))} AS t_{i}"
        for i, c in enumerate(table.columns)
    )
    # One regular expression per row decides that all its ids are plain ASCII (no normalisation to do).
    ids = [i for i, c in enumerate(table.columns) if is_id_column(c) and c.name not in typed_from]
    if ids:
        together = ", ".join(f"r.{quote_ident(names[i])}" for i in ids)
        trims += f", regexp_full_match(concat({together}), {lit('[!-~]*')}) AS __plain"
    raws = "".join(f", r.{quote_ident(n)} AS r_{i}" for i, n in enumerate(names)) if keep_raw else ""
    carry = "".join(f", y.r_{i}" for i in range(len(names))) if keep_raw else ""
    typed = ", ".join(
        f"CASE WHEN y.__plain THEN y.t_{i} ELSE {typed_expr(c, text=f'y.t_{i}')} END AS {quote_ident(c.name)}"
        if i in ids else f"{typed_from.get(c.name) or typed_expr(c, text=f'y.t_{i}')} AS {quote_ident(c.name)}"
        for i, c in enumerate(table.columns)
    )
    texts = ", ".join(f"y.t_{i}" for i in range(len(names))) + (", y.__plain" if ids else "")
    return typed_from, ids, (
        f"SELECT {'y.' + ln if line else ''}{typed}, {texts}{carry} FROM ("
        f"SELECT {'r.' + ln if line else ''}{trims}{raws} FROM {source} AS r) AS y"
    )


def insert_sql(
    table: Table,
    source: str,
    *,
    direct: Mapping[str, str] | None = None,
    fast: Collection[str] = (),
    missing: Collection[str] = (),
) -> str:
    """SELECT ``__line`` and every typed column of ``source`` (as for ``typed_table_sql``, without the checks):
    the columns in ``fast`` taken as they come (the check pass found them exact on every accepted row), the
    columns ``missing`` from the file NULL, the others typed as the check pass typed them. Unused typing is
    pruned by DuckDB's optimiser, so a file whose text columns were all exact is read and stored without any
    per-value work but the direct casts."""
    _, _, typed_level = _typed_level(table, source, line=True, keep_raw=True, direct=direct)
    outs = ", ".join(
        f"x.r_{i} AS {quote_ident(c.name)}" if c.name in fast
        else f"CAST(NULL AS {c.type.sql_type}) AS {quote_ident(c.name)}" if c.name in missing
        else f"x.{quote_ident(c.name)}"
        for i, c in enumerate(table.columns)
    )
    return f"SELECT x.__line, {outs} FROM ({typed_level}) AS x"
