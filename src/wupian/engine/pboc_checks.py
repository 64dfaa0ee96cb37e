"""The field and record rules of a PBOC 五篇大文章 loan file, checked set-based: one SQL statement over the file's
records finds every line that breaks a rule, a second finds repeated keys.

The domain side (``wupian.reports.pboc_validate``) turns the packaged field dictionary and field rules into a
``RecordPlan`` (for every field: its type and what summary and detail rows must do with it; the bill, flag and
key rules of the report) and maps what this module finds to located Issues. The records are a relation
``(n INTEGER, line VARCHAR)`` — line number and the ``|``-joined text, exactly as written to the file — so the
writer's records (``pboc_records``, built from ``pboc_loans``) and a file read back from disk are checked by the
same statement. Every constant is a bound parameter; patterns come from the plan.

What a line breaks comes back as one text per line, ``;``-separated marks in the order of the file's rules:
``count`` (wrong number of fields; nothing else is checked), ``kind`` (字段类别 is not the expected row code), then
per field in layout order ``<pos>:T:<why>`` (type/length: ``edges``, ``quote``, ``spare``, ``fixed``, ``max``,
``dec``, ``int``) or the rule marks ``<pos>:M`` (empty but mandatory), ``<pos>:E`` (filled but must be empty),
``<pos>:Creq`` / ``<pos>:Cempty`` (conditional), ``<pos>:X`` (not in the code list), ``<pos>:P`` (pattern), then
the record rules ``bill_ids``, ``bill_missing``, ``bill_extra``, ``flags``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from wupian.engine.pboc_lines import _EDGE, NEEDS_CLEANING, SUSPECT, LinePlan, records_sql
from wupian.engine.warehouse import Warehouse

RECORDS = "pboc_records"
_KEYS = "pboc_record_keys"  # the key fields of the records being checked
_HEAD = "pboc_head_records"  # the summary rows of a file whose records are checked as built (``checked_file``)
_CONTROL = r"[\x00-\x1f\x7f]"
_NON_ASCII = r"[^\x00-\x7f]"
# a control character, or a blank that Python's str.strip() removes at the start or end of a field of the line (the
# line-level pre-test of the per-field ``edges`` rule): the writer's own test, so a record it built as it is has none
_LINE_BLANKS = NEEDS_CLEANING
if SUSPECT != r"[^ -~]|(^|[|]) | ([|]|$)" or _NON_ASCII != r"[^\x00-\x7f]":  # what ``_built_pretests`` relies on
    raise ImportError("the PBOC records' pre-tests changed: review _built_pretests")


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One field of the layout (1-based ``pos``): its type (``""`` spare, ``Cn``, ``C..n``, ``Dw.d``, ``I..n``) and,
    when ``rules``, what summary rows (``M``/``E``) and detail rows (``M``/``E``/``C``) must do; ``codes`` the allowed
    values (None: free text); ``pattern`` a regular expression the whole value must match; ``when`` the (field
    position, value) that makes a ``C`` field mandatory (None when that field is not in the layout)."""
    pos: int
    type: str
    rules: bool = True
    summary: str = ""
    detail: str = ""
    codes: tuple[str, ...] | None = None
    pattern: str = ""
    when: tuple[int | None, str] | None = None


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """The rules of one file: ``fields`` in layout order; ``summaries`` the summary-row codes (lines 1..k) and
    ``detail_code`` the code of every later line (checked only when the report has summary rows); ``bill`` the
    positions of 业务类别, 贷款合同编码, 贷款借据编码, 票据编号 with the bill code; ``at_least_one`` / ``exactly_one``
    flag positions of which at least / exactly one holds ``1``; ``keys`` positions whose non-empty, non-``0`` values
    must be unique among detail rows, together with ``serial`` (交易流水号) when set; ``branch`` the field that
names the record's booking branch (内部机构号), whose text the records' statement returns with the keys'."""
    fields: tuple[FieldCheck, ...]
    summaries: tuple[str, ...]
    detail_code: str | None
    bill: tuple[int, int, int, int, str] | None
    at_least_one: tuple[int, ...]
    exactly_one: tuple[int, ...]
    keys: tuple[int, ...]
    serial: int | None
    branch: int | None = None  # the position of the field naming the booking branch (its text comes back too)


def _lit(value: str, params: list[Any]) -> str:
    params.append(value)
    return "CAST(? AS VARCHAR)"


