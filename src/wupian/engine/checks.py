"""SQL expressions that type and check one staged text column, generated from the contract.

For every column this module gives the typed value (``TRY_CAST`` behind a strict format gate, so that
'12.5' never silently becomes the integer 13 and '1.234' never silently becomes 1.23 yuan) and the list of
failures (condition + message expression). ``loading.py`` ORs the conditions into one filter per table and
turns each failing condition into issue rows — set-based, one pass per table.

Constants inlined into the SQL text (regular expressions, enum spellings, range bounds) come only from our
own contract definitions and are escaped with ``lit``; values from user files are never pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from wupian.contract import Column, ColumnType, Table
from wupian.engine.warehouse import quote_ident

MONEY_RE = r"[+-]?(\d+(\.\d{0,2}0*)?|\.\d{1,2}0*)"
NUMBER_RE = r"[+-]?(\d+(\.\d*)?|\.\d+)"
INT_RE = r"[+-]?\d+(\.0*)?"
DATE8_RE = r"\d{8}"
DATE_ISO_RE = r"\d{4}-\d{1,2}-\d{1,2}( 00:00:00(\.0+)?)?"
DATETIME_RE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?"
OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
TRUE_WORDS = ("1", "y", "yes", "true", "t", "是")
FALSE_WORDS = ("0", "n", "no", "false", "f", "否")
# Note: ColumnType.SHARE and ColumnType.ENUM are aliases of RATE and STR (equal enum values), so enums are
# recognised by ``Column.enum`` and shares by their 0..1 bounds (see ``type_word``).
TYPE_WORDS = {
    ColumnType.MONEY: "money",
    ColumnType.RATE: "rate",
    ColumnType.INT: "whole number",
    ColumnType.DATE: "date",
    ColumnType.DATETIME: "date-time",
}
# (left column, right column): left must not be after right, both when filled.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "loans": (("drawdown_date", "maturity_date"),),
    "accounts": (("opened_at", "closed_at"),),
    "registries": (("valid_from", "valid_to"),),
    "processes": (("started_at", "finished_at"),),
    "mandates": (("signed_at", "revoked_at"),),
    "service_activations": (("activated_at", "deactivated_at"),),
}


def type_word(col: Column) -> str:
    """money / rate / share / whole number / date / date-time / value, for messages."""
    if col.type is ColumnType.RATE and col.min_value == "0" and col.max_value == "1":
        return "share"
    return TYPE_WORDS.get(col.type, "value")


def lit(text: str) -> str:
    """A SQL string literal for a constant from our own definitions (never for user text)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Failure:
    """A row fails when ``condition`` is true; ``message`` is a VARCHAR expression (expected vs actual)."""

    code: str
    column: str | None
    condition: str
    message: str
    level: str = "ERROR"


def text_expr(col: str, alias: str = "r") -> str:
    """The trimmed text of a staged column, NULL when blank."""
    return f"NULLIF(trim({alias}.{quote_ident(col)}), '')"


def _quoted(t: str) -> str:
    return f"'''' || {t} || ''''"


def typed_expr(col: Column, alias: str = "r") -> str:
    """SQL for the typed value of ``col`` (NULL when blank or malformed)."""
    t = text_expr(col.name, alias)
    kind = col.type
    if kind is ColumnType.MONEY:
        t2 = f"replace(replace(replace({t}, ',', ''), '，', ''), ' ', '')"
        return f"TRY_CAST(CASE WHEN regexp_full_match({t2}, {lit(MONEY_RE)}) THEN {t2} END AS DECIMAL(38,2))"
    if kind is ColumnType.RATE:
        return f"TRY_CAST(CASE WHEN regexp_full_match({t}, {lit(NUMBER_RE)}) THEN {t} END AS DECIMAL(18,6))"
    if kind is ColumnType.INT:
        return (
            f"TRY_CAST(CASE WHEN regexp_full_match({t}, {lit(INT_RE)}) "
            f"THEN regexp_replace({t}, '\\.0*$', '') END AS BIGINT)"
        )
    if kind is ColumnType.DATE:
        return (
            f"CASE WHEN regexp_full_match({t}, {lit(DATE8_RE)}) THEN CAST(TRY_STRPTIME({t}, '%Y%m%d') AS DATE) "
            f"WHEN regexp_full_match({t}, {lit(DATE_ISO_RE)}) THEN TRY_CAST(split_part({t}, ' ', 1) AS DATE) END"
        )
    if kind is ColumnType.DATETIME:
        naive = f"TRY_CAST(replace(regexp_replace({t}, {lit(OFFSET_RE)}, ''), 'T', ' ') AS TIMESTAMP)"
        off = f"regexp_extract({t}, {lit(OFFSET_RE)}, 1)"
        minutes = (
            f"(CASE WHEN {off} = 'Z' THEN 0 ELSE (CASE WHEN left({off}, 1) = '-' THEN -1 ELSE 1 END) * "
            f"(CAST(substr({off}, 2, 2) AS INTEGER) * 60 + CAST(right({off}, 2) AS INTEGER)) END)"
        )
        return (
            f"CASE WHEN NOT regexp_full_match({t}, {lit(DATETIME_RE)}) THEN NULL "
            f"WHEN {off} = '' THEN {naive} "
            f"ELSE {naive} + to_minutes(CAST(480 - {minutes} AS BIGINT)) END"
        )
    if kind is ColumnType.BOOL:
        trues = ", ".join(lit(w) for w in TRUE_WORDS)
        falses = ", ".join(lit(w) for w in FALSE_WORDS)
        return f"CASE WHEN lower({t}) IN ({trues}) THEN true WHEN lower({t}) IN ({falses}) THEN false END"
    if col.enum:
        whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in col.enum_map().items())
        return f"CASE lower({t}) {whens} END"
    return t


