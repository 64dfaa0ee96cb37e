"""SQL expressions that type and check one staged text column, generated from the contract.

For every column this module gives the typed value (``TRY_CAST`` behind a strict format gate, so that
'12.5' never silently becomes the integer 13 and '1.234' never silently becomes 1.23 yuan) and the list of
failures (condition + message expression). ``loading.py`` ORs the conditions into one filter per table and
turns each failing condition into issue rows — set-based, one pass per table.

Constants inlined into the SQL text (regular expressions, enum spellings, range bounds) come only from our
own contract definitions and are escaped with ``lit``; values from user files are never pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wupian.contract import Column, ColumnType, Table
from wupian.engine.warehouse import quote_ident

MONEY_RE = r"[+-]?(?:\d+(?:\.\d{0,2}0*)?|\.\d{1,2}0*)"
NUMBER_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
INT_RE = r"[+-]?\d+(\.0*)?"
DATE8_RE = r"\d{8}"
DATE_ISO_RE = r"\d{4}-\d{1,2}-\d{1,2}( 00:00:00(\.0+)?)?"
DATETIME_RE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?"
OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
# Fast paths for the overwhelmingly common spellings (the general expressions above still decide the rest).
PLAIN_MONEY_RE = r"[+-]?\d{1,16}(?:\.\d{0,2})?"
PLAIN_DATE_RE = r"\d{4}-\d{2}-\d{2}"
PLAIN_DATETIME_RE = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}"
# Amounts: ',' only as grouping of 3 digits (7,500,000.50); anything else with ',' or a space is refused.
GROUPED_MONEY_RE = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d{0,2}0*)?"
GROUPED_NUMBER_RE = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
SEPARATOR_RE = r"[,，\s\pZ]"
# Ids: printable ASCII without spaces needs no normalisation (the fast path of every row).
PLAIN_ID_RE = r"[!-~]+"
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
INVISIBLE_RE = r"\p{Cf}"  # format characters: zero-width space/joiners, BOM, soft hyphen …
BLANK_RE = r"[\s\pZ\p{Cc}]"  # Unicode whitespace (TAB, NBSP, full-width space …) and control characters
EDGE_BLANK_RE = rf"^{BLANK_RE}+|{BLANK_RE}+$"
TRUE_WORDS = ("1", "y", "yes", "true", "t", "是")
FALSE_WORDS = ("0", "n", "no", "false", "f", "否")
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
    if col.type is ColumnType.SHARE:
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
    flag: str | None = None  # a cheaper condition implied by ``condition``, enough for the row's __bad flag


ID_CODES = ("WP-LOAD-037", "WP-LOAD-038")  # id normalisation: cannot fire on a row whose ids are plain ASCII


def text_expr(col: str, alias: str = "r", *, spaces_only: bool = False) -> str:
    """The trimmed text of a staged column, NULL when blank. ``trim`` also strips Unicode spaces (NBSP,
    U+3000); ids trim only ASCII spaces here, so that ``normalised_id`` can report the others."""
    if spaces_only:
        return f"NULLIF(trim({alias}.{quote_ident(col)}, ' '), '')"
    return f"NULLIF(trim({alias}.{quote_ident(col)}), '')"


def _quoted(t: str) -> str:
    return f"'''' || {t} || ''''"


def is_id_column(col: Column) -> bool:
    """Identifier columns (every key and reference column that names a thing: ``*_id``, ``id_code``) are
    normalised: Unicode whitespace and format characters stripped, full-width ASCII folded."""
    return col.type is ColumnType.STR and (col.name.endswith("_id") or col.name == "id_code")


def normalised_id(t: str) -> str:
    """SQL: the id ``t`` with full-width ASCII folded, format characters removed and Unicode whitespace
    trimmed; NULL when it is then empty or still holds whitespace inside (ambiguous: is 'K 0001' 'K0001'?)."""
    folded = f"regexp_replace(translate({t}, {lit(FULL_WIDTH)}, {lit(HALF_WIDTH)}), {lit(INVISIBLE_RE)}, '', 'g')"
    trimmed = f"regexp_replace({folded}, {lit(EDGE_BLANK_RE)}, '', 'g')"
    return (
        f"CASE WHEN regexp_full_match({t}, {lit(PLAIN_ID_RE)}) THEN {t} "
        f"WHEN regexp_full_match({trimmed}, {lit('[^' + BLANK_RE[1:-1] + ']+')}) THEN {trimmed} END"
    )


def shown(t: str) -> str:
    """SQL: ``t`` with invisible characters written as <U+XXXX> (for messages about a few rows)."""
    cls = "[" + BLANK_RE[1:-1] + INVISIBLE_RE + "]"
    chars = (
        f"list_transform(string_split({t}, ''), lambda c: CASE WHEN c <> ' ' AND regexp_matches(c, {lit(cls)}) "
        "THEN '<U+' || upper(printf('%04x', unicode(c))) || '>' ELSE c END)"
    )
    return f"array_to_string({chars}, '')"


def visible(t: str) -> str:
    """SQL: ``shown(t)`` in quotes."""
    return _quoted(shown(t))


def _id_changes(t: str) -> str:
    """SQL: what normalising the id ``t`` changed, in words."""
    return (
        "concat_ws('; ', "
        f"CASE WHEN regexp_matches({t}, {lit('[' + FULL_WIDTH + ']')}) THEN 'full-width characters folded' END, "
        f"CASE WHEN regexp_matches({t}, {lit(INVISIBLE_RE)}) THEN 'invisible characters removed' END, "
        f"CASE WHEN regexp_matches({t}, {lit(EDGE_BLANK_RE)}) THEN 'outer whitespace removed' END)"
    )


def typed_expr(col: Column, alias: str = "r", *, text: str | None = None) -> str:
    """SQL for the typed value of ``col`` (NULL when blank or malformed); ``text`` overrides its trimmed text."""
    t = text if text is not None else text_expr(col.name, alias, spaces_only=is_id_column(col))
    kind = col.type.base
    if kind is ColumnType.MONEY:
        # ',' only as 3-digit grouping (7,500,000.50); without it the text must be a plain amount.
        t2 = f"CASE WHEN regexp_full_match({t}, {lit(GROUPED_MONEY_RE)}) THEN replace({t}, ',', '') ELSE {t} END"
        # DuckDB 1.5 parses VARCHAR → DECIMAL(38,2) ~150× slower than → DECIMAL(18,2) (int64-backed), so
        # amounts short enough to fit 16 integer digits take the fast path, exactly, then widen.
        gate = f"regexp_full_match({t2}, {lit(MONEY_RE)})"
        # Common case first (CASE evaluates later branches only for the rows that reach them): plain
        # digits with at most 2 decimals and 16 integer digits need no cleaning.
        return (
            f"CASE WHEN regexp_full_match({t}, {lit(PLAIN_MONEY_RE)}) "
            f"THEN CAST(TRY_CAST({t} AS DECIMAL(18,2)) AS DECIMAL(38,2)) "
            f"WHEN NOT {gate} THEN NULL "
            f"WHEN length({t2}) <= 17 THEN CAST(TRY_CAST({t2} AS DECIMAL(18,2)) AS DECIMAL(38,2)) "
            f"ELSE TRY_CAST({t2} AS DECIMAL(38,2)) END"
        )
    if kind is ColumnType.RATE:
        return f"TRY_CAST(CASE WHEN regexp_full_match({t}, {lit(NUMBER_RE)}) THEN {t} END AS DECIMAL(18,6))"
    if kind is ColumnType.INT:
        return (
            f"TRY_CAST(CASE WHEN regexp_full_match({t}, {lit(INT_RE)}) "
            f"THEN regexp_replace({t}, '\\.0*$', '') END AS BIGINT)"
        )
    if kind is ColumnType.DATE:
        return (
            f"CASE WHEN regexp_full_match({t}, {lit(PLAIN_DATE_RE)}) THEN TRY_CAST({t} AS DATE) "
            f"WHEN regexp_full_match({t}, {lit(DATE8_RE)}) THEN CAST(TRY_STRPTIME({t}, '%Y%m%d') AS DATE) "
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
            f"CASE WHEN regexp_full_match({t}, {lit(PLAIN_DATETIME_RE)}) THEN TRY_CAST({t} AS TIMESTAMP) "
            f"WHEN NOT regexp_full_match({t}, {lit(DATETIME_RE)}) THEN NULL "
            f"WHEN {off} = '' THEN {naive} "
            f"ELSE {naive} + to_minutes(CAST(480 - {minutes} AS BIGINT)) END"
        )
    if kind is ColumnType.BOOL:
        # A simple CASE, not ``IN (…)``: DuckDB plans constant IN lists as joins, costly to plan and to run.
        whens = " ".join(f"WHEN {lit(w)} THEN true" for w in TRUE_WORDS)
        whens += " " + " ".join(f"WHEN {lit(w)} THEN false" for w in FALSE_WORDS)
        return f"CASE lower({t}) {whens} END"
    if col.enum:
        whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in col.enum_map().items())
        return f"CASE lower({t}) {whens} END"
    if is_id_column(col):
        return normalised_id(t)
    return t


@dataclass(frozen=True, slots=True)
class Raw:
    """Column expressions over a staged text relation: trimmed text and the typed value computed from it."""

    table: Table
    alias: str = "r"

    def t(self, name: str) -> str:
        return text_expr(name, self.alias, spaces_only=is_id_column(self.table.column(name)))

    def v(self, name: str) -> str:
        return f"({typed_expr(self.table.column(name), self.alias)})"


@dataclass(frozen=True, slots=True)
class Typed:
    """Column expressions over a typed relation: ``"<col>"`` typed and, with ``with_text``, ``t_<i>`` text."""

    table: Table
    alias: str = "x"
    with_text: bool = False

    def t(self, name: str) -> str:
        if self.with_text:
            return f"{self.alias}.t_{self.table.column_names.index(name)}"
        return f"CAST({self.alias}.{quote_ident(name)} AS VARCHAR)"

    def v(self, name: str) -> str:
        return f"{self.alias}.{quote_ident(name)}"


Cols = Raw | Typed


def _type_failure(col: Column, cols: Cols) -> Failure | None:
    t = cols.t(col.name)
    typed = cols.v(col.name)
    cond = f"({t} IS NOT NULL AND {typed} IS NULL)"
    kind = col.type.base
    if kind is ColumnType.MONEY:
        msg = (
            f"CASE WHEN regexp_full_match({t}, {lit(NUMBER_RE)}) OR regexp_full_match({t}, {lit(GROUPED_NUMBER_RE)}) "
            f"THEN 'expected money in yuan with at most 2 decimals, got ' || {t} "
            f"ELSE 'expected money in yuan (e.g. 1,234.50), got ' || {_quoted(t)} END"
        )
        return Failure("WP-LOAD-016", col.name, f"({cond} AND NOT {_bad_grouping(t)})", msg, flag=cond)
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


def _bad_grouping(t: str) -> str:
    """SQL: amount text ``t`` holds ',' or a space that is not 3-digit grouping (7500000,5 · 1,00 · 7 500 000)."""
    t = f"CAST({t} AS VARCHAR)"  # a Parquet DECIMAL column arrives typed (``direct_expr``), never failing this
    return f"(regexp_matches({t}, {lit(SEPARATOR_RE)}) AND NOT regexp_full_match({t}, {lit(GROUPED_NUMBER_RE)}))"


def _format_failures(col: Column, cols: Cols) -> list[Failure]:
    """Misplaced digit grouping in amounts; ids that were normalised (WARNING) or cannot be (ERROR)."""
    t, v = cols.t(col.name), cols.v(col.name)
    if col.type.base is ColumnType.MONEY:
        msg = (
            "'expected an amount in yuan with '','' only between groups of 3 digits (e.g. 7,500,000.50), got ' || "
            + _quoted(t)
        )
        cond = f"({t} IS NOT NULL AND {v} IS NULL)"
        return [Failure("WP-LOAD-036", col.name, f"({t} IS NOT NULL AND {v} IS NULL AND {_bad_grouping(t)})", msg, flag=cond)]
    if not is_id_column(col):
        return []
    refused = (
        f"'expected one unbroken id, got ' || {visible(t)} || ' (blank or whitespace inside once invisible "
        "characters and outer whitespace are removed)'"
    )
    warned = f"'id ' || {visible(t)} || ' read as ''' || {v} || ''' (' || {_id_changes(t)} || ')'"
    return [
        Failure("WP-LOAD-038", col.name, f"({t} IS NOT NULL AND {v} IS NULL)", refused),
        Failure("WP-LOAD-037", col.name, f"({t} <> {v})", warned, "WARNING"),
    ]


def _range_failure(col: Column, cols: Cols) -> Failure | None:
    if col.min_value is None and col.max_value is None:
        return None
    typed = cols.v(col.name)
    sql_type = col.type.sql_type
    parts, words = [], []
    if col.min_value is not None:
        parts.append(f"{typed} < CAST({lit(col.min_value)} AS {sql_type})")
        words.append(f"≥ {col.min_value}")
    if col.max_value is not None:
        parts.append(f"{typed} > CAST({lit(col.max_value)} AS {sql_type})")
        words.append(f"≤ {col.max_value}")
    word = type_word(col)
    shown = f"CAST({typed} AS VARCHAR)" if col.type is ColumnType.MONEY else cols.t(col.name)
    expected = f"expected {word} {' and '.join(words)}, got "
    return Failure("WP-LOAD-007", col.name, f"({' OR '.join(parts)})", f"{lit(expected)} || {shown}")


def row_failures(table: Table, cols: Cols | None = None) -> tuple[Failure, ...]:
    """Every row-level failure of ``table``: required, type, enum, pattern, range, date order, one-of."""
    cols = cols if cols is not None else Raw(table)
    out: list[Failure] = []
    for col in table.columns:
        t = cols.t(col.name)
        if col.required:
            out.append(Failure("WP-LOAD-013", col.name, f"({t} IS NULL)", lit(f"required value {col.name} is blank")))
        tf = _type_failure(col, cols)
        if tf is not None:
            out.append(tf)
        out.extend(_format_failures(col, cols))
        if col.pattern and col.type.base is ColumnType.STR:
            cond = f"({t} IS NOT NULL AND NOT regexp_full_match({t}, {lit(col.pattern)}))"
            msg = f"{lit(f'expected format {col.pattern}, got ')} || {_quoted(t)}"
            out.append(Failure("WP-LOAD-021", col.name, cond, msg))
        rf = _range_failure(col, cols)
        if rf is not None:
            out.append(rf)
    for left, right in DATE_ORDER.get(table.name, ()):
        a, b = cols.v(left), cols.v(right)
        msg = f"{lit(f'expected {left} ≤ {right} ')} || CAST({b} AS VARCHAR) || ', got ' || CAST({a} AS VARCHAR)"
        out.append(Failure("WP-LOAD-027", left, f"({a} > {b})", msg))
    for group in table.one_of:
        cond = "(" + " AND ".join(f"{cols.t(c)} IS NULL" for c in group) + ")"
        out.append(Failure("WP-LOAD-028", None, cond, lit(f"expected at least one of {', '.join(group)}")))
    return tuple(out)


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
    if kind is ColumnType.BOOL and st == "BOOLEAN":
        return src
    return None


def typed_table_sql(
    table: Table, source: str, *, line: bool = True, keep_raw: bool = False, direct: Mapping[str, str] | None = None
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
    """
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
    inner = (
        f"SELECT {'x.' + ln if line else ''}{cols}, ({bad}) AS __bad, ({warn}) AS __warn{carry.replace('y.', 'x.')} FROM ("
        f"SELECT {'y.' + ln if line else ''}{typed}, {texts}{carry} FROM ("
        f"SELECT {'r.' + ln if line else ''}{trims}{raws} FROM {source} AS r) AS y) AS x"
    )
    if not keep_raw:
        return inner
    # A LIST (not a STRUCT: measurably cheaper to build) of the raw texts, in contract column order.
    packed = ", ".join(f"CAST(z.r_{i} AS VARCHAR)" if n in typed_from else f"z.r_{i}" for i, n in enumerate(names))
    outs = ", ".join(f"z.{quote_ident(n)}" for n in names)
    return (
        f"SELECT {'z.' + ln if line else ''}{outs}, z.__bad, z.__warn, "
        f"CASE WHEN z.__bad OR z.__warn THEN [{packed}] END AS __raw FROM ({inner}) AS z"
    )


def key_expr(table: Table, cols: Cols | None = None) -> str:
    """'loan_id=L000123' (or 'a=x,b=y') built from the row's key."""
    cols = cols if cols is not None else Raw(table)
    parts = [
        f"{lit(k + '=')} || coalesce({cols.v(k)}, {shown(cols.t(k))}, '')" if is_id_column(table.column(k))
        else f"{lit(k + '=')} || coalesce({cols.t(k)}, '')"
        for k in table.key
    ]
    return " || ',' || ".join(parts) if parts else "NULL"
