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

from collections.abc import Mapping

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
# Plain spellings whose typed value is the one a cast gives (DuckDB's VARCHAR → BOOLEAN agrees on each).
PLAIN_MONEY_RE = r"-?\d{1,16}(\.\d{1,2})?"
PLAIN_INT_RE = r"[+-]?\d{1,18}"


def bool_words() -> tuple[str, ...]:
    """The 1/0 words a BOOLEAN cast reads as the typing does: the ASCII ones, in lower and upper case."""
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


def target(col: Column, r: str, exact_as: Mapping[str, str]) -> str:
    """The value the adopted view gives for raw ``r``: ``r`` itself, or its cast (money through DECIMAL(18,2),
    exact for the plain amounts this module accepts, and far cheaper to parse)."""
    cast_to = exact_as.get(col.name)
    if cast_to is None:
        return r
    if cast_to == "DECIMAL(38,2)" and col.type.base is ColumnType.MONEY:
        return f"CAST(TRY_CAST({r} AS DECIMAL(18,2)) AS DECIMAL(38,2))"
    return f"TRY_CAST({r} AS {cast_to})"


def _clean_value(col: Column, r: str, direct: Mapping[str, str], exact_as: Mapping[str, str]) -> str | None:
    """SQL true when raw ``r`` of ``col`` is plainly clean (see the module docstring); None: never (the
    column's rows all go through the full proof)."""
    v = target(col, r, exact_as)
    if col.name in direct:
        typed = direct_expr(col, direct[col.name], r)
        return None if typed is None else f"({typed} IS NOT DISTINCT FROM {v})"
    kind = col.type.base
    if is_id_column(col):
        return None  # ids: one test for all of them (``clean_row_sql``)
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

    def __init__(self, table: Table, alias: str, present: set[str], exact_as: Mapping[str, str]) -> None:
        self.table, self.alias, self.present, self.exact_as = table, alias, present, exact_as

    def t(self, name: str) -> str:
        return f"{self.alias}.{quote_ident(name)}"

    def v(self, name: str) -> str:
        col = self.table.column(name)
        if name not in self.present:
            return f"CAST(NULL AS {col.type.sql_type})"
        return target(col, self.t(name), self.exact_as)


def clean_row_sql(
    table: Table, alias: str, present: set[str], direct: Mapping[str, str], exact_as: Mapping[str, str]
) -> str:
    """A boolean SQL expression over ``alias`` (the raw source of ``stage._source``: every contract column, as
    text, or typed for the ``direct`` ones) that is true only for rows the full proof would find unflagged and
    exact; ``exact_as`` are the casts the adopted view applies (column → SQL type), ``present`` the contract
    columns the file has (the others are NULL)."""
    tests: list[str] = []
    ids = [c for c in table.columns if c.name in present and c.name not in direct and is_id_column(c)]
    if ids:
        refs = [f"{alias}.{quote_ident(c.name)}" for c in ids]
        tests.append(f"regexp_full_match(concat({', '.join(refs)}), {lit(PLAIN_ID_RE[:-1] + '*')})")
        tests.extend(f"coalesce({r} <> '', true)" for r in refs)
    for col in table.columns:
        if col.name not in present or col in ids:
            continue
        test = _clean_value(col, f"{alias}.{quote_ident(col.name)}", direct, exact_as)
        if test is None:
            return "false"
        tests.append(test)
    cols = _CleanCols(table, alias, present, exact_as)
    failures = [f for f in row_failures(table, cols) if f.code not in IMPLIED_BY_CLEAN]  # type: ignore[arg-type]
    fails = " OR ".join(dict.fromkeys(f"coalesce({f.condition}, false)" for f in failures))
    if fails:
        tests.append(f"NOT ({fails})")
    return "(" + " AND ".join(f"coalesce({t}, false)" for t in tests) + ")" if tests else "true"
