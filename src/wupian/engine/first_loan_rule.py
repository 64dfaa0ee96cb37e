"""The one home of the 首贷户 (first-loan customer) rule as SQL.

A customer's first loan at this bank (legal-entity level, PBOC P4 “是否首次贷款”; ``domain-rules.md`` 5.6):

* when the bank supplies ``is_first_loan`` on any of the customer's own-lending loans up to the date (the
  ``flag`` source), the flagged loans are the first loans and the earliest flagged drawdown dates it;
* otherwise (the ``history`` source, as the data contract says: “derived from history when absent”) the earliest
  own-lending drawdown over every loaded snapshot up to the date (ties by loan id) is the first loan — unless the
  customer's ``first_credit_date`` is earlier, when the first loan predates the data and no loan of ours is it.

The per-customer facts (``classify_customers``: ``first_loan_date``/``first_loan_id``/``first_loan_source``) and
the indicators' ``first_loan`` filter (``metrics.first_loans_cte``: a loan counts when it is one of its
customer's first loans) are built from these functions; neither re-states the rule.
"""

from __future__ import annotations

from wupian.engine.loan_scope import own_lending_sql


def history_aggregates(own: str = "", *, loan_ids: bool = True, flags: tuple[bool, bool] = (True, True)) -> str:
    """The per-customer aggregates over the loans up to the date (``GROUP BY customer_id``): ``has_flag``,
    ``flag_date``, ``flag_loan``, ``hist_date``, ``hist_loan``. ``own`` is a boolean column/expression
    prefix such as ``"own AND "`` when the rows are not already restricted to the bank's own lending. Without
    ``loan_ids`` the two loan ids (``flag_loan``, ``hist_loan``: ``arg_min`` over a (date, id) key, the costly
    pair — ≈ 40 % of a 3.3M-customer aggregate) are left out: the source and the date need neither.

    ``flags`` (:func:`flags_present_sql`, over the same loans): whether any of them has an ``is_first_loan`` that
    is not NULL, and whether any has it TRUE. Where none has, the aggregates that test the flag are the constants
    they would give on every customer — ``has_flag`` FALSE (no row passes ``is_first_loan IS NOT NULL``),
    ``flag_date``/``flag_loan`` NULL (no row passes ``is_first_loan``) — and are not computed (issue 14: the flag
    pair's ``arg_min`` costs ≈ 0.6 s CPU over 10M loans of which none is flagged)."""
    any_set, any_true = flags
    hist = f" FILTER (WHERE {own.removesuffix(' AND ')})" if own else ""
    has_flag = f"bool_or({own}is_first_loan IS NOT NULL)" if any_set else "FALSE"
    flag_date = (f"min(drawdown_date) FILTER (WHERE {own}is_first_loan)" if any_set and any_true
                 else "CAST(NULL AS DATE)")
    flag_loan = (f"arg_min(loan_id, (drawdown_date, loan_id)) FILTER (WHERE {own}is_first_loan)"
                 if any_set and any_true else "CAST(NULL AS VARCHAR)")
    flag_loan = f"""
        {flag_loan} AS flag_loan,"""
    hist_loan = f""",
        arg_min(loan_id, (drawdown_date, loan_id)){hist} AS hist_loan"""
    return f"""{has_flag} AS has_flag,
        {flag_date} AS flag_date,{flag_loan if loan_ids else ""}
        min(drawdown_date){hist} AS hist_date{hist_loan if loan_ids else ""}"""


def flags_present_sql() -> str:
    """A query of one row ``(any_set, any_true)`` over the loans up to the date (one bound parameter, the as-of
    date): whether any has an ``is_first_loan`` that is not NULL, whether any has it TRUE (NULL when there are no
    loans) — the ``flags`` of :func:`history_aggregates`. A scan of one column (none where the loans' view gives
    the flag as a constant NULL: a source without it)."""
    return ("SELECT bool_or(is_first_loan IS NOT NULL) AS any_set, bool_or(is_first_loan) AS any_true "
            "FROM loans WHERE as_of <= ?")


def first_loan_date_sql(la: str = "la", c: str = "c") -> str:
    """The customer's first-loan date from the aggregates ``la`` and the customer row ``c``."""
    return (f"CASE WHEN {la}.has_flag THEN {la}.flag_date "
            f"ELSE least({la}.hist_date, {c}.first_credit_date) END")


def first_loan_id_sql(la: str = "la", c: str = "c") -> str:
    """The loan id of the customer's first loan at this bank (NULL when it predates the loaded data)."""
    return (f"CASE WHEN {la}.has_flag THEN {la}.flag_loan "
            f"WHEN {c}.first_credit_date IS NOT NULL AND {c}.first_credit_date < {la}.hist_date THEN NULL "
            f"ELSE {la}.hist_loan END")


def first_loan_source_sql(la: str = "la", c: str = "c", has_own: str = "la.has_own") -> str:
    """``flag`` / ``history`` / NULL (nothing known of the customer's lending)."""
    return (f"CASE WHEN {la}.has_flag THEN 'flag' WHEN {has_own} OR {c}.first_credit_date IS NOT NULL "
            "THEN 'history' END")


