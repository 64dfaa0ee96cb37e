"""The PBOC 五篇大文章 loan files, set-based: the record text of each file built by one SQL statement.

The domain side (``wupian.reports.pboc``) turns the packaged field dictionary into a ``LinePlan`` per file: for every
field of the layout, in order, a ``Value`` from the closed vocabulary below (a constant, a loan column, a flag, a
code, a fired rule …). This module compiles the plan to SQL over the loans of the file (``pboc_loans``, the
enriched relation of ``category_loans`` materialised once per run) and returns the pipe-joined detail records in
file order (branch, loan), each with its loan id and the flags the file's warnings read (``detail_records``: one
scan of the file's loans); and the summary rows as exact sums per group. Every constant is a bound parameter;
columns come from a whitelist.

Field text is cleaned like ``pboc_layout.clean``: control characters and ``|`` become spaces, then the blanks that
Python's ``str.strip`` removes are cut from both ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine.metrics import closure_sql, table_exists
from wupian.engine.metrics_reports import branch_uscc_sql
from wupian.engine.report_population import _TECH, populations_sql
from wupian.engine.warehouse import Warehouse

TABLE = "pboc_loans"
TEXT_COLUMNS = frozenset({
    "institution_uscc", "branch_id", "contract_id", "loan_id", "bill_no", "drawdown_serial", "business_type",
    "tech_htp", "tech_hts", "tech_se", "tech_pa", "pension_code", "digital_code", "customer_id",
})
BOOL_COLUMNS = frozenset({"elderly_institution"})
_CONTROL = r"[\x00-\x1f\x7f|]"
# Python's str.strip() blanks that survive the control-character pass (those became spaces)
_BLANK = r"[ \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_EDGE = f"^{_BLANK}+|{_BLANK}+$"
_EMPTY = ", ".join(
    f"{c} {t}" for c, t in (
        ("tag", "VARCHAR"), ("rule_ids", "VARCHAR"), ("loan_id", "VARCHAR"), ("contract_id", "VARCHAR"),
        ("customer_id", "VARCHAR"), ("branch_id", "VARCHAR"), ("business_type", "VARCHAR"),
        ("amount", "DECIMAL(38, 2)"), ("drawdown_date", "DATE"), ("drawdown_amount", "DECIMAL(38, 2)"),
        ("interest_rate", "DECIMAL(18, 6)"), ("tech_htp", "VARCHAR"), ("tech_hts", "VARCHAR"), ("tech_se", "VARCHAR"),
        ("tech_pa", "VARCHAR"), ("pension_code", "VARCHAR"), ("digital_code", "VARCHAR"), ("bill_no", "VARCHAR"),
        ("drawdown_serial", "VARCHAR"), ("institution_uscc", "VARCHAR"), ("elderly_institution", "BOOLEAN")))
BILL = "coalesce(e.business_type, '') = 'bill_direct'"


@dataclass(frozen=True, slots=True)
class Value:
    """One field of a record. ``kind`` (arguments):
    ``const`` (text) · ``column`` (column): its text or '' · ``unless_bill`` (column): '0' for 票据直贴, else the
    column · ``bill_no``: 票据直贴 → bill_no, else the loan id; other loans '0' · ``serial``: drawdown_serial, else
    ``<loan_id>-<YYYYMMDD>`` · ``code_map`` (column, ((value, code), …)) · ``flag`` (column): '1' when the column is
    non-blank (true) · ``in_flag`` (column, codes) · ``in_value`` (column, codes): the column when among the codes,
    else '' · ``fired`` (rule ids): '1' when one of the rules fired for the loan."""
    kind: str
    arg: Any = None


@dataclass(frozen=True, slots=True)
class Group:
    """The loans a summary row adds up: ``all`` · ``flag`` (column) · ``in`` (column, codes)."""
    kind: str
    arg: Any = None


@dataclass(frozen=True, slots=True)
class LinePlan:
    tag: str
    flow: bool
    fields: tuple[Value, ...]
    groups: tuple[Group, ...]


def _col(name: str) -> str:
    if name not in TEXT_COLUMNS | BOOL_COLUMNS:
        raise ValueError(f"column {name!r} is not allowed in a PBOC line plan")
    return f"e.{name}"


def _text(name: str) -> str:
    return f"coalesce(CAST({_col(name)} AS VARCHAR), '')"


def _clean(expr: str) -> str:
    return f"regexp_replace(regexp_replace({expr}, '{_CONTROL}', ' ', 'g'), '{_EDGE}', '', 'g')"


def _marks(values: Sequence[Any], params: list[Any]) -> str:
    params.extend(values)
    return ", ".join("?" for _ in values)


def _flag(cond: str) -> str:
    return f"CASE WHEN {cond} THEN '1' ELSE '0' END"


def _value(v: Value, params: list[Any], clean: bool = True) -> str:
    """The field's text; with ``clean`` False, the text before cleaning (``detail_lines`` cleans only the records
    that need it)."""
    k, a = v.kind, v.arg
    cl = _clean if clean else _as_is
    if k == "const":
        params.append(str(a))
        return "CAST(? AS VARCHAR)"
    if k == "column":
        return cl(_text(a))
    if k == "unless_bill":
        return f"CASE WHEN {BILL} THEN '0' ELSE {cl(_text(a))} END"
    if k == "bill_no":
        return f"CASE WHEN {BILL} THEN {cl('coalesce(nullif(e.bill_no, ' + chr(39) * 2 + '), e.loan_id)')} ELSE '0' END"
    if k == "serial":
        return cl("coalesce(nullif(e.drawdown_serial, ''), "
                  "concat(e.loan_id, '-', replace(CAST(e.drawdown_date AS VARCHAR), '-', '')))")
    if k == "code_map":
        column, pairs = a
        arms = []
        for value, code in pairs:
            params.extend([value, code])
            arms.append("WHEN ? THEN CAST(? AS VARCHAR)")
        return f"CASE {_col(column)} {' '.join(arms)} ELSE '' END"
    if k == "flag":
        if a in BOOL_COLUMNS:
            return _flag(f"coalesce({_col(a)}, false)")
        return _flag(f"{_text(a)} <> ''")
    if k == "in_flag":
        column, codes = a
        return _flag(f"{_col(column)} IN ({_marks(codes, params)})")
    if k == "in_value":
        column, codes = a
        return f"CASE WHEN {_col(column)} IN ({_marks(codes, params)}) THEN {cl(_text(column))} ELSE '' END"
    if k == "fired":
        tests = []
        for rule in a:
            params.append(rule)
            tests.append("list_contains(e.rules_, ?)")  # the rule ids split once per record (``records_sql``)
        return _flag(" OR ".join(tests))
    raise ValueError(f"unknown PBOC field value {k!r}")


def _as_is(expr: str) -> str:
    return expr


def _group(g: Group, params: list[Any]) -> str:
    if g.kind == "all":
        return "TRUE"
    if g.kind == "flag":
        return _value(Value("flag", g.arg), params) + " = '1'"
    if g.kind == "in":
        column, codes = g.arg
        return f"{_col(column)} IN ({_marks(codes, params)})"
    raise ValueError(f"unknown PBOC summary group {g.kind!r}")


# the columns of ``pboc_loans`` the plans, sums and warnings read (besides ``tag``, ``institution_uscc``,
# ``elderly_institution`` and the tech codes), each with its expression in the enriched relation
# (``report_population.COLUMNS``)
PBOC_COLUMNS = ("loan_id", "contract_id", "customer_id", "branch_id", "business_type", "amount", "rule_ids",
                "drawdown_date", "drawdown_amount", "interest_rate", "pension_code", "digital_code", "bill_no",
                "drawdown_serial", *(f"{col}_given" for col, _ in _TECH))


def prepare_pboc_loans(wh: Warehouse, as_of: date, *, profile: str, tags: Sequence[str],
                       subtree: str | None = None, rules_of: Sequence[str] | None = None,
                       borrowers_of: Sequence[str] | None = None) -> None:
    """Materialise the loans of ``tags`` with the columns of the enriched relation of ``category_loans`` that the
    files read (``PBOC_COLUMNS``, the booking branch's ``institution_uscc`` and ``elderly_institution``: borrower on
    the 全国养老机构 registry on ``as_of``) as ``pboc_loans``: one population of every tag
    (``report_population.populations_sql``), ``loans`` joined once for all of them.

    Two columns are computed for the rows that read them only, without a join per row: the tech codes
    ``tech_htp`` … (the code where the ``tech_industry`` tag's rule for it fired) are read off the row's own
    ``rule_ids`` on the ``tech_industry`` rows — the same tag row the enriched relation joins — and are NULL on the
    other tags' rows (no other file reads them); ``elderly_institution`` tests the borrower against the customers
    whose 证件代码 is on the registry (one small set, joined by customer id) instead of joining every row to its
    borrower.

    ``rules_of`` / ``borrowers_of`` (None: every tag) name the tags whose rows keep ``rule_ids`` (read by a ``fired``
    field) and ``customer_id`` (read by ``summary_sums``): on the other tags' rows they are stored NULL — fewer
    strings stored in the temp table (at 10M loans ≈ 2M rows). The rows are stored clustered by tag (``ORDER BY
    tag``, a sort of one short text): each file's statement filters one tag, and with its rows together the scan
    skips the other tags' blocks by their min/max instead of reading every column of every row of the table. The
    order is for speed only: every reader filters by tag and orders its own result."""
    wh.execute(f"DROP TABLE IF EXISTS {TABLE}")
    if not table_exists(wh, "loan_tags"):  # nothing classified yet: every file has no records
        wh.execute(f"CREATE TEMP TABLE {TABLE} ({_EMPTY})")
        return
    closure, cparams = closure_sql(wh, as_of)
    pop, params = populations_sql(as_of, profile, dict.fromkeys(tags), PBOC_COLUMNS, subtree)
    tech, tparams = [], []
    for col, rule in _TECH:
        tech.append(f"CASE WHEN e.tag_ = 'tech_industry' AND list_contains(string_split(coalesce(e.rule_ids, ''), ','), "
                    f"CAST(? AS VARCHAR)) THEN e.{col}_given END AS {col}")
        tparams.append(rule)
    plain, kparams = [], []
    for c in PBOC_COLUMNS:
        if c.endswith("_given"):
            continue
        only = {"rule_ids": rules_of, "customer_id": borrowers_of}.get(c)
        if only is None:
            plain.append(f"e.{c}")
        elif only:
            plain.append(f"CASE WHEN e.tag_ IN ({_marks(only, kparams)}) THEN e.{c} END AS {c}")
        else:
            plain.append(f"CAST(NULL AS VARCHAR) AS {c}")
    wh.execute(f"""
        CREATE TEMP TABLE {TABLE} AS WITH closure AS (SELECT * FROM {closure})
        SELECT e.tag_ AS tag, {', '.join(plain)}, {', '.join(tech)}, u.uscc AS institution_uscc,
            el.customer_id IS NOT NULL AS elderly_institution
        FROM ({pop}) e LEFT JOIN ({branch_uscc_sql()}) u ON u.branch_id = e.branch_id
        LEFT JOIN (SELECT DISTINCT c.customer_id FROM customers c WHERE c.as_of = ? AND c.id_code IN (
                SELECT r.id_code FROM registries r WHERE r.as_of = ? AND r.registry = 'national_elderly_care_institution'
                  AND (r.valid_from IS NULL OR r.valid_from <= ?) AND (r.valid_to IS NULL OR r.valid_to >= ?))) el
            ON el.customer_id = e.customer_id
        ORDER BY e.tag_""",
               [*cparams, *kparams, *tparams, *params, as_of, as_of, as_of, as_of, as_of])


def drop_pboc_loans(wh: Warehouse) -> None:
    wh.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _scope(plan: LinePlan, as_of: date, params: list[Any]) -> str:
    params.append(plan.tag)
    if plan.flow:
        params.extend([as_of.replace(day=1), as_of])
        return "e.tag = ? AND e.drawdown_date >= ? AND e.drawdown_date <= ?"
    return "e.tag = ? AND e.amount > 0"


# a record whose fields need no cleaning: no control character or ``|`` in a value (exactly one ``|`` between fields,
# counted below) and no blank at a field's start or end
NEEDS_CLEANING = r"[\x00-\x1f\x7f]|(^|[|])" + _BLANK + "|" + _BLANK + "([|]|$)"
# a record with no match has no control character, no character outside ASCII and no space at a field's edge: no
# match of ``NEEDS_CLEANING`` either (its other blanks are outside ASCII), and plain ASCII — one search for the two
# questions of nearly every record
SUSPECT = r"[^ -~]|(^|[|]) | ([|]|$)"


def detail_lines(wh: Warehouse, plan: LinePlan, as_of: date) -> pa.Array:
    """The detail records of one file, each the ``|``-joined field text, in file order (branch, loan)."""
    return detail_records(wh, plan, as_of).column("line").combine_chunks()


def detail_records(wh: Warehouse, plan: LinePlan, as_of: date, *, check_digital: bool = False,
                   codes: Sequence[str] = ()) -> pa.Table:
    """The detail records of one file in file order (branch, loan), with what the file's warnings read, from one
    scan of the file's loans: ``line`` (the ``|``-joined field text), ``loan_id``, ``no_digital`` (where
    ``check_digital``: digital_code not among ``codes``), ``no_bill`` (票据直贴 without bill_no) and ``no_serial``
    (no drawdown_serial) — the flags of ``DETAIL_WARNINGS`` and ``key_gaps``.

    The fields are joined as they are, and only a record whose joined text shows a value that needs cleaning (a
    control character or ``|`` in a value, a blank at a field's edge) is built again from cleaned fields: the
    cleaning leaves every other value unchanged, so the text is the same at a fraction of the regular
    expressions."""
    sql, params, flags = records_sql(plan, as_of, check_digital=check_digital, codes=codes)
    table = wh.arrow(f"SELECT line, loan_id, {', '.join(flags)} FROM ({sql}) e ORDER BY e.branch_id, e.loan_id",
                     params)
    return table.cast(pa.schema([("line", pa.string()), ("loan_id", pa.string()),
                                 *((name, pa.bool_()) for name in flags)]))


def records_sql(plan: LinePlan, as_of: date, *, check_digital: bool = False,
                codes: Sequence[str] = ()) -> tuple[str, list[Any], list[str]]:
    """The query behind ``detail_records`` (unordered) and its parameters and flag columns: one row per record with
    ``line``, ``loan_id``, ``branch_id`` (the file order is ``branch_id, loan_id``), the flags, and each field's text
    as written in ``v1`` … ``vN`` (layout order: the ``|``-separated values of ``line``), for checks that read the
    fields without splitting the line again (``engine.pboc_checks.checked_records``); ``needs_``: whether the
    record was built from cleaned fields (a record that was not has exactly one ``|`` between fields and no match
    of ``NEEDS_CLEANING``), ``sus_``: whether its fields as they are match ``SUSPECT`` (a record without has only
    printable ASCII, cleaned or not)."""
    cparams: list[Any] = []
    cleaned = [_value(v, cparams) for v in plan.fields]
    fparams: list[Any] = []
    flags = _warning_flags(check_digital, codes, fparams)
    params: list[Any] = []
    raw = [_value(v, params, clean=False) for v in plan.fields]
    where = _scope(plan, as_of, params)
    nv = len(plan.fields)
    # the rule ids split once per record, for the ``fired`` fields only (the other files' rows may hold none)
    rules = ", string_split(coalesce(e.rule_ids, ''), ',') AS rules_" if any(v.kind == "fired" for v in plan.fields) else ""
    # a value with a ``|`` (the joined text has more than one ``|`` between fields)
    barred = " OR ".join(f"contains(e.w{i}, '|')" for i in range(1, nv + 1))

    def joined(parts: list[str]) -> str:
        return "concat(" + ", '|', ".join(parts) + ")" if len(parts) > 1 else parts[0]

    # each field's text as written: the raw text, or the cleaned one where the record needs cleaning (then the line is
    # the cleaned fields joined, as ``detail_lines`` always wrote it)
    values = ", ".join(f"CASE WHEN e.needs_ THEN {c} ELSE e.w{i} END AS v{i}" for i, c in enumerate(cleaned, start=1))
    sql = (
        f"SELECT CASE WHEN e.needs_ THEN {joined([f'v{i}' for i in range(1, nv + 1)])} ELSE e.raw_ END AS line, "
        f"e.loan_id, e.branch_id, e.needs_, e.sus_, "
        f"{', '.join(f'{sql} AS {name}' for name, sql in flags)}, {', '.join(f'v{i}' for i in range(1, nv + 1))} "
        f"FROM (SELECT e.*, {values} FROM ("
        f"SELECT e.*, e.barred_ OR CASE WHEN e.sus_ THEN regexp_matches(e.raw_, '{NEEDS_CLEANING}') ELSE false END "
        f"AS needs_ FROM ("
        f"SELECT e.*, regexp_matches(e.raw_, '{SUSPECT}') AS sus_, coalesce({barred}, false) AS barred_ FROM ("
        f"SELECT e.*, {joined([f'e.w{i}' for i in range(1, nv + 1)])} AS raw_ FROM ("
        f"SELECT e.*, {', '.join(f'{r} AS w{i}' for i, r in enumerate(raw, start=1))} FROM ("
        f"SELECT e.*{rules} FROM {TABLE} e WHERE {where}"
        f") e) e) e) e) e) e")
    return sql, [*fparams, *cparams, *params], [name for name, _ in flags]


def _warning_flags(check_digital: bool, codes: Sequence[str], params: list[Any]) -> list[tuple[str, str]]:
    """(name, SQL) of the per-loan facts the file's warnings read (``detail_records``)."""
    digital = (f"({'TRUE' if check_digital else 'FALSE'} AND "
               f"coalesce(e.digital_code IN ({_marks(codes, params) if codes else 'NULL'}), false) = false)")
    return [("no_digital", digital),
            ("no_bill", f"({BILL} AND coalesce(e.bill_no, '') = '')"),
            ("no_serial", "(coalesce(e.drawdown_serial, '') = '')")]


def summary_sums(wh: Warehouse, plan: LinePlan, as_of: date) -> list[dict[str, Any]]:
    """Per summary group, in order: ``total`` (Σ weight), ``rated`` (Σ weight × rate), ``borrowers``; the weight
    is the counted amount (stock) or 放款金额 (flow)."""
    if not plan.groups:
        return []
    params: list[Any] = []
    weight = "e.drawdown_amount" if plan.flow else "e.amount"
    cols = []
    for i, g in enumerate(plan.groups):
        cond = _group(g, params)
        cols.append(f"sum(CASE WHEN {cond} THEN {weight} END) AS total_{i}")
        cond = _group(g, params)
        cols.append(f"sum(CASE WHEN {cond} THEN {weight} * e.interest_rate END) AS rated_{i}")
        cond = _group(g, params)
        cols.append(f"count(DISTINCT CASE WHEN {cond} THEN e.customer_id END) AS borrowers_{i}")
    where = _scope(plan, as_of, params)
    row = wh.rows(f"SELECT {', '.join(cols)} FROM {TABLE} e WHERE {where}", params)[0]
    return [{"total": row[f"total_{i}"], "rated": row[f"rated_{i}"], "borrowers": row[f"borrowers_{i}"]}
            for i in range(len(plan.groups))]


def branches_without_uscc(wh: Warehouse) -> list[str]:
    """Booking branches of the run's loans that file under no 统一社会信用代码 (theirs nor an ancestor's), sorted."""
    return [r["branch_id"] for r in wh.rows(
        f"SELECT DISTINCT e.branch_id FROM {TABLE} e WHERE coalesce(e.institution_uscc, '') = '' ORDER BY e.branch_id")]
