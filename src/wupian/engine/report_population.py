"""One row population of a regulatory table (``metrics_reports.report_rows``), narrowed to the columns its conditions
and measures read.

The enriched relation of ``metrics_reports`` joins every loan row of a tag with its loan, the tech-industry
tag's fired rules, the borrower and the branch's 统一社会信用代码, and carries about forty columns. A report row of
a tag reads only its condition's columns and the measures', so each tag's population is built here with exactly
those columns, each defined by the same expression as in the enriched relation, and with only the joins they need:
the 2M rows of ``all_loans`` are read from ``loans`` alone when its conditions ask nothing of the borrower.
``populations_sql`` puts the rows of several tags in one relation (the tag in ``tag_``), joining ``loans`` and the
borrower once for all of them instead of once per tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from wupian.engine.loan_scope import business_loan_sql

# column of the enriched relation → (its expression, the join it needs: "" loans only, "c" customers,
# "ti" the tech_industry tag's rules, "t" the tag row)
_TECH = (("tech_htp", "tech.industry.htp"), ("tech_hts", "tech.industry.hts"),
         ("tech_se", "tech.industry.se"), ("tech_pa", "tech.industry.pa"))
COLUMNS: dict[str, tuple[str, str]] = {
    "loan_id": ("l.loan_id", ""), "contract_id": ("l.contract_id", ""), "customer_id": ("l.customer_id", ""),
    "branch_id": ("l.branch_id", ""), "business_type": ("l.business_type", ""), "product_type": ("l.product_type", ""),
    "balance": ("l.balance", ""), "drawdown_date": ("l.drawdown_date", ""), "drawdown_amount": ("l.drawdown_amount", ""),
    "maturity_date": ("l.maturity_date", ""), "interest_rate": ("l.interest_rate", ""),
    "five_class": ("l.five_class", ""), "guarantee_type": ("l.guarantee_type", ""),
    "is_restructured": ("coalesce(l.is_restructured, false)", ""),
    **{f"{col}_given": (f"l.{col}", "") for col, _ in _TECH},
    **{col: (f"CASE WHEN list_contains(string_split(coalesce(ti.rule_ids, ''), ','), '{rule}') THEN l.{col} END", "ti")
       for col, rule in _TECH},
    "pension_code": ("l.pension_code", ""), "digital_code": ("l.digital_code", ""),
    "startup_guarantee": ("l.startup_guarantee", ""),
    "is_student_loan": ("coalesce(l.is_student_loan, false)", ""),
    "is_ex_poverty_consumer": ("coalesce(l.is_ex_poverty_consumer, false)", ""),
    "is_business_loan": (business_loan_sql("l"), ""), "bill_no": ("l.bill_no", ""),
    "drawdown_serial": ("l.drawdown_serial", ""),
    "customer_type": ("c.customer_type", "c"), "declared_size": ("c.declared_size", "c"), "id_code": ("c.id_code", "c"),
    "credit_limit_total": ("c.credit_limit_total", "c"), "birth_date": ("c.birth_date", "c"),
    "rule_ids": ("t.rule_ids", "t"), "amount": ("CAST(t.amount AS DECIMAL(38, 2))", "t"),
    "as_of_": ("l.as_of", ""), "profile_": ("CAST(? AS VARCHAR)", "p"),
}
_REF = re.compile(r"\be\.(\w+)")


def referenced(sql: Iterable[str]) -> set[str]:
    """The enriched-relation columns ``e.<name>`` that SQL texts read."""
    return {name for text in sql for name in _REF.findall(text)}


def population_sql(as_of: date, profile: str, tag: str, columns: Iterable[str], subtree: str | None,
                   snapshot_where: str | None) -> tuple[str, list[Any]]:
    """The rows of ``tag`` (classified ``loan_tags`` rows, or every loan meeting ``snapshot_where`` counted at its
    balance) with ``columns`` only; ``closure`` must be in scope when ``subtree`` is set."""
    return populations_sql(as_of, profile, {tag: snapshot_where}, columns, subtree)


def populations_sql(as_of: date, profile: str, tags: Mapping[str, str | None], columns: Iterable[str],
                    subtree: str | None,
                    keep: Mapping[str, tuple[str, list[Any]]] | None = None) -> tuple[str, list[Any]]:
    """The rows of every tag of ``tags`` in one relation, the tag in column ``tag_``: a tag mapped to None is read
    from the classified ``loan_tags`` rows, a tag mapped to a condition is every loan meeting it, counted at its
    balance (``rule_ids`` NULL). Each column has the expression of the one-tag population, ``loans`` is joined once
    for every tag (not once per tag) and the borrower and tech-rule joins only when ``columns`` read them;
    ``closure`` must be in scope when ``subtree`` is set. When every tag is a snapshot tag, ``loans`` is read once
    for all of them and each loan gets the first tag whose condition it meets: their conditions must be disjoint
    (``metrics_reports.SNAPSHOT_TAGS`` are: in scope, 转贴现). ``keep`` (snapshot tag → a test on ``l.customer_id`` and
    its params) leaves out that tag's rows that fail it."""
    wanted = sorted(set(columns))
    unknown = [c for c in wanted if c not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown report column(s) {unknown}")
    joins = {COLUMNS[c][1] for c in wanted}
    params: list[Any] = []
    # snapshot tags only (one, or several whose conditions are disjoint): read from ``loans`` directly, the tag by a
    # CASE on the conditions; otherwise the tag rows are joined to ``loans`` once
    snapshot = [(t, w) for t, w in tags.items() if w is not None]
    alone = " OR ".join(f"({w})" for _, w in snapshot) if tags and len(snapshot) == len(tags) else None
    if alone and len(snapshot) == 1:
        select = ["CAST(? AS VARCHAR) AS tag_"]
        params.append(snapshot[0][0])
    elif alone:
        select = ["CASE " + " ".join(f"WHEN {w} THEN CAST(? AS VARCHAR)" for _, w in snapshot) + " END AS tag_"]
        params += [t for t, _ in snapshot]
    else:
        select = ["t.tag AS tag_"]
    for c in wanted:
        expr, need = COLUMNS[c]
        if need == "p":
            params.append(profile)
        elif c == "amount":
            expr = "CAST(l.balance AS DECIMAL(38, 2))" if alone else "t.amount"  # DECIMAL(38, 2) in every tag row
        elif c == "rule_ids" and alone:
            expr = "CAST(NULL AS VARCHAR)"
        select.append(f"{expr} AS {c}")
    rows: list[str] = []
    tparams: list[Any] = []
    classified = [t for t, where in tags.items() if where is None]
    if classified:
        rows.append("SELECT loan_id, tag, CAST(amount AS DECIMAL(38, 2)) AS amount, rule_ids FROM loan_tags "
                    f"WHERE as_of = ? AND profile = ? AND tag IN ({', '.join('?' for _ in classified)})")
        tparams += [as_of, profile, *classified]
    for tag, where in tags.items():
        if where is not None:
            rows.append("SELECT l.loan_id, CAST(? AS VARCHAR) AS tag, CAST(l.balance AS DECIMAL(38, 2)) AS amount, "
                        f"CAST(NULL AS VARCHAR) AS rule_ids FROM loans l WHERE l.as_of = ? AND {where}")
            tparams += [tag, as_of]
    source = f"({' UNION ALL '.join(rows)}) t JOIN loans l ON l.as_of = ? AND l.loan_id = t.loan_id"
    jparams: list[Any] = [as_of]
    if alone:
        source, tparams, jparams = "loans l", [], []
    if "ti" in joins:
        source += (" LEFT JOIN loan_tags ti ON ti.as_of = l.as_of AND ti.profile = ? AND ti.loan_id = l.loan_id"
                   " AND ti.tag = 'tech_industry'")
        jparams.append(profile)
    if "c" in joins:
        source += " LEFT JOIN customers c ON c.as_of = l.as_of AND c.customer_id = l.customer_id"
    where, wparams = (f"l.as_of = ? AND ({alone})", [as_of]) if alone else ("TRUE", [])
    if subtree:
        where += " AND l.branch_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)"
        wparams.append(subtree)
    for tag, (test, kparams) in (keep or {}).items():
        if tags.get(tag) is None:
            raise ValueError(f"only a snapshot tag's rows can be narrowed by borrower, not {tag!r}")
        # the row is of ``tag``: its own condition when read alone (the tags' conditions are disjoint), else its tag
        mine = f"coalesce(({tags[tag]}), false)" if alone else "t.tag = ?"
        where += f" AND (NOT {mine} OR {test})"
        wparams += [*([] if alone else [tag]), *kparams]
    return f"SELECT {', '.join(select)} FROM {source} WHERE {where}", [*params, *tparams, *jparams, *wparams]