def _bytes(v: str) -> str:
    """UTF-8 byte length of ``v`` from character counts (portable: no byte-length function on both engines);
    plain ``length`` when the whole line is ASCII (``r.ascii``, tested once per line)."""
    extra = " + ".join(f"length(regexp_replace({v}, '[\\x00-{hi}]', '', 'g'))" for hi in (r"\x7f", r"\x{7ff}", r"\x{ffff}"))
    return f"(CASE WHEN r.ascii THEN length({v}) ELSE length({v}) + {extra} END)"


def _type_check(v: str, field_type: str, params: list[Any]) -> str:
    """CASE arms naming the first way ``v`` does not fit ``field_type`` (empty always fits)."""
    arms = [f"WHEN r.blanks AND regexp_matches({v}, '{_CONTROL}|{_EDGE}') THEN 'edges'",
            f"WHEN {v} LIKE '%\"%' THEN 'quote'"]
    t = field_type
    if t == "":
        arms.append("WHEN TRUE THEN 'spare'")
    elif t.startswith("C.."):
        arms.append(f"WHEN {_bytes(v)} > {int(t[3:])} THEN 'max'")
    elif t.startswith("C"):
        arms.append(f"WHEN {_bytes(v)} <> {int(t[1:])} THEN 'fixed'")
    elif t.startswith("D"):
        w, d = (int(x) for x in t[1:].split("."))
        params.append(f"^-?(0|[1-9][0-9]{{0,{w - 1}}})\\.[0-9]{{{d}}}$")
        arms.append(f"WHEN NOT regexp_matches({v}, ?) THEN 'dec'")
    elif t.startswith("I.."):
        params.append(f"^(0|[1-9][0-9]{{0,{int(t[3:]) - 1}}})$")
        arms.append(f"WHEN NOT regexp_matches({v}, ?) THEN 'int'")
    else:
        arms.append("WHEN TRUE THEN 'type'")
    return f"CASE WHEN {v} = '' THEN NULL {' '.join(arms)} END"


def _f(pos: int | None) -> str:
    return "CAST(NULL AS VARCHAR)" if pos is None else f"r.v{int(pos)}"


def _fields(positions: Sequence[int | None]) -> str:
    """The fields at ``positions`` of the split record ``f`` as columns ``v<pos>``."""
    return ", ".join(f"f[{int(p)}] AS v{int(p)}" for p in sorted({p for p in positions if p is not None}))


def _value_marks(fc: FieldCheck, v: str, mode: str, params: list[Any]) -> list[str]:
    """Marks of the code list and pattern, checked for a filled value."""
    out = []
    if fc.codes is not None:
        marks = ", ".join(_lit(c, params) for c in fc.codes) or "NULL"
        # list_contains, not IN: DuckDB plans a parameterised IN list as a join, ~30 ms per field
        out.append(f"CASE WHEN {v} <> '' AND NOT list_contains([{marks}], {v}) THEN 'X' END")
    if fc.pattern:
        params.append(f"^(?:{fc.pattern})$")
        out.append(f"CASE WHEN {v} <> '' AND NOT regexp_matches({v}, ?) THEN 'P' END")
    return out


def _mode_marks(fc: FieldCheck, v: str, mode: str, params: list[Any]) -> str:
    """The rule marks of one field under one mode, ``;``-joined (NULL when none)."""
    if mode == "M":
        return f"CASE WHEN {v} = '' THEN 'M' ELSE {_join(_value_marks(fc, v, mode, params))} END"
    if mode == "E":
        return f"CASE WHEN {v} <> '' THEN 'E' END"
    if mode == "C":
        other, want = fc.when or (None, "")
        w1, w2 = _lit(want, params), _lit(want, params)
        o = _f(other)
        cond = [f"CASE WHEN {o} = {w1} AND {v} = '' THEN 'Creq' "
                f"WHEN coalesce({o} <> {w2}, true) AND {v} <> '' THEN 'Cempty' END"]
        return _join(cond + _value_marks(fc, v, mode, params))
    return _join(_value_marks(fc, v, mode, params))


def passes_empty(fc: FieldCheck, mode: str) -> bool:
    """Whether an empty value of the field has no mark under ``mode`` (``_field_columns``: its type check and rule
    marks both NULL): the type check passes an empty value always, and a rule marks an empty value only when it
    asks for one (``M``) or its condition may (``C``); the code list and pattern are checked on filled values only."""
    return not fc.rules or mode in ("E", "")