def first_loan_ids_relation() -> str:
    """A relation ``(first_customer_id, first_loan_id)``: the first loans the history decides that were drawn in
    the year to date — one per customer with own-lending loans up to the as-of date and no ``is_first_loan`` flag
    on any of them (a flagged customer's first loans are its flagged loans), when that loan is ours (not predated
    by ``first_credit_date``) and drawn this year. Bound parameters, in order: as-of date (the history), as-of date
    (customers), year start, as-of date. ``kept_first_loans_sql`` gives the same rows from ``cls_cust``."""
    return f"""(SELECT la.customer_id AS first_customer_id, la.hist_loan AS first_loan_id
    FROM (SELECT customer_id, {history_aggregates()}
          FROM loans
          WHERE as_of <= ? AND {own_lending_sql('')}
          GROUP BY customer_id) AS la
    LEFT JOIN customers c ON c.customer_id = la.customer_id AND c.as_of = ?
    WHERE NOT la.has_flag AND ({first_loan_id_sql('la', 'c')}) IS NOT NULL AND la.hist_date BETWEEN ? AND ?)"""


def any_history_first_loan_sql() -> str:
    """A query with one row when :func:`first_loan_ids_relation` has any row, else none — from two cheap
    aggregates per customer (``bool_or``, ``min``) instead of the ``arg_min`` pairs: a history-decided first loan
    drawn this year exists exactly when some customer with own lending up to the date has no flag, its earliest own
    drawdown (``hist_date``, whose loan is ``hist_loan``, never NULL then) falls in the year to date, and its
    ``first_credit_date`` is not earlier (:func:`first_loan_id_sql`). Bound parameters as
    :func:`first_loan_ids_relation`'s."""
    return f"""SELECT 1 FROM (SELECT customer_id, bool_or(is_first_loan IS NOT NULL) AS has_flag,
          min(drawdown_date) AS hist_date
          FROM loans
          WHERE as_of <= ? AND {own_lending_sql('')}
          GROUP BY customer_id) AS la
    LEFT JOIN customers c ON c.customer_id = la.customer_id AND c.as_of = ?
    WHERE NOT la.has_flag AND la.hist_date BETWEEN ? AND ?
      AND NOT coalesce(c.first_credit_date < la.hist_date, false)
    LIMIT 1"""


def first_loans_of_sql(candidates: str) -> str:
    """The rows of :func:`first_loan_ids_relation` for the customers of ``candidates`` (a query of
    ``customer_id``s; a customer not in it has no row), the history aggregated over those customers' loans only.
    Bound parameters: those of ``candidates``, then as :func:`first_loan_ids_relation`'s."""
    return f"""SELECT la.customer_id AS first_customer_id, la.hist_loan AS first_loan_id
    FROM (SELECT customer_id, {history_aggregates()}
          FROM loans
          WHERE customer_id IN ({candidates}) AND as_of <= ? AND {own_lending_sql('')}
          GROUP BY customer_id) AS la
    LEFT JOIN customers c ON c.customer_id = la.customer_id AND c.as_of = ?
    WHERE NOT la.has_flag AND ({first_loan_id_sql('la', 'c')}) IS NOT NULL AND la.hist_date BETWEEN ? AND ?"""


def kept_first_loans_from_dates_sql(cust: str = "cls_cust") -> str:
    """:func:`kept_first_loans_sql` for a per-customer facts table without ``first_loan_id`` (``classify_customers``
    on demand: ``first_loan_source``/``first_loan_date`` only): the customers whose first loan the history decides
    and dates this year are the candidates (a few, or none), and :func:`first_loans_of_sql` finds their loans.
    Bound parameters: year start, as-of date (the candidates), as-of date (the history), as-of date (customers),
    year start, as-of date."""
    return first_loans_of_sql(first_loan_candidates_sql(cust))


def first_loan_candidates_sql(cust: str = "cls_cust") -> str:
    """The ``customer_id``s of a per-customer facts table ``cust`` whose first loan the history decides and dates
    in the year to date: the customers :func:`kept_first_loans_from_dates_sql` looks at. Bound parameters: year
    start, as-of date."""
    return (f"SELECT customer_id FROM {cust} WHERE first_loan_source = 'history' "
            "AND first_loan_date BETWEEN ? AND ?")


def kept_first_loans_sql(cust: str = "cls_cust") -> str:
    """The rows of :func:`first_loan_ids_relation` for the customers of a per-customer facts table ``cust``
    (``classify_customers``: ``first_loan_source``/``first_loan_id``/``first_loan_date``): a history-decided
    first loan that is ours (its id is known) and drawn this year. Bound parameters: year start, as-of date."""
    return (f"SELECT customer_id AS first_customer_id, first_loan_id FROM {cust} "
            "WHERE first_loan_source = 'history' AND first_loan_id IS NOT NULL "
            "AND first_loan_date BETWEEN ? AND ?")


def first_loan_join(loan: str = "u", first: str = "f") -> str:
    """The outer-join condition of a loan row ``loan`` with :func:`first_loan_ids_relation` ``first``: the loan is
    its own customer's first loan (customer and loan id, as the rule reads: per customer)."""
    return f"{first}.first_loan_id = {loan}.loan_id AND {first}.first_customer_id = {loan}.customer_id"


def is_first_loan_sql(loan: str = "l", first: str = "f") -> str:
    """Whether the loan ``loan`` is one of its customer's first loans (never NULL): its own flag, or found in
    :func:`first_loan_ids_relation` (outer-joined on :func:`first_loan_join`). A loan with a flag belongs to a
    flagged customer; a flagged customer's loans are never in that relation."""
    return f"(coalesce({loan}.is_first_loan, false) OR {first}.first_loan_id IS NOT NULL)"
