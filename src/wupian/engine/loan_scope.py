"""The one home of the loan-scope and 经营性 (business loan) definitions as SQL.

* Out of scope of every five-priorities figure and of ``all_loans``: 转贴现 (``bill_rediscount``), 委托贷款
  (``is_entrusted``), 已核销 / 已转让 (``status`` written_off / transferred). A NULL business type, flag or status
  is *in* scope (never dropped by a ``<>`` comparison). The rulebook's ``scope.exclude.*`` rules say the same in
  YAML for the classifier's explanations; a test evaluates both on the same loans and requires them to agree.
* 经营性贷款: 单位贷款 and 票据直贴 by nature, and personal loans whose PBOC product code is F022 经营贷款,
  F023 固定资产贷款, F05 垫款, F08 贸易融资, F09 融资租赁 or F12 并购贷款 (and their sub-codes). A personal loan with
  no product code is not 经营性 (nothing says it is).

Every reader (classification facts, indicators, reconciliation, review worklists, report conditions, the PBOC
writer) builds its SQL from these functions; none re-states the rule.
"""

from __future__ import annotations

OUT_OF_SCOPE_BUSINESS_TYPES = ("bill_rediscount",)
OUT_OF_SCOPE_STATUSES = ("written_off", "transferred")
BUSINESS_NATURE_TYPES = ("corporate", "bill_direct")
BUSINESS_PRODUCTS_4 = ("F022", "F023")
BUSINESS_PRODUCTS_3 = ("F05", "F08", "F09", "F12")


def _list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def own_lending_sql(alias: str = "l") -> str:
    """The bank's own lending (not 转贴现, not 委托): the basis of 单户授信 and first-loan history."""
    a = f"{alias}." if alias else ""
    return (f"coalesce({a}business_type NOT IN ({_list(OUT_OF_SCOPE_BUSINESS_TYPES)}), true) "
            f"AND NOT coalesce({a}is_entrusted, false)")


def in_scope_sql(alias: str = "l") -> str:
    """Loans counted in ``all_loans`` and eligible for any category."""
    a = f"{alias}." if alias else ""
    return f"{own_lending_sql(alias)} AND coalesce({a}status, '') NOT IN ({_list(OUT_OF_SCOPE_STATUSES)})"


def business_loan_sql(alias: str = "l") -> str:
    """TRUE for a 经营性贷款 (never NULL)."""
    a = f"{alias}." if alias else ""
    return (f"coalesce({a}business_type IN ({_list(BUSINESS_NATURE_TYPES)}) "
            f"OR left({a}product_type, 4) IN ({_list(BUSINESS_PRODUCTS_4)}) "
            f"OR left({a}product_type, 3) IN ({_list(BUSINESS_PRODUCTS_3)}), false)")