def _join(parts: Sequence[str]) -> str:
    if not parts:
        return "CAST(NULL AS VARCHAR)"
    if len(parts) == 1:
        return parts[0]
    return f"nullif(concat_ws(';', {', '.join(parts)}), '')"


def _field_columns(fc: FieldCheck, k: int, params: list[Any]) -> tuple[str, str]:
    """(type mark, rule marks) of one field as two SQL expressions over the split record ``r``."""
    v = _f(fc.pos)
    typed = _type_check(v, fc.type, params)
    if not fc.rules:
        return typed, "CAST(NULL AS VARCHAR)"
    if k:
        summary = _mode_marks(fc, v, fc.summary, params)
        return typed, f"CASE WHEN r.n <= {int(k)} THEN {summary} ELSE {_mode_marks(fc, v, fc.detail, params)} END"
    return typed, _mode_marks(fc, v, fc.detail, params)


def _field_mark(pos: int) -> str:
    """The field's marks with its position before each: the type mark wins (the rules are checked on a value
    that fits its type only)."""
    p = f"'{int(pos)}:'"
    return (f"CASE WHEN t{pos} IS NOT NULL THEN concat({p}, 'T:', t{pos}) "
            f"WHEN u{pos} IS NOT NULL THEN concat({p}, replace(u{pos}, ';', concat(';', {p}))) END")


def _record_marks(plan: RecordPlan, k: int, params: list[Any]) -> list[str]:
    out: list[str] = []
    detail = f"r.n > {int(k)}"
    if plan.bill is not None:
        kind, contract, loan, bill, code = plan.bill
        c1, c2 = _lit(code, params), _lit(code, params)
        out += [
            f"CASE WHEN {detail} AND {_f(kind)} = {c1} AND ({_f(contract)} <> '0' OR {_f(loan)} <> '0') THEN 'bill_ids' END",
            f"CASE WHEN {detail} AND {_f(kind)} = {c2} AND {_f(bill)} IN ('0', '') THEN 'bill_missing' END",
        ]
        c3 = _lit(code, params)
        out.append(f"CASE WHEN {detail} AND coalesce({_f(kind)} <> {c3}, true) AND {_f(bill)} NOT IN ('0', '') "
                   "THEN 'bill_extra' END")
    if plan.at_least_one:
        anyone = " OR ".join(f"{_f(p)} = '1'" for p in plan.at_least_one)
        out.append(f"CASE WHEN {detail} AND NOT coalesce({anyone}, false) THEN 'flags' END")
    if plan.exactly_one:
        ones = " + ".join(f"(CASE WHEN {_f(p)} = '1' THEN 1 ELSE 0 END)" for p in plan.exactly_one)
        out.append(f"CASE WHEN {detail} AND {ones} <> 1 THEN 'flags' END")
    return out


def _split(table: str) -> str:
    """The records split into fields ``f``, with their field count ``nf`` and two line-level pre-tests: ``ascii``
    (no multi-byte character) and ``blanks`` (a control character, or a blank at a field's start or end)."""
    return (f"SELECT n, line, length(line) - length(replace(line, '|', '')) + 1 AS nf, string_split(line, '|') AS f, "
            f"NOT regexp_matches(line, '{_NON_ASCII}') AS ascii, regexp_matches(line, '{_LINE_BLANKS}') AS blanks "
            f"FROM {table}")


def _marks_sql(plan: RecordPlan, params: list[Any], quiet: frozenset[int] = frozenset()) -> tuple[str, str]:
    """The rules of ``plan`` over a relation ``r`` of records (``n``, ``nf`` the field count, the pre-tests ``ascii``
    and ``blanks``, the fields ``v1`` … ``vN``): the per-field and record columns to add to ``r`` (``r.*, …``), and
    the expression of the line's marks over them (module docstring). The one definition of every rule, for the
    records as text (``line_marks``) and as built (``checked_records``). ``quiet``: positions of fields known to
    have no mark on any row of ``r`` (``_quiet_fields``), left out of the expression."""
    k, nf = len(plan.summaries), len(plan.fields)
    cols = ["CAST(NULL AS VARCHAR) AS kind"]
    if plan.summaries:
        arms = " ".join(f"WHEN {i} THEN {_lit(c, params)}" for i, c in enumerate(plan.summaries, start=1))
        expected = f"CASE r.n {arms} ELSE {_lit(plan.detail_code or '', params)} END"
        cols[0] = f"CASE WHEN r.v1 <> {expected} THEN 'kind' END AS kind"
    fields = [fc for fc in plan.fields if fc.pos not in quiet]
    for fc in fields:
        t, u = _field_columns(fc, k, params)
        cols += [f"{t} AS t{fc.pos}", f"{u} AS u{fc.pos}"]
    record = _record_marks(plan, k, params)
    cols += [f"{m} AS x{i}" for i, m in enumerate(record)]
    # a field without a mark adds NULL to ``concat_ws``, which skips it: a quiet field is left out, same text
    marks = ", ".join(["kind", *(_field_mark(fc.pos) for fc in fields), *(f"x{i}" for i in range(len(record)))])
    # A line with the wrong number of fields gets ``count`` alone (its rule columns, read off missing fields, are
    # not used).
    return ", ".join(cols), f"CASE WHEN nf <> {nf} THEN 'count' ELSE concat_ws(';', {marks}) END"


