"""Review worklists: loans that may be missing a five-priorities code, or whose code contradicts their purpose.

Built from the packaged reference data in one SQL pass over a snapshot's loans (never counted automatically):

* 可能漏标 — the purpose industry (贷款实际投向, GB/T 4754 小类) is listed by the green catalogue or by an NBS
  classification behind HTP/HTS/SE/PA/EC/DE, but the loan carries no code for that category; or the borrower is a
  全国养老机构 and the loan has no 养老产业类型;
* 代码与投向不符 — a code is given but the purpose industry is not mapped to it (e.g. HTP03 on an industry
  outside 电子及通信设备制造业), or the green item does not list the industry. For HTP/HTS/SE/PA/EC/DE the industry
  is authoritative: such a code is not counted (``code_fits_sql``) unless a ``code_acceptances`` row accepts it,
  and an unresolved one is an ERROR of the month-end run (``unresolved_contradictions``);
* 带*行业无佐证 — DE05 (all 05 industries are starred) without digital evidence: not counted under PBOC.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from string import Formatter

import pyarrow as pa

from wupian.engine.loan_scope import in_scope_sql
from wupian.engine.warehouse import Warehouse
from wupian.reference.classifications import five_articles_reference, review_code
from wupian.reference.green import green_industry_rows

# (loan column, code prefix it holds, zh category name)
CODE_COLUMNS = (
    ("tech_htp", "HTP", "高技术制造业"),
    ("tech_hts", "HTS", "高技术服务业"),
    ("tech_se", "SE", "战略性新兴产业"),
    ("tech_pa", "PA", "知识产权（专利）密集型产业"),
    ("pension_code", "EC", "养老产业"),
    ("digital_code", "DE", "数字经济产业"),
)


def register_code_reference(wh: Warehouse) -> None:
    """Temp views ``ref_five_industry`` (industry, code, category_name, star): the NBS mappings behind the codes,
    and ``ref_industry_codes`` (industry, codes): the codes each 4-digit industry supports."""
    refs = five_articles_reference()
    by_industry: dict[str, set[str]] = {}
    for m in refs:
        if review_code(m):
            by_industry.setdefault(m.gbt4754_code, set()).add(review_code(m))
    wh.register("ref_industry_codes", pa.table({
        "industry": list(by_industry), "codes": [sorted(v) for v in by_industry.values()]}))
    _register_five_industry(wh)


def _register_five_industry(wh: Warehouse) -> None:
    """Temp view ``ref_five_industry`` alone: all the month-end contradictions read."""
    refs = five_articles_reference()
    wh.register("ref_five_industry", pa.table({
        "industry": [m.gbt4754_code for m in refs],
        "code": [review_code(m) for m in refs],
        "category_name": [m.category_name for m in refs],
        "star": [m.partial_star for m in refs],
    }))


def purpose_industry_sql(column: str) -> str:
    """The purpose industry as a bare GB/T 4754 code (a leading 门类 letter dropped, upper-cased, trimmed)."""
    u = f"upper(trim({column}))"
    # A letter A–T then a digit, tested by plain comparisons (portable, and far cheaper than a regex per row).
    return (f"CASE WHEN substr({u}, 1, 1) BETWEEN 'A' AND 'T' AND substr({u}, 2, 1) BETWEEN '0' AND '9' "
            f"THEN substr({u}, 2) ELSE {u} END")


def mapped_codes() -> tuple[str, ...]:
    """Every code that has an industry mapping (HTS09 其他高技术服务 has none: never a contradiction)."""
    return tuple(sorted({c for c in (review_code(m) for m in five_articles_reference()) if c}))


def code_fits_sql(col: str, loan: str = "l", ind: str = "ind", codes: str = "ric.codes",
                  accepted: str = "acc.items") -> str:
    """TRUE unless ``col`` holds a code that contradicts the loan's 4-digit purpose industry ``ind``: the code has a
    mapping, the industry's mapped codes ``codes`` (a list from ``ref_industry_codes`` joined on the industry; NULL
    for an industry no classification lists) do not include it — starred industries are included: the bank's
    judgement — and no acceptance ``<col>=<code>`` is in ``accepted`` (the loan's ``code_acceptances`` items)."""
    mapped = ", ".join("'" + c + "'" for c in mapped_codes())
    # A blank code fits (the test below is never TRUE for it): decided first, so that the list look-ups run only
    # for the loans that carry a code (a CASE evaluates its ELSE for the rows that reach it). The mapped codes are
    # a list literal, not an IN list: DuckDB turns a long IN list into a MARK join under the whole projection,
    # evaluated for every loan, blank code or not (six of them per loan: ≈ 0.5–0.9 s CPU at 10M loans).
    return f"""CASE WHEN {loan}.{col} IS NULL THEN TRUE ELSE NOT coalesce(list_contains([{mapped}], {loan}.{col})
        AND length({ind}) = 4
        AND NOT coalesce(list_contains({codes}, {loan}.{col}), false)
        AND NOT coalesce(list_contains({accepted}, '{col}=' || {loan}.{col}), false), false) END"""


def register_review_reference(wh: Warehouse, catalogue: str) -> None:
    register_code_reference(wh)
    green = [r for r in green_industry_rows(catalogue) if r.industry_code != "-"]
    wh.register("ref_green_industry", pa.table({
        "industry": [r.industry_code for r in green],
        "l3_code": [r.l3_code for r in green],
        "l3_name": [r.l3_name for r in green],
    }))


def contradiction_sql(col: str, prefix: str, zh: str, month_end: bool = False) -> str:
    """The loans of ``rv_loans`` whose code in ``col`` (codes starting ``prefix``, category ``zh``) contradicts the
    purpose industry: the code has an industry mapping and the industry is not mapped to it. The worklist's columns
    (loan_id, customer_id, kind, field, code, purpose_industry_code, reason, suggestion), or with ``month_end`` the
    month-end check's (loan_id, branch_id, balance, category, field, code, purpose_industry_code, suggestion): the
    loan's booking branch and balance carried along (no join back to the loans), the category ``zh``, no reason text
    (the check words its own), and no test of the industry's length: the month-end ``rv_loans`` holds only loans
    whose ``ind`` has 4 characters (the arms' test would be pushed down into its read of every loan, the industry
    expression evaluated on the 2M rows before the cheap test of a code)."""
    who = (f"l.loan_id, l.branch_id, l.balance, '{zh}' AS category" if month_end
           else "l.loan_id, l.customer_id, 'contradiction' AS kind")
    four = "" if month_end else " AND l.ind IS NOT NULL AND length(l.ind) = 4"
    reason = "" if month_end else (
        f"concat('填报{zh}类型 ', l.{col}, '，但贷款实际投向 ', l.ind, ' 不在该类别对应的国民经济行业中') AS reason,")
    return f"""
SELECT {who}, '{col}' AS field, l.{col} AS code,
    l.ind AS purpose_industry_code,
    {reason}
    COALESCE((SELECT '该投向对应 ' || string_agg(DISTINCT r2.code, '、' ORDER BY r2.code) FROM ref_five_industry r2
              WHERE r2.industry = l.ind AND starts_with(r2.code, '{prefix}')), '核实贷款实际投向或取消该代码')
        AS suggestion
FROM rv_loans l
WHERE l.{col} IS NOT NULL{four}
  AND EXISTS (SELECT 1 FROM ref_five_industry r WHERE r.code = l.{col})
  AND NOT EXISTS (SELECT 1 FROM ref_five_industry r WHERE r.industry = l.ind AND r.code = l.{col})"""


def worklist_sql(contradictions_only: bool = False) -> str:
    """One SELECT over temp view ``rv_loans`` (in-scope loans of the date with a normalised purpose code); with
    ``contradictions_only`` just the HTP/HTS/SE/PA/EC/DE contradictions (the month-end check)."""
    parts = []
    for col, prefix, zh in CODE_COLUMNS:
        if not contradictions_only:
            parts.append(f"""
SELECT l.loan_id, l.customer_id, 'possibly_missed' AS kind, '{col}' AS field, NULL AS code, l.ind AS purpose_industry_code,
    concat('贷款实际投向 ', l.ind, ' 属于{zh}分类（', string_agg(DISTINCT concat(r.code, ' ', r.category_name), '、' ORDER BY concat(r.code, ' ', r.category_name)), '），但未填报{zh}类型') AS reason,
    concat('核实用途后填报 ', min(r.code)) AS suggestion
FROM rv_loans l JOIN ref_five_industry r ON r.industry = l.ind AND starts_with(r.code, '{prefix}')
WHERE l.{col} IS NULL AND NOT (r.code = 'DE05')
  AND (l.business_type IN ('corporate', 'bill_direct') OR '{prefix}' = 'EC')
GROUP BY l.loan_id, l.customer_id, l.ind""")
        parts.append(contradiction_sql(col, prefix, zh))
    if contradictions_only:
        return "\nUNION ALL\n".join(parts)
    parts.append("""
SELECT l.loan_id, l.customer_id, 'possibly_missed', 'pension_code', NULL, l.ind,
    '借款人为全国养老机构，但未填报养老产业类型，未计入养老产业贷款',
    '核实用途：投向养老产业（占比无法判断时按借款人为养老机构）的，填报养老产业类型（养老机构多为 EC01 养老照护服务）'
FROM rv_loans l JOIN customers c ON c.as_of = l.as_of AND c.customer_id = l.customer_id
WHERE l.pension_code IS NULL
  AND NOT EXISTS (SELECT 1 FROM ref_five_industry r WHERE r.industry = l.ind AND starts_with(r.code, 'EC'))
  AND EXISTS (SELECT 1 FROM registries g WHERE g.as_of = l.as_of AND g.registry = 'national_elderly_care_institution'
              AND upper(trim(g.id_code)) = upper(trim(c.id_code))
              AND (g.valid_from IS NULL OR g.valid_from <= l.as_of) AND (g.valid_to IS NULL OR g.valid_to >= l.as_of))""")
    parts.append("""
SELECT l.loan_id, l.customer_id, 'possibly_missed', 'green_code', NULL, l.ind,
    concat('贷款实际投向 ', l.ind, ' 见于绿色金融支持项目目录条目（', string_agg(DISTINCT concat(g.l3_code, ' ', g.l3_name), '、' ORDER BY concat(g.l3_code, ' ', g.l3_name)), '），但未填报绿色项目分类'),
    '核实用途及目录条件后填报三级条目编码'
FROM rv_loans l JOIN ref_green_industry g ON g.industry = l.ind
WHERE l.green_code IS NULL
GROUP BY l.loan_id, l.customer_id, l.ind""")
    parts.append("""
SELECT l.loan_id, l.customer_id, 'contradiction', 'green_code', l.green_code, l.ind,
    concat('绿色项目分类 ', l.green_code, ' 的目录条目未列出贷款实际投向 ', l.ind),
    '核实绿色用途或贷款实际投向'
FROM rv_loans l
WHERE l.green_code IS NOT NULL AND l.ind IS NOT NULL AND length(l.ind) = 4
  AND EXISTS (SELECT 1 FROM ref_green_industry g WHERE g.l3_code = l.green_code)
  AND NOT EXISTS (SELECT 1 FROM ref_green_industry g WHERE g.l3_code = l.green_code AND g.industry = l.ind)""")
    parts.append("""
SELECT l.loan_id, l.customer_id, 'star_without_evidence', 'digital_code', l.digital_code, l.ind,
    '数字化效率提升业（DE05）对应的国民经济行业均带*，无数字化佐证时人民银行口径不纳入统计',
    '补充数字化佐证（digital_evidence）或取消 DE05'
FROM rv_loans l WHERE l.digital_code = 'DE05' AND NOT COALESCE(l.digital_evidence, FALSE)""")
    return "\nUNION ALL\n".join(parts)


def _review_loans(wh: Warehouse, as_of: date, catalogue: str) -> None:
    """The temp table ``rv_loans`` the worklist reads: the in-scope loans of the date with a normalised purpose code
    (``ind``), their booking branch and balance."""
    register_review_reference(wh, catalogue)
    wh.execute(
        """CREATE OR REPLACE TEMP TABLE rv_loans AS
           SELECT as_of, loan_id, customer_id, business_type, green_code, digital_evidence, tech_htp, tech_hts,
                  tech_se, tech_pa, pension_code, digital_code, branch_id, balance,
                  """ + purpose_industry_sql("purpose_industry_code") + """ AS ind
           FROM loans
           WHERE as_of = CAST(? AS DATE) AND """ + in_scope_sql(""),
        [as_of],
    )


def _drop_review_loans(wh: Warehouse) -> None:
    """``rv_loans`` holds every in-scope loan of the date in memory (GBs at 10M loans): dropped once read."""
    wh.execute("DROP TABLE IF EXISTS rv_loans")


# an acceptance covers a contradiction of the same loan, field and code (``code_acceptances``)
_ACCEPTS = ("code_acceptances a ON a.as_of = CAST(? AS DATE) AND a.loan_id = w.loan_id AND a.field = w.field "
            "AND trim(a.code) = w.code")
_ACCEPTED = f"{_ACCEPTS} AND w.kind = 'contradiction'"


def review_worklist(wh: Warehouse, as_of: date, catalogue: str, contradictions_only: bool = False) -> pa.Table:
    """Worklist rows: loan_id, customer_id, kind, field, code, purpose_industry_code, reason, suggestion, and the
    acceptance (accepted_reason, accepted_by, accepted_at) of an accepted contradiction."""
    _review_loans(wh, as_of, catalogue)
    try:
        return wh.arrow(f"""SELECT w.*, a.reason AS accepted_reason, a.accepted_by, a.accepted_at
            FROM ({worklist_sql(contradictions_only)}) w
            LEFT JOIN {_ACCEPTED}
            ORDER BY w.loan_id, w.kind, w.field""", [as_of])
    finally:
        _drop_review_loans(wh)


def unresolved_contradictions(wh: Warehouse, as_of: date, message: str,
                              nodes: Collection[str] | None = None) -> pa.Table:
    """Contradictions of an NBS-mapped code (HTP/HTS/SE/PA/EC/DE) with the purpose industry that no acceptance
    covers, of the loans booked at a branch of ``nodes`` (every loan when None): the month-end ERROR worklist, in
    (loan, field) order, as (key ``loan_id=<id>``, field, message). The message is ``message`` rendered per row as
    ``message.format(**fields)`` renders it (``CONTRADICTION_FIELDS``: a missing value as ``None``, the balance as
    its exact digits), in the statement: its fixed texts bound as parameters, no Python per row.

    One statement: the in-scope loans of the date that carry any of those codes (a contradiction needs a code;
    ≈ 1 in 6 loans) and a 4-character industry (a contradiction needs one) are read once into the statement's own
    ``rv_loans`` — the rows ``review_worklist`` lists as
    unaccepted contradictions, without a temp table of every loan of the date; the message is built after the sort
    (the sort carries the short columns, not ≈ 150 bytes of text per row). It reads the NBS mappings only
    (``ref_five_industry``), not the industries' code lists nor the green catalogue of the review worklist."""
    _register_five_industry(wh)
    text, params = _worded(message)
    fields = [c for c, _, _ in CODE_COLUMNS]
    coded = " OR ".join(f"{c} IS NOT NULL" for c in fields)
    tests = "\nUNION ALL\n".join(contradiction_sql(col, prefix, zh, month_end=True) for col, prefix, zh in CODE_COLUMNS)
    ind = purpose_industry_sql("purpose_industry_code")
    booked = ""
    if nodes is not None:
        wh.register(_NODES, pa.table({"branch_id": pa.array(sorted(nodes), pa.string())}))
        booked = f"AND branch_id IN (SELECT branch_id FROM {_NODES})"
    try:
        return wh.arrow(
            f"""WITH rv_loans AS MATERIALIZED (
                    SELECT loan_id, branch_id, balance, {', '.join(fields)},
                           {ind} AS ind
                    FROM loans WHERE as_of = CAST(? AS DATE) AND ({coded}) AND {in_scope_sql("")} AND length({ind}) = 4
                          {booked})
                SELECT 'loan_id=' || w.loan_id AS key, w.field, {text} AS message
                FROM (SELECT w.*
                      FROM ({tests}) w
                      LEFT JOIN {_ACCEPTS}
                      WHERE a.reason IS NULL
                      ORDER BY w.loan_id, w.field) w""", [as_of, *params, as_of])
    finally:
        if nodes is not None:
            wh.unregister(_NODES)


_NODES = "rc_nodes"  # the branches whose loans' contradictions are listed (a temp view of the connection)
# the fields a contradiction's message may name, as the text ``str.format`` renders (None for a missing value): the
# balance, DECIMAL(38,2), as its digits — through DECIMAL(18,2) when it fits (the 38-digit cast costs ≈ 0.5 µs a row)
CONTRADICTION_FIELDS = {
    "category": "w.category", "field": "w.field", "code": "w.code", "purpose_industry_code": "w.purpose_industry_code",
    "branch_id": "w.branch_id", "suggestion": "w.suggestion",
    "balance": "CASE WHEN abs(w.balance) < 10000000000000000 THEN CAST(CAST(w.balance AS DECIMAL(18, 2)) AS VARCHAR) "
               "ELSE CAST(w.balance AS VARCHAR) END"}


def _worded(template: str) -> tuple[str, list[str]]:
    """``template`` (``str.format`` fields of ``CONTRADICTION_FIELDS``, no conversion or format spec) as a SQL text
    expression over the contradiction ``w`` and the parameters of its fixed texts, in order."""
    parts: list[str] = []
    params: list[str] = []
    for literal, name, spec, conversion in Formatter().parse(template):
        if literal:
            parts.append("CAST(? AS VARCHAR)")
            params.append(literal)
        if name is not None:
            if name not in CONTRADICTION_FIELDS or spec or conversion:
                raise ValueError(f"a contradiction's message cannot render {{{name}}}")
            parts.append(f"coalesce({CONTRADICTION_FIELDS[name]}, 'None')")
    return (f"concat({', '.join(parts)})" if parts else "''"), params