def _type_failure(col: Column, alias: str) -> Failure | None:
    t = text_expr(col.name, alias)
    typed = typed_expr(col, alias)
    cond = f"({t} IS NOT NULL AND ({typed}) IS NULL)"
    kind = col.type
    if kind is ColumnType.MONEY:
        t2 = f"replace(replace({t}, ',', ''), '，', '')"
        msg = (
            f"CASE WHEN regexp_full_match({t2}, {lit(NUMBER_RE)}) "
            f"THEN 'expected money in yuan with at most 2 decimals, got ' || {t} "
            f"ELSE 'expected money in yuan (e.g. 1,234.50), got ' || {_quoted(t)} END"
        )
        return Failure("WP-LOAD-016", col.name, cond, msg)
    if kind is ColumnType.RATE:
        return Failure("WP-LOAD-017", col.name, cond, f"'expected a decimal {type_word(col)}, got ' || {_quoted(t)}")
    if kind is ColumnType.INT:
        return Failure("WP-LOAD-018", col.name, cond, f"'expected a whole number, got ' || {_quoted(t)}")
    if kind is ColumnType.DATE:
        return Failure("WP-LOAD-014", col.name, cond, f"'expected a date YYYY-MM-DD or YYYYMMDD, got ' || {_quoted(t)}")
    if kind is ColumnType.DATETIME:
        return Failure(
            "WP-LOAD-015", col.name, cond, f"'expected a date-time like 2026-03-31 14:05:00, got ' || {_quoted(t)}"
        )
    if kind is ColumnType.BOOL:
        return Failure("WP-LOAD-019", col.name, cond, f"'expected 1/0, Y/N, 是/否 or true/false, got ' || {_quoted(t)}")
    if col.enum:
        values = [e.value for e in col.enum]
        shown = ", ".join(values[:8]) + (", …" if len(values) > 8 else "")
        return Failure("WP-LOAD-020", col.name, cond, f"{lit(f'expected one of {shown}, got ')} || {_quoted(t)}")
    return None


def _range_failure(col: Column, alias: str) -> Failure | None:
    if col.min_value is None and col.max_value is None:
        return None
    typed = typed_expr(col, alias)
    sql_type = col.type.sql_type
    parts, words = [], []
    if col.min_value is not None:
        parts.append(f"({typed}) < CAST({lit(col.min_value)} AS {sql_type})")
        words.append(f"≥ {col.min_value}")
    if col.max_value is not None:
        parts.append(f"({typed}) > CAST({lit(col.max_value)} AS {sql_type})")
        words.append(f"≤ {col.max_value}")
    word = type_word(col)
    shown = f"CAST(({typed}) AS VARCHAR)" if col.type is ColumnType.MONEY else text_expr(col.name, alias)
    expected = f"expected {word} {' and '.join(words)}, got "
    return Failure("WP-LOAD-007", col.name, f"({' OR '.join(parts)})", f"{lit(expected)} || {shown}")


def row_failures(table: Table, alias: str = "r") -> tuple[Failure, ...]:
    """Every row-level failure of ``table``: required, type, enum, pattern, range, date order, one-of."""
    out: list[Failure] = []
    for col in table.columns:
        t = text_expr(col.name, alias)
        if col.required:
            out.append(Failure("WP-LOAD-013", col.name, f"({t} IS NULL)", lit(f"required value {col.name} is blank")))
        tf = _type_failure(col, alias)
        if tf is not None:
            out.append(tf)
        if col.pattern and col.type is ColumnType.STR:
            cond = f"({t} IS NOT NULL AND NOT regexp_full_match({t}, {lit(col.pattern)}))"
            msg = f"{lit(f'expected format {col.pattern}, got ')} || {_quoted(t)}"
            out.append(Failure("WP-LOAD-021", col.name, cond, msg))
        rf = _range_failure(col, alias)
        if rf is not None:
            out.append(rf)
    for left, right in DATE_ORDER.get(table.name, ()):
        a, b = typed_expr(table.column(left), alias), typed_expr(table.column(right), alias)
        cond = f"(({a}) > ({b}))"
        msg = f"{lit(f'expected {left} ≤ {right} ')} || CAST(({b}) AS VARCHAR) || ', got ' || CAST(({a}) AS VARCHAR)"
        code = "WP-LOAD-027"
        out.append(Failure(code, left, cond, msg))
    for group in table.one_of:
        cond = "(" + " AND ".join(f"{text_expr(c, alias)} IS NULL" for c in group) + ")"
        out.append(Failure("WP-LOAD-028", None, cond, lit(f"expected at least one of {', '.join(group)}")))
    return tuple(out)


def key_expr(table: Table, alias: str = "r") -> str:
    """'loan_id=L000123' (or 'a=x,b=y') built from the row's trimmed key text."""
    parts = [f"{lit(k + '=')} || coalesce({text_expr(k, alias)}, '')" for k in table.key]
    return " || ',' || ".join(parts) if parts else "NULL"


def key_values(table: Table, alias: str = "r") -> list[str]:
    """Expressions identifying a row's key: typed for dates and numbers, trimmed text otherwise."""
    out = []
    for k in table.key:
        col = table.column(k)
        out.append(text_expr(k, alias) if col.type is ColumnType.STR else typed_expr(col, alias))
    return out
