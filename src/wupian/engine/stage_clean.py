"""The cheap first pass of an adoption proof: which rows of a Parquet source are *plainly clean*.

Adopting a source as its part (``stage_parts``) needs a proof that every row passes every row-level check and
that every column's contract value is an exact cast of the file's value. The full proof (``typed_sql``) trims,
types and checks every value the way a dirty file must be read: id normalisation, alias mapping, grouped
amounts, date spellings … For a clean file almost all of that work confirms what one glance at the value
shows. ``clean_row_sql`` is that glance: a boolean per row that is true only when, column by column, the raw
value is in a form whose typing is the identity (or the view's cast) — an id of printable ASCII, an enum's
canonical spelling, a plain decimal, date or 1/0 word, text without blanks at its edges — and the row-level
checks that remain (required, pattern, range, date order, one of) pass on those values.

It is a *sufficient* condition, never a necessary one: a row it calls clean is one the full proof would find
unflagged and exact (``tests/property/test_clean_rows_props.py`` checks that implication on generated rows),
and every other row still goes through the full proof. So the adoption decision, the part and every issue
are the ones the full proof alone would give; a clean file costs one scan with cheap tests instead of the
full typing pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from wupian.contract import Column, ColumnType, Table
from wupian.engine.checks import (
    FALSE_WORDS,
    NUMBER_RE,
    PLAIN_DATE_RE,
    PLAIN_DATETIME_RE,
    PLAIN_ID_RE,
    TRUE_WORDS,
    is_id_column,
    lit,
    row_failures,
)
from wupian.engine.typed_sql import direct_expr
from wupian.engine.warehouse import quote_ident

# The failures a plainly clean value cannot raise: its text types (014–020), is no misgrouped amount (036) and
# is an id needing no normalisation (037, 038). Every other row-level failure is still tested on clean rows.
IMPLIED_BY_CLEAN = frozenset(
    {f"WP-LOAD-{n:03d}" for n in (14, 15, 16, 17, 18, 19, 20, 36, 37, 38)}
)
# Plain amounts and whole numbers: their typing (``checks.typed_expr``) gives exactly the view's cast.
PLAIN_MONEY_RE = r"-?\d{1,16}(\.\d{1,2})?"
PLAIN_INT_RE = r"[+-]?\d{1,18}"


def bool_words() -> tuple[str, ...]:
    """The 1/0 words a BOOLEAN cast reads as the typing does: the ASCII ones, in lower and upper case (DuckDB's
    VARCHAR → BOOLEAN cast agrees on each: ``tests/property/test_clean_rows_props.py``)."""
    words = [w for w in (*TRUE_WORDS, *FALSE_WORDS) if w.isascii()]
    return tuple(dict.fromkeys([*words, *(w.upper() for w in words)]))


def canonical_spellings(col: Column) -> tuple[str, ...]:
    """An enum's canonical values as written, each of which the typing maps to itself by its exact-match arm
    (``checks._exact_first``: an ASCII spelling in lower or upper case, or a text without letter case)."""
    spellings = col.enum_map()
    out = []
    for value in dict.fromkeys(e.value for e in col.enum):
        key = value.casefold()
        if value and value.strip() == value and spellings.get(key) == value and (
            (key.isascii() and key == key.lower() and value in (key, key.upper())) or key == key.lower() == key.upper()
        ):
            out.append(value)
    return tuple(out)


def _one_of(r: str, words: tuple[str, ...]) -> str:
    """True when ``r`` is one of ``words`` (a simple CASE: DuckDB plans constant ``IN`` lists as joins)."""
    if not words:
        return "false"
    return f"CASE {r} " + " ".join(f"WHEN {lit(w)} THEN true" for w in words) + " ELSE false END"


def _plain_text(r: str) -> str:
    """``r`` is its own trimmed text (no blank at either edge, not empty)."""
    return f"({r} <> '' AND (({r} NOT LIKE ' %' AND {r} NOT LIKE '% ' AND strlen({r}) = length({r})) OR trim({r}) = {r}))"


def target(col: Column, r: str, exact_as: Mapping[str, str], direct: Mapping[str, str]) -> str:
    """The value the adopted view gives for raw ``r``: ``r`` itself, or its cast (money text through
    DECIMAL(18,2), exact for the plain amounts this module accepts, and far cheaper to parse)."""
    cast_to = exact_as.get(col.name)
    if cast_to is None:
        return r
    if cast_to == "DECIMAL(38,2)" and col.type.base is ColumnType.MONEY and col.name not in direct:
        return f"CAST(TRY_CAST({r} AS DECIMAL(18,2)) AS DECIMAL(38,2))"
    return f"TRY_CAST({r} AS {cast_to})"


def _clean_value(col: Column, r: str, direct: Mapping[str, str], exact_as: Mapping[str, str]) -> str | None:
    """SQL true when raw ``r`` of ``col`` is plainly clean (see the module docstring); None: never (the
    column's rows all go through the full proof)."""
    v = target(col, r, exact_as, direct)
    if col.name in direct:
        typed = direct_expr(col, direct[col.name], r)
        if typed is None:
            return None
        sql_type = col.type.sql_type
        if typed == f"CAST({r} AS {sql_type})" and v in (r, f"TRY_CAST({r} AS {sql_type})"):
            return "true"  # a widening cast of a typed value (``direct_expr``): its own exact cast
        return f"({typed} IS NOT DISTINCT FROM {v})"
    kind = col.type.base
    if is_id_column(col):
        return None  # ids: one test for all of them (``clean_tests``)
    if kind is ColumnType.STR:
        if col.name in exact_as:
            return None
        if col.enum:
            return f"({r} IS NULL OR {_one_of(r, canonical_spellings(col))})"
        return f"({r} IS NULL OR {_plain_text(r)})"
    if exact_as.get(col.name) != col.type.sql_type:
        return None  # typed into something else than the contract's type: not a plain case
    gate = {
        ColumnType.MONEY: PLAIN_MONEY_RE,
        ColumnType.RATE: NUMBER_RE,
        ColumnType.INT: PLAIN_INT_RE,
        ColumnType.DATE: PLAIN_DATE_RE,
        ColumnType.DATETIME: PLAIN_DATETIME_RE,
    }.get(kind)
    if kind is ColumnType.BOOL:
        return f"({r} IS NULL OR {_one_of(r, bool_words())})"
    if gate is None:
        return None
    return f"({r} IS NULL OR (regexp_full_match({r}, {lit(gate)}) AND {v} IS NOT NULL))"


class _CleanCols:
    """``checks.Cols`` over the raw source of plainly clean rows: the text is the raw value, the typed value
    the view's (``target``)."""

    def __init__(self, table: Table, alias: str, present: set[str], exact_as: Mapping[str, str],
                 direct: Mapping[str, str]) -> None:
        self.table, self.alias, self.present, self.exact_as, self.direct = table, alias, present, exact_as, direct

    def t(self, name: str) -> str:
        return f"{self.alias}.{quote_ident(name)}"

    def v(self, name: str) -> str:
        col = self.table.column(name)
        if name not in self.present:
            return f"CAST(NULL AS {col.type.sql_type})"
        return target(col, self.t(name), self.exact_as, self.direct)


@dataclass(frozen=True, slots=True)
class CleanTests:
    """The tests of ``clean_row_sql`` split by what they read: ``rows``, tests (true: clean) over several columns
    or over columns of many values (ids, free text); ``columns``, (column, bad condition) pairs that read one
    column only — a typed column of the file (the condition can be answered from its Parquet statistics) or one
    of few values (an enum, a 1/0 word: the condition is asked of each distinct value)."""

    rows: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    direct: frozenset[str]

    def row_sql(self) -> str:
        """The per-row tests alone: clean rows when every ``columns`` condition holds for no row."""
        return "(" + " AND ".join(f"coalesce({t}, false)" for t in self.rows) + ")" if self.rows else "true"

    def full_sql(self) -> str:
        """Every test, per row."""
        tests = [f"coalesce({t}, false)" for t in self.rows]
        tests += [f"NOT coalesce({bad}, false)" for _, bad in self.columns]
        return "(" + " AND ".join(tests) + ")" if tests else "true"

    @property
    def branches(self) -> int:
        """How many times ``column_sql`` reads its source (once per column with a condition)."""
        return len({c for c, _ in self.columns})

    def column_sql(self, source: str, alias: str) -> str:
        """One statement: per column of ``columns``, how many rows (typed columns: a filter the Parquet scan
        prunes by its statistics) or distinct values (the others: the conditions inside the aggregate, so that
        they are not pushed below the DISTINCT onto every row) meet one of its conditions."""
        by_col: dict[str, list[str]] = {}
        for col, bad in self.columns:
            by_col.setdefault(col, []).append(bad)
        parts = [
            f"SELECT count(*) AS n FROM {source} AS {alias} WHERE {' OR '.join(bads)}" if col in self.direct else
            "SELECT count(*) FILTER (WHERE " + " OR ".join(f"coalesce({b}, false)" for b in bads) + ") AS n "
            f"FROM (SELECT DISTINCT {alias}.{quote_ident(col)} FROM {source} AS {alias}) AS {alias}"
            for col, bads in by_col.items()
        ]
        return "SELECT coalesce(max(n), 0) FROM (" + " UNION ALL ".join(parts) + ") AS q" if parts else "SELECT 0"


_REF = re.compile(r'\b([a-z_]+)\."([a-z_0-9]+)"')


def _single(alias: str, condition: str) -> str | None:
    """The column a condition over ``alias`` reads, when it reads exactly one."""
    cols = {c for a, c in _REF.findall(condition) if a == alias}
    return next(iter(cols)) if len(cols) == 1 else None


def clean_tests(
    table: Table, alias: str, present: set[str], direct: Mapping[str, str], exact_as: Mapping[str, str]
) -> CleanTests | None:
    """The tests of a plainly clean row of ``alias`` (the raw source of ``stage._source``: every contract column,
    as text, or typed for the ``direct`` ones); None when no row can be (a column with no plain form).
    ``exact_as`` are the casts the adopted view applies (column → SQL type), ``present`` the contract columns
    the file has (the others are NULL)."""
    by_value = {c.name for c in table.columns if c.name in present and c.name not in direct
                and (c.enum or c.type.base is ColumnType.BOOL)}
    column_wise = set(direct) | by_value
    rows: list[str] = []
    columns: list[tuple[str, str]] = []
    ids = [c for c in table.columns if c.name in present and c.name not in direct and is_id_column(c)]
    if ids:
        refs = [f"{alias}.{quote_ident(c.name)}" for c in ids]
        rows.append(f"regexp_full_match(concat({', '.join(refs)}), {lit(PLAIN_ID_RE[:-1] + '*')})")
        rows.extend(f"({r} <> '' OR {r} IS NULL)" for r in refs)
    for col in table.columns:
        if col.name not in present or col in ids:
            continue
        test = _clean_value(col, f"{alias}.{quote_ident(col.name)}", direct, exact_as)
        if test is None:
            return None
        if test == "true":
            continue
        if col.name in column_wise:
            columns.append((col.name, f"NOT coalesce({test}, false)"))
        else:
            rows.append(test)
    cols = _CleanCols(table, alias, present, exact_as, direct)
    for f in row_failures(table, cols):  # type: ignore[arg-type]
        if f.code in IMPLIED_BY_CLEAN:
            continue
        one = _single(alias, f.condition)
        if one is not None and one in column_wise:
            columns.append((one, f.condition))
        else:
            rows.append(f"NOT coalesce({f.condition}, false)")
    return CleanTests(tuple(dict.fromkeys(rows)), tuple(dict.fromkeys(columns)), frozenset(direct))


def clean_row_sql(
    table: Table, alias: str, present: set[str], direct: Mapping[str, str], exact_as: Mapping[str, str]
) -> str:
    """A boolean SQL expression over ``alias`` that is true only for rows the full proof would find unflagged
    and exact (every test of ``clean_tests``, per row)."""
    tests = clean_tests(table, alias, present, direct, exact_as)
    return "false" if tests is None else tests.full_sql()