def _pretests(line: str) -> str:
    """The field count and the line-level pre-tests of a record's text (``_marks_sql``)."""
    return f"{_count(line)} AS nf, {_ascii(line)} AS ascii, {_blanks(line)} AS blanks"


def _count(line: str) -> str:
    return f"length({line}) - length(replace({line}, '|', '')) + 1"


def _ascii(line: str) -> str:
    return f"NOT regexp_matches({line}, '{_NON_ASCII}')"


def _blanks(line: str) -> str:
    return f"regexp_matches({line}, '{_LINE_BLANKS}')"


def _built_pretests(q: str, nf: int) -> str:
    """``_pretests`` of the records as the writer built them (``pboc_lines.records_sql``), each test taken on the
    line only where what the writer already tested does not answer it: a record built as it is (``needs_`` false)
    has exactly ``nf`` fields and no match of ``_LINE_BLANKS`` (the writer's ``NEEDS_CLEANING``); a record whose
    fields did not match ``SUSPECT`` (``sus_`` false) is ASCII, cleaned or not."""
    line = f"{q}.line"
    return (f"CASE WHEN {q}.needs_ THEN {_count(line)} ELSE {int(nf)} END AS nf, "
            f"CASE WHEN {q}.sus_ THEN {_ascii(line)} ELSE true END AS ascii, "
            f"CASE WHEN {q}.needs_ THEN {_blanks(line)} ELSE false END AS blanks")


def line_marks(wh: Warehouse, plan: RecordPlan, table: str = RECORDS) -> pa.Table:
    """Every line of ``table`` that breaks a rule of ``plan``: ``n``, ``line`` and ``marks`` (module docstring),
    in line order, as an Arrow table (there can be one per record)."""
    params: list[Any] = []
    cols, marks = _marks_sql(plan, params)
    # The marks of every line are computed once, in the projection that returns them: a filter on the marks in
    # SQL is pushed below that projection (even into a materialised CTE) and evaluates every rule twice for the
    # lines that break one (on a bank without branch codes, every line), so the lines without marks are dropped in
    # Arrow.
    split = (f"SELECT n, line, {_pretests('line')}, {_fields(range(1, len(plan.fields) + 1))} "
             f"FROM (SELECT n, line, string_split(line, '|') AS f FROM {table}) q")
    found = wh.arrow(f"SELECT n, line, {marks} AS marks FROM (SELECT r.*, {cols} FROM ({split}) r) z ORDER BY n",
                     params)
    return found.filter(pc.not_equal(found.column("marks"), ""))


def checked_records(wh: Warehouse, lines: LinePlan, plan: RecordPlan, as_of: date, **flags: Any) -> pa.Table:
    """The detail records of one file (``engine.pboc_lines.detail_records``: ``line``, ``loan_id`` and the warning
    flags, file order) with what the rules of ``plan`` find on each — ``marks`` exactly as ``line_marks`` finds
    them on the line's text, ``""`` for none — and the text of the key fields (``v<pos>`` of ``plan.keys``,
    ``plan.serial`` and ``plan.branch``), from the statement that builds the records: the rules read each field's
    text as it is written, so the lines are not split again. The detail records are lines ``k + 1`` … of the file (``k`` summary
    rows): every rule reads the line number only to tell a summary row from a detail row."""
    return checked_file(wh, lines, plan, as_of, (), **flags)[1]


