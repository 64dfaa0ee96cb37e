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

from wupian.contract import ALL_TABLES, Column, ColumnType, Table
from wupian.contract.tables import INDUSTRY_PATTERN
from wupian.engine.warehouse import quote_ident
from wupian.reference.industry import sections_by_division

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


# (table, date column): a WARNING when the date is after the snapshot's as-of date (WP-LOAD-033).
AS_OF_DATES: dict[str, str] = {"loans": "drawdown_date"}


def rate_columns(table: Table) -> list[str]:
    """Annual-percent rate columns of ``table`` (WP-LOAD-044 warns when all their values are below 1)."""
    return [c.name for c in table.columns if c.type is ColumnType.RATE and c.name.endswith("_rate")]


def check_columns(table: Table) -> tuple[str, ...]:
    """The typed columns the checks after staging read (``loading``): the key, the references (both this
    table's and other tables' references to it), the as-of date check's column and the rate columns. A
    Parquet file's check pass keeps only these; its insert reads the file again."""
    wanted = set(table.key) | set(AS_OF_DATES.get(table.name, "").split()) | set(rate_columns(table))
    for t in ALL_TABLES:
        for ref in t.references:
            if t.name == table.name:
                wanted.update(ref.columns)
            if ref.target_table == table.name:
                wanted.update(ref.target_columns)
    return tuple(c for c in table.column_names if c in wanted)


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
    U+3000); ids trim only ASCII spaces here, so that ``normalised_id`` can report the others.

    ``trim`` is called only where it can change something (DuckDB's trim costs ≈ 4× the guard): a value
    starting or ending with an ASCII space, or (Unicode spaces) holding any non-ASCII character — ``strlen``
    (bytes) and ``length`` (characters) differ exactly then. Among ASCII characters ``trim`` strips only the
    space, so every other value is its own trimmed text."""
    c = f"{alias}.{quote_ident(col)}"
    spaced = f"{c} LIKE ' %' OR {c} LIKE '% '"
    if spaces_only:
        return f"NULLIF(CASE WHEN {spaced} THEN trim({c}, ' ') ELSE {c} END, '')"
    return f"NULLIF(CASE WHEN {spaced} OR strlen({c}) <> length({c}) THEN trim({c}) ELSE {c} END, '')"


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
        words = [(w, "true") for w in TRUE_WORDS] + [(w, "false") for w in FALSE_WORDS]
        whens = " ".join(f"WHEN {lit(w)} THEN {v}" for w, v in words)
        return _unless_null(t, _exact_first(t, words, f"CASE lower({t}) {whens} END"))
    if col.enum:
        # The canonical spellings first: a CASE tries its arms in order, and files mostly hold those.
        spellings = sorted(col.enum_map().items(), key=lambda kv: kv[0] != kv[1].casefold())
        whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in spellings)
        return _unless_null(t, _exact_first(t, [(k, lit(v)) for k, v in spellings], f"CASE lower({t}) {whens} END"))
    if is_id_column(col):
        return normalised_id(t)
    return t


def _exact_first(t: str, arms: list[tuple[str, str]], folded: str) -> str:
    """``folded`` (a CASE over ``lower(t)`` with the lower-case spellings of ``arms``: spelling → SQL value) behind
    a CASE over ``t`` itself, without ``lower`` (≈ 3× cheaper per value): a spelling as written in lower or upper
    case whose ``lower`` is that spelling (ASCII, or a text without letter case such as 正常) gives the value
    ``folded`` would give; any other text falls through to ``folded``."""
    exact: dict[str, str] = {}
    for k, v in arms:
        if k.isascii() and k == k.lower():
            exact.setdefault(k, v)
            exact.setdefault(k.upper(), v)
        elif k == k.lower() == k.upper():
            exact.setdefault(k, v)
    whens = " ".join(f"WHEN {lit(k)} THEN {v}" for k, v in exact.items())
    return f"CASE {t} {whens} ELSE {folded} END" if whens else folded


def _unless_null(t: str, expr: str) -> str:
    """``expr`` (NULL for a NULL text ``t``) evaluated only for the rows where ``t`` is filled: a blank value
    would otherwise be compared with every arm of ``expr``'s CASE (sparse code columns are mostly blank)."""
    return f"CASE WHEN {t} IS NULL THEN NULL ELSE {expr} END"


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


def _section_of_division_sql(div: str) -> str:
    """The 门类 letter of the two-digit 大类 ``div`` as one CASE over ranges of consecutive divisions (20 branches,
    from the reference data), NULL for a division that does not exist."""
    ranges: list[list[str]] = []
    for d, s in sorted(sections_by_division().items()):
        if ranges and ranges[-1][2] == s and int(d) == int(ranges[-1][1]) + 1:
            ranges[-1][1] = d
        else:
            ranges.append([d, d, s])
    return "CASE " + " ".join(f"WHEN {div} BETWEEN {lit(a)} AND {lit(b)} THEN {lit(s)}" for a, b, s in ranges) + " END"


def _section_letter_failure(col: Column, t: str) -> Failure:
    """WP-LOAD-046 (a WARNING; the row is kept): a GB/T 4754 code written with a 门类 letter that is not the
    section of its 大类 — ``A3911`` (39 is in section C). The digits are the code (``normalise_industry_code``
    drops the letter either way); the bank should correct the letter or the digits at the source. A division
    that does not exist is not this check's business (the code is then simply not a GB/T 4754 class)."""
    div = f"substr({t}, 2, 2)"
    right = _section_of_division_sql(div)
    # A CASE, so that only a code that starts with a section letter (rare: the usual spelling has none) pays for
    # the pattern and the look-up; an AND inside an expression would evaluate every term on every row.
    cond = (f"coalesce(CASE WHEN substr({t}, 1, 1) BETWEEN 'A' AND 'T' THEN regexp_full_match({t}, "
            f"'[A-T][0-9]{{2,4}}') AND substr({t}, 1, 1) <> {right} END, false)")
    msg = (f"'expected section letter ' || {right} || ' for division ' || {div} || ', got ' || {_quoted(t)} "
           "|| '; the digits are used'")
    return Failure("WP-LOAD-046", col.name, cond, msg, "WARNING")


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
        if col.pattern == INDUSTRY_PATTERN:
            out.append(_section_letter_failure(col, t))
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


def key_expr(table: Table, cols: Cols | None = None) -> str:
    """'loan_id=L000123' (or 'a=x,b=y') built from the row's key."""
    cols = cols if cols is not None else Raw(table)
    parts = [
        f"{lit(k + '=')} || coalesce({cols.v(k)}, {shown(cols.t(k))}, '')" if is_id_column(table.column(k))
        else f"{lit(k + '=')} || coalesce({cols.t(k)}, '')"
        for k in table.key
    ]
    return " || ',' || ".join(parts) if parts else "NULL"
