"""Point-in-time features of counter screening requests, set-based in DuckDB (spec/screening.md).

Input: the registered relations ``_scr_req`` (screening_requests columns, one row per request to screen),
``_scr_obs`` (request_id, code, note: the ticked checklist items), ``_scr_exempt`` (customer_id, exempt_from,
exempt_to: "verified, not fraud" exemptions from the case store) and ``_scr_kw`` (the purpose vocabulary).
Output: the CTE ``_scr_f``, one row per request with every feature of ``FEATURES``.

Point in time: every transaction, earlier request and list entry is read only when it is dated **strictly before**
``requested_at`` (list entries by validity on the request day). Static attributes (``accounts.opened_at``,
``customers.birth_date``/``id_code``) come from the latest snapshot that holds the account or customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from wupian.engine.checks import lit


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    kind: str  # number | bool | enum | text | time
    zh: str


FEATURES: dict[str, Feature] = {f.name: f for f in (
    Feature("request_type", "enum", "业务类型"),
    Feature("amount", "number", "申请金额"),
    Feature("channel", "enum", "渠道"),
    Feature("accompanied_by", "enum", "陪同人员"),
    Feature("payee_type", "enum", "收款人类型"),
    Feature("payee_name", "text", "收款人户名"),
    Feature("payee_account", "text", "收款人账号"),
    Feature("stated_purpose", "text", "客户所述用途"),
    Feature("appointment_purpose", "text", "预约用途"),
    Feature("age", "number", "年龄"),
    Feature("account_age_days", "number", "开户天数"),
    Feature("new_inflow_count", "number", "陌生转入笔数"),
    Feature("new_inflow_amount", "number", "陌生转入金额"),
    Feature("new_inflow_minutes", "number", "首笔陌生转入距申请分钟数"),
    Feature("new_inflow_share", "number", "陌生转入占申请金额"),
    Feature("fanin_payers", "number", "近期不同付款人数"),
    Feature("fanin_regions", "number", "近期转入省份数"),
    Feature("fanin_count", "number", "近期转入笔数"),
    Feature("fanin_amount", "number", "近期转入金额"),
    Feature("fanin_night_share", "number", "夜间转入占比"),
    Feature("fanin_days", "number", "扇入窗口天数"),
    Feature("split_payers", "number", "同日多笔转入的付款人数"),
    Feature("split_credits", "number", "同日多笔转入笔数"),
    Feature("split_amount", "number", "同日多笔转入金额"),
    Feature("split_days", "number", "拆分转入窗口天数"),
    Feature("recent_txns", "number", "近期交易笔数"),
    Feature("recent_days", "number", "近期窗口天数"),
    Feature("dormant_days", "number", "此前无交易天数"),
    Feature("prior_max_cash", "number", "历史最大取现"),
    Feature("cash_vs_history", "number", "取现相对历史倍数"),
    Feature("history_days", "number", "历史窗口天数"),
    Feature("payee_new", "bool", "新收款人"),
    Feature("security_change_today", "bool", "当天重置密码/提高限额"),
    Feature("security_change_at", "time", "重置密码/提高限额时间"),
    Feature("purpose_mismatch", "bool", "用途与预约不符"),
    Feature("corporate_personal_purpose", "bool", "单位收款与个人用途不符"),
    Feature("payee_high_risk", "bool", "收款人在行内高风险名单"),
    Feature("payee_police_listed", "bool", "收款人为涉案账户"),
    Feature("allow_listed", "bool", "白名单客户"),
    Feature("exempted", "bool", "核实非诈骗豁免期内"),
)}
OBS_PREFIX = "obs."


@dataclass(frozen=True, slots=True)
class FeatureParams:
    """Windows and list names from the rulebook."""

    new_inflow_hours: int
    fanin_days: int
    recent_days: int
    history_days: int
    night_from: int
    night_to: int
    block_lists: tuple[str, ...]
    allow_lists: tuple[str, ...]
    high_risk_lists: tuple[str, ...] = ("bank_high_risk",)
    split_days: int = 30
    split_min_credits: int = 3
    split_max_credit: int = 1000
    # (category, keyword, personal, order) of the purpose vocabulary
    purpose_keywords: tuple[tuple[str, str, bool, int], ...] = ()


def _norm(expr: str) -> str:
    """An account number without spaces or dashes (the payee match key)."""
    return f"nullif(regexp_replace(trim({expr}), '[\\s-]', '', 'g'), '')"


INPUT_SCHEMAS = {
    "_scr_obs": pa.schema([("request_id", pa.string()), ("code", pa.string()), ("note", pa.string())]),
    "_scr_exempt": pa.schema([("customer_id", pa.string()), ("exempt_from", pa.timestamp("us")),
                              ("exempt_to", pa.date32())]),
}


def keywords_table(p: FeatureParams) -> pa.Table:
    cols = list(zip(*p.purpose_keywords, strict=True)) if p.purpose_keywords else [(), (), (), ()]
    return pa.table({"category": pa.array(cols[0], pa.string()), "keyword": pa.array(cols[1], pa.string()),
                     "personal": pa.array(cols[2], pa.bool_()), "ord": pa.array(cols[3], pa.int32())})


def _names(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]::VARCHAR[]"


def features_sql(p: FeatureParams) -> str:
    """The CTEs (``WITH … , _scr_f AS (…)``, no final SELECT) computing one feature row per request from the
    inputs ``_scr_req``, ``_scr_obs``, ``_scr_exempt``, ``_scr_kw``.

    No parameters: the windows are whole numbers and the list names validated enum values of the rulebook, so
    they are rendered as literals and the statement can be prepared once per connection and rulebook; request
    data only ever arrives in the input tables."""
    w = {k: int(getattr(p, k)) for k in ("new_inflow_hours", "fanin_days", "recent_days", "history_days",
                                         "night_from", "night_to", "split_days", "split_min_credits",
                                         "split_max_credit")}
    sql = """WITH
    _acc AS (SELECT account_id, arg_max(opened_at, as_of) AS opened_at, true AS account_known FROM accounts
             WHERE account_id IN (SELECT account_id FROM _scr_req) GROUP BY account_id),
    _cus AS (SELECT customer_id, arg_max(birth_date, as_of) AS birth_date, arg_max(id_code, as_of) AS id_code,
                    true AS customer_known
             FROM customers WHERE customer_id IN (SELECT customer_id FROM _scr_req) GROUP BY customer_id),
    _br AS (SELECT DISTINCT branch_id, true AS branch_known FROM branches
            WHERE branch_id IN (SELECT branch_id FROM _scr_req)),
    _base AS MATERIALIZED (
        SELECT r.*, CAST(r.requested_at AS DATE) AS req_day, _acc.opened_at, _cus.birth_date, _cus.id_code,
               coalesce(_acc.account_known, false) AS account_known,
               coalesce(_cus.customer_known, false) AS customer_known,
               coalesce(_br.branch_known, false) AS branch_known,
               """ + _norm("r.payee_account") + """ AS payee_key
        FROM _scr_req AS r LEFT JOIN _acc USING (account_id) LEFT JOIN _cus USING (customer_id)
        LEFT JOIN _br USING (branch_id)),
    _tx AS MATERIALIZED (
        SELECT r.request_id, r.requested_at, t.booked_at, t.amount, t.kind, t.summary,
               CASE WHEN """ + _norm("t.counterparty_account") + """ IS NOT NULL
                    THEN 'a:' || """ + _norm("t.counterparty_account") + """
                    WHEN nullif(trim(t.counterparty_name), '') IS NOT NULL THEN 'n:' || trim(t.counterparty_name)
               END AS cp,
               left(t.counterparty_region, 2) AS province
        FROM _base AS r JOIN transactions AS t ON t.account_id = r.account_id
        WHERE t.booked_at < r.requested_at AND t.booked_at >= r.requested_at - INTERVAL """ + str(w["history_days"]) + """ DAY),
    _fs AS (SELECT request_id, cp, min(booked_at) AS first_seen FROM _tx WHERE cp IS NOT NULL
            GROUP BY request_id, cp),
    _x AS (
        SELECT t.*, _fs.first_seen,
               t.amount > 0 AND coalesce(t.kind, 'transfer_in') NOT IN ('interest', 'cash_deposit') AS credit,
               t.booked_at >= t.requested_at - INTERVAL """ + str(w["new_inflow_hours"]) + """ HOUR AS in_inflow,
               t.booked_at >= t.requested_at - INTERVAL """ + str(w["fanin_days"]) + """ DAY AS in_fanin,
               t.booked_at >= t.requested_at - INTERVAL """ + str(w["recent_days"]) + """ DAY AS in_recent,
               t.booked_at >= t.requested_at - INTERVAL """ + str(w["split_days"]) + """ DAY AS in_split,
               hour(t.booked_at) >= """ + str(w["night_from"]) + """ OR hour(t.booked_at) < """ + str(w["night_to"]) + """ AS night,
               t.amount < 0 AND (t.kind = 'cash_withdrawal' OR (t.kind IS NULL AND
                 (t.summary LIKE '%取现%' OR t.summary LIKE '%取款%'))) AS is_cash,
               CAST(t.booked_at AS DATE) = CAST(t.requested_at AS DATE) AND
                 (t.summary LIKE '%密码重置%' OR t.summary LIKE '%重置密码%' OR t.summary LIKE '%提高限额%'
                  OR t.summary LIKE '%调整限额%') AS security
        FROM _tx AS t LEFT JOIN _fs USING (request_id, cp)),
    _hist AS (
        SELECT request_id,
          count(*) FILTER (credit AND in_inflow AND first_seen >= requested_at - INTERVAL """ + str(w["new_inflow_hours"]) + """ HOUR)
            AS new_inflow_count,
          coalesce(sum(amount) FILTER (credit AND in_inflow AND
            first_seen >= requested_at - INTERVAL """ + str(w["new_inflow_hours"]) + """ HOUR), 0) AS new_inflow_amount,
          -- minute boundaries crossed (DuckDB's date_diff('minute')), spelled so that Spark counts the same
          max(date_diff('day', CAST(booked_at AS DATE), CAST(requested_at AS DATE)) * 1440
              + hour(requested_at) * 60 + minute(requested_at) - hour(booked_at) * 60 - minute(booked_at))
            FILTER (credit AND in_inflow AND
            first_seen >= requested_at - INTERVAL """ + str(w["new_inflow_hours"]) + """ HOUR) AS new_inflow_minutes,
          count(DISTINCT cp) FILTER (credit AND in_fanin) AS fanin_payers,
          count(DISTINCT province) FILTER (credit AND in_fanin) AS fanin_regions,
          count(*) FILTER (credit AND in_fanin) AS fanin_count,
          coalesce(sum(amount) FILTER (credit AND in_fanin), 0) AS fanin_amount,
          count(*) FILTER (credit AND in_fanin AND night) / nullif(count(*) FILTER (credit AND in_fanin), 0)
            AS fanin_night_share,
          count(*) FILTER (in_recent) AS recent_txns,
          min(booked_at) FILTER (in_recent) AS recent_first,
          max(booked_at) FILTER (NOT in_recent) AS prior_last,
          max(-amount) FILTER (is_cash) AS tx_max_cash,
          min(booked_at) FILTER (security) AS tx_security_at,
          list(DISTINCT cp) AS seen_cps
        FROM _x GROUP BY request_id),
    _sd AS (SELECT request_id, cp, CAST(booked_at AS DATE) AS d, count(*) AS n, sum(amount) AS amt
            FROM _x WHERE credit AND in_split AND cp IS NOT NULL AND amount <= """ + str(w["split_max_credit"]) + """
            GROUP BY request_id, cp, CAST(booked_at AS DATE)),
    _split AS (SELECT request_id, count(DISTINCT cp) AS split_payers, sum(n) AS split_credits,
                      sum(amt) AS split_amount
               FROM _sd WHERE n >= """ + str(w["split_min_credits"]) + """ GROUP BY request_id),
    _prior AS (
        SELECT r.request_id,
          max(q.amount) FILTER (q.request_type = 'cash_withdrawal' AND q.outcome = 'executed'
                                AND q.requested_at >= r.requested_at - INTERVAL """ + str(w["history_days"]) + """ DAY) AS req_max_cash,
          min(q.requested_at) FILTER (CAST(q.requested_at AS DATE) = r.req_day AND
            (q.request_type = 'limit_raise' OR q.stated_purpose LIKE '%密码%')) AS req_security_at,
          bool_or(""" + _norm("q.payee_account") + """ = r.payee_key AND q.outcome = 'executed') AS req_payee_seen
        FROM _base AS r JOIN screening_requests AS q
          ON q.customer_id = r.customer_id AND q.requested_at < r.requested_at AND q.request_id <> r.request_id
        GROUP BY r.request_id),
    _w AS (SELECT list, """ + _norm("account_no") + """ AS acct, nullif(trim(id_code), '') AS idc,
                  valid_from, valid_to FROM watchlist),
    _lists AS (
        SELECT r.request_id,
          bool_or(list_contains(""" + _names(p.block_lists) + """, w.list) AND w.acct = r.payee_key) AS police,
          bool_or(list_contains(""" + _names(p.high_risk_lists) + """, w.list) AND w.acct = r.payee_key) AS high_risk,
          bool_or(list_contains(""" + _names(p.allow_lists) + """, w.list) AND
                  (w.idc = r.id_code OR w.acct = """ + _norm("r.account_id") + """)) AS allow
        FROM _base AS r JOIN _w AS w ON (w.valid_from IS NULL OR w.valid_from <= r.req_day)
                                    AND (w.valid_to IS NULL OR w.valid_to >= r.req_day)
        GROUP BY r.request_id),
    _purpose AS (
        SELECT r.request_id,
          min_by(k.category, k.ord) FILTER (contains(r.stated_purpose, k.keyword)) AS stated_cat,
          min_by(k.personal, k.ord) FILTER (contains(r.stated_purpose, k.keyword)) AS stated_personal,
          min_by(k.category, k.ord) FILTER (contains(r.appointment_purpose, k.keyword)) AS appt_cat
        FROM _base AS r, _scr_kw AS k GROUP BY r.request_id),
    _obs AS (SELECT request_id, list(code ORDER BY code) AS observations FROM _scr_obs GROUP BY request_id),
    _ex AS (SELECT b.request_id, true AS exempted FROM _base AS b JOIN _scr_exempt AS e
            ON e.customer_id = b.customer_id AND e.exempt_from < b.requested_at AND e.exempt_to >= b.req_day
            GROUP BY b.request_id),
    _scr_f AS MATERIALIZED (
        SELECT b.request_id, b.requested_at, b.branch_id, b.customer_id, b.account_id, b.request_type,
          b.amount, coalesce(b.channel, 'counter') AS channel, b.teller_id, b.accompanied_by, b.payee_type,
          b.payee_name, b.payee_account, b.stated_purpose, b.appointment_purpose, b.outcome,
          year(b.req_day) - year(b.birth_date)
            - CASE WHEN month(b.req_day) * 100 + day(b.req_day) < month(b.birth_date) * 100 + day(b.birth_date)
                   THEN 1 ELSE 0 END AS age,
          date_diff('day', b.opened_at, b.req_day) AS account_age_days,
          coalesce(h.new_inflow_count, 0) AS new_inflow_count,
          coalesce(h.new_inflow_amount, 0) AS new_inflow_amount,
          h.new_inflow_minutes,
          CAST(coalesce(h.new_inflow_amount, 0) / b.amount AS DOUBLE) AS new_inflow_share,
          coalesce(h.fanin_payers, 0) AS fanin_payers, coalesce(h.fanin_regions, 0) AS fanin_regions,
          coalesce(h.fanin_count, 0) AS fanin_count, coalesce(h.fanin_amount, 0) AS fanin_amount,
          coalesce(h.fanin_night_share, 0) AS fanin_night_share,
          coalesce(sp.split_payers, 0) AS split_payers, coalesce(sp.split_credits, 0) AS split_credits,
          coalesce(sp.split_amount, 0) AS split_amount, """ + str(w["split_days"]) + """ AS split_days,
          """ + str(w["fanin_days"]) + """ AS fanin_days, coalesce(h.recent_txns, 0) AS recent_txns,
          """ + str(w["recent_days"]) + """ AS recent_days,
          CASE WHEN coalesce(h.recent_txns, 0) = 0 THEN 0 ELSE
            date_diff('day', CAST(coalesce(h.prior_last, CAST(b.opened_at AS TIMESTAMP)) AS DATE),
                      CAST(h.recent_first AS DATE)) END
            AS dormant_days,
          greatest(coalesce(h.tx_max_cash, 0), coalesce(p.req_max_cash, 0)) AS prior_max_cash,
          CAST(b.amount / greatest(coalesce(h.tx_max_cash, 0), coalesce(p.req_max_cash, 0), 1) AS DOUBLE)
            AS cash_vs_history,
          """ + str(w["history_days"]) + """ AS history_days,
          b.payee_key IS NOT NULL AND NOT coalesce(list_contains(h.seen_cps, 'a:' || b.payee_key), false)
            AND NOT coalesce(p.req_payee_seen, false) AS payee_new,
          least(h.tx_security_at, p.req_security_at) IS NOT NULL AS security_change_today,
          least(h.tx_security_at, p.req_security_at) AS security_change_at,
          pu.stated_cat IS NOT NULL AND pu.appt_cat IS NOT NULL AND pu.stated_cat <> pu.appt_cat
            AS purpose_mismatch,
          coalesce(b.payee_type = 'corporate' AND pu.stated_personal, false) AS corporate_personal_purpose,
          coalesce(l.high_risk, false) AS payee_high_risk,
          coalesce(l.police, false) AS payee_police_listed,
          coalesce(l.allow, false) AS allow_listed,
          coalesce(ex.exempted, false) AS exempted,
          coalesce(o.observations, []::VARCHAR[]) AS observations,
          b.account_known, b.customer_known, b.branch_known
        FROM _base AS b
        LEFT JOIN _hist AS h USING (request_id)
        LEFT JOIN _split AS sp USING (request_id)
        LEFT JOIN _prior AS p USING (request_id)
        LEFT JOIN _lists AS l USING (request_id)
        LEFT JOIN _purpose AS pu USING (request_id)
        LEFT JOIN _obs AS o USING (request_id)
        LEFT JOIN _ex AS ex USING (request_id))"""
    return sql