def checked_file(wh: Warehouse, lines: LinePlan, plan: RecordPlan, as_of: date, head: Sequence[str],
                 **flags: Any) -> tuple[pa.Table, pa.Table]:
    """``checked_records`` with the file's first lines ``head`` (its summary rows, as text; ``len(head)`` must be
    the plan's number of summary rows) checked in the same statement, as ``line_marks`` checks text: their
    ``(n, line, marks)`` (every head line, ``""`` for none), then the detail records."""
    sql, sparams, names = records_sql(lines, as_of, **flags)
    params: list[Any] = []
    cols, marks = _marks_sql(plan, params, _quiet_fields(lines, plan, head))
    nv = len(plan.fields)
    keys = [f"v{int(p)}" for p in sorted({*plan.keys, *(p for p in (plan.serial, plan.branch) if p is not None)})]
    fields = [f"v{i}" for i in range(1, nv + 1)]
    order = ["line", "loan_id", "branch_id", *names, *fields, "n", "nf", "ascii", "blanks"]
    source = (f"SELECT {', '.join(f'q.{c}' for c in order[:-4])}, {len(plan.summaries) + 1} AS n, "
              f"{_built_pretests('q', nv)} FROM ({sql}) q")
    if head:
        nulls = ", ".join([f"CAST(NULL AS VARCHAR) AS {c}" for c in ("loan_id", "branch_id")]
                          + [f"CAST(NULL AS BOOLEAN) AS {c}" for c in names])
        source = (f"SELECT line, {nulls}, {', '.join(fields)}, n, {_pretests('line')} FROM (SELECT n, line, "
                  f"{_fields(range(1, nv + 1))} FROM (SELECT n, line, string_split(line, '|') AS f FROM {_HEAD}) q) h "
                  f"UNION ALL {source}")
        load_records(wh, pa.array(list(head), pa.string()), _HEAD)
    try:
        table = wh.arrow(
            f"SELECT n, line, loan_id, {', '.join(names)}, {''.join(f'{k}, ' for k in keys)}{marks} AS marks "
            f"FROM (SELECT r.*, {cols} FROM ({source}) r) z ORDER BY z.n, z.branch_id, z.loan_id",
            [*params, *sparams])
    finally:
        if head:
            drop_records(wh, _HEAD)
    k = len(head)
    first = table.slice(0, k).select(["n", "line", "marks"])
    table = table.slice(k).drop_columns(["n"])
    return (first.cast(pa.schema([("n", pa.int32()), ("line", pa.string()), ("marks", pa.string())])),
            table.cast(pa.schema([("line", pa.string()), ("loan_id", pa.string()),
                                  *((name, pa.bool_()) for name in names), *((k, pa.string()) for k in keys),
                                  ("marks", pa.string())])))


def _quiet_fields(lines: LinePlan, plan: RecordPlan, head: Sequence[str]) -> frozenset[int]:
    """Positions of the fields that no row of ``checked_file`` can mark: written empty on every detail record (the
    constant ``''`` — a spare field, a summary-only field), empty on every summary row ``head`` of the right field
    count (a row of another count is marked ``count`` alone), and empty allowed on both (``passes_empty``)."""
    nf, k = len(plan.fields), len(plan.summaries)
    heads = [h.split("|") for h in head]
    heads = [h for h in heads if len(h) == nf]
    out = set()
    for fc, value in zip(plan.fields, lines.fields, strict=True):
        if value.kind != "const" or str(value.arg) != "" or not passes_empty(fc, fc.detail):
            continue
        if k and heads and not (passes_empty(fc, fc.summary) and all(h[fc.pos - 1] == "" for h in heads)):
            continue
        out.add(fc.pos)
    return frozenset(out)


def repeated_keys(wh: Warehouse, plan: RecordPlan, table: str = RECORDS) -> list[dict[str, Any]]:
    """Detail lines whose key repeats an earlier line's (with 交易流水号 when ``plan.serial``): ``pos`` (the key
    field), ``n``, ``line``, ``first`` (the line it repeats), ordered by key field, then line."""
    if not plan.keys:
        return []
    k, nf = len(plan.summaries), len(plan.fields)
    # every line is split once for all its key fields, into Arrow: a filter on a key of a split relation in SQL
    # (even a materialised one) is pushed below the split and splits the line again per key. Only the keys (not the
    # line text) are grouped, and the few repeated lines are read back by number.
    split = wh.arrow(
        f"SELECT n, {_fields([*plan.keys, plan.serial])} FROM (SELECT n, string_split(line, '|') AS f "
        f"FROM {table} WHERE n > {int(k)} AND length(line) - length(replace(line, '|', '')) + 1 = {nf}) q")
    return _repeats(wh, plan, split, table)


def repeated_record_keys(wh: Warehouse, plan: RecordPlan, records: pa.Table) -> list[dict[str, Any]]:
    """``repeated_keys`` over the detail records of ``checked_records`` (lines ``k + 1`` …, their key fields
    already read off by the records' statement)."""
    if not plan.keys:
        return []
    k = len(plan.summaries)
    whole = pc.not_equal(records.column("marks"), "count")  # a record of the wrong field count has no key
    fields = {f"v{int(p)}": records.column(f"v{int(p)}")
              for p in sorted({*plan.keys, *([plan.serial] if plan.serial is not None else [])})}
    if not _may_repeat(plan, pa.table(fields).filter(whole)):  # the usual file: every key once, nothing to find
        return []
    keys = pa.table({"n": pa.array(range(k + 1, k + 1 + records.num_rows), pa.int32()), **fields}).filter(whole)
    found = _repeats(wh, plan, keys, None)
    if found:
        lines = records.column("line").take(pa.array([int(r["n"]) - k - 1 for r in found]))
        for r, line in zip(found, lines.to_pylist(), strict=True):
            r["line"] = line
    return found


def _may_repeat(plan: RecordPlan, keys: pa.Table) -> bool:
    """Whether ``_repeats`` can find anything among ``keys``: some key field holds a value other than ``''`` / ``'0'``
    (and not null) twice with the same 交易流水号 — the groups of ``_repeats``' ``twice``, counted in Arrow (whose
    grouping, like SQL's, puts nulls of the serial together). False means ``_repeats`` returns ``[]``; True that
    the statement is run."""
    serial = keys.column(f"v{int(plan.serial)}") if plan.serial is not None else None
    for pos in plan.keys:
        v = keys.column(f"v{int(pos)}")
        usable = pc.and_(pc.is_valid(v), pc.invert(pc.is_in(v, value_set=pa.array(["", "0"], pa.string()))))
        # one text per key (the serial joined on; a null serial makes the text null, and nulls count as one value:
        # at worst a "maybe" that the statement then settles)
        key = v if serial is None else pc.binary_join_element_wise(v, serial, "\x00")
        key = key.filter(usable)
        if len(key) > 1 and len(pc.unique(key)) < len(key):
            return True
    return False


def _repeats(wh: Warehouse, plan: RecordPlan, keys: pa.Table, table: str | None) -> list[dict[str, Any]]:
    """The repeated keys among ``keys`` (``n`` and the key fields ``v<pos>``): ``pos``, ``n``, ``first`` and, with
    ``table``, the line's text from it."""
    serial = _f(plan.serial) if plan.serial is not None else "''"
    keyed = " UNION ALL ".join(
        f"SELECT {order} AS o, {int(pos)} AS pos, r.n, {_f(pos)} AS v, {serial} AS s FROM {_KEYS} r "
        f"WHERE {_f(pos)} NOT IN ('', '0')" for order, pos in enumerate(plan.keys))
    line, join = ("x.line, ", f"JOIN {table} x ON x.n = k.n ") if table is not None else ("", "")
    wh.register(_KEYS, keys)
    try:
        return wh.rows(f"""
            WITH keyed AS MATERIALIZED ({keyed}),
            twice AS (SELECT o, v, s, min(n) AS first FROM keyed GROUP BY o, v, s HAVING count(*) > 1)
            SELECT k.pos, k.n, {line}t.first FROM keyed k JOIN twice t ON t.o = k.o AND t.v = k.v AND t.s = k.s
            {join}WHERE k.n > t.first ORDER BY k.o, k.n""")
    finally:
        wh.unregister(_KEYS)


def summary_records(wh: Warehouse, k: int, table: str = RECORDS) -> list[str]:
    """The text of the first ``k`` lines (the summary rows), in order."""
    if k <= 0:
        return []
    return [str(r["line"]) for r in wh.rows(f"SELECT line FROM {table} WHERE n <= {int(k)} ORDER BY n")]


def load_records(wh: Warehouse, lines: pa.Array, table: str = RECORDS) -> None:
    """``lines`` (text, in file order) as the relation ``(n, line)`` checked above, numbered from 1."""
    wh.register(table, pa.table({"n": pa.array(range(1, len(lines) + 1), pa.int32()), "line": lines}))


def drop_records(wh: Warehouse, table: str = RECORDS) -> None:
    wh.unregister(table)


def scratch() -> Warehouse:
    """A private in-memory DuckDB for checking records that are not in a warehouse (a file read back, a test)."""
    return Warehouse(":memory:")
