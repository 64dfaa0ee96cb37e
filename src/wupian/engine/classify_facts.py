"""The facts a classification rule may test or print: one column each of the per-loan base table.

The base table (built in ``classify.py``) joins a snapshot's loans with per-customer facts (size, 单户授信,
registries valid on the date) and reference lookups (green catalogue). Rulebooks name facts by these ids; the
validator in ``wupian.rules`` rejects any other name, so SQL identifiers only ever come from this registry.
``render`` gives the SQL that prints a fact in an explanation (万元, %, zh labels, code names).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from wupian.contract import table
from wupian.reference.pboc_codes import code_names
from wupian.reference.size_standard import SIZE_ZH

# Code columns whose code must agree with the purpose industry (NBS classification → GB/T 4754 mapping).
CODE_FIT_COLUMNS = (
    ("tech_htp", "高技术制造业类型"), ("tech_hts", "高技术服务业类型"), ("tech_se", "战略性新兴产业类型"),
    ("tech_pa", "知识产权密集型产业类型"), ("pension_code", "养老产业类型"), ("digital_code", "数字经济产业类型"),
)
FORMATS = ("text", "wan", "wan_short", "yuan", "pct", "zh", "codename", "int")


def sql_literal(text: str) -> str:
    """A SQL string literal for text from our own definitions (rule templates, reference names)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    kind: str  # str | enum | money | share | bool | list | int | date
    zh: str
    enum_zh: tuple[tuple[str, str], ...] = ()

    @property
    def sql_type(self) -> str:
        return {
            "money": "DECIMAL(38,2)", "share": "DECIMAL(18,6)", "bool": "BOOLEAN", "list": "VARCHAR[]",
            "int": "BIGINT", "date": "DATE",
        }.get(self.kind, "VARCHAR")

    def render(self, fmt: str = "text") -> str:
        col = '"' + self.name + '"'
        # Money is DECIMAL(38,2); formatting goes through DECIMAL(18,x) (64-bit, far faster; ±10^16 yuan suffices).
        if fmt == "wan":
            return f"CAST(CAST(round(CAST({col} AS DECIMAL(18,2)) * 0.0001, 2) AS DECIMAL(18,2)) AS VARCHAR)"
        if fmt == "wan_short":
            inner = f"CAST(CAST(round(CAST({col} AS DECIMAL(18,2)) * 0.0001, 2) AS DECIMAL(18,2)) AS VARCHAR)"
            return f"regexp_replace(regexp_replace({inner}, '0+$', ''), '\\.$', '')"
        if fmt == "yuan":
            return f"CAST(CAST({col} AS DECIMAL(18,2)) AS VARCHAR)"
        if fmt == "pct":
            inner = f"CAST(CAST(round({col} * 100, 2) AS DECIMAL(18,2)) AS VARCHAR)"
            return f"concat(regexp_replace(regexp_replace({inner}, '0+$', ''), '\\.$', ''), '%')"
        if fmt == "zh" and self.enum_zh:
            whens = " ".join(f"WHEN {sql_literal(v)} THEN {sql_literal(z)}" for v, z in self.enum_zh)
            return f"(CASE {col} {whens} ELSE {col} END)"
        if fmt == "codename":
            names = code_names()
            whens = " ".join(f"WHEN {sql_literal(c)} THEN {sql_literal(n)}" for c, n in sorted(names.items()))
            return f"(CASE {col} {whens} ELSE {col} END)"
        if self.kind == "list":
            return f"array_to_string({col}, '、')"
        return f"CAST({col} AS VARCHAR)"


def _enum(table_name: str, column: str) -> tuple[tuple[str, str], ...]:
    return tuple((e.value, e.zh) for e in table(table_name).column(column).enum)


@functools.lru_cache(maxsize=1)
def _facts() -> dict[str, Fact]:
    size_zh = tuple(SIZE_ZH.items())
    defs = (
        Fact("loan_id", "str", "贷款借据编码"),
        Fact("customer_id", "str", "客户号"),
        Fact("business_type", "enum", "业务类别", _enum("loans", "business_type")),
        Fact("product_type", "str", "贷款产品类别"),
        Fact("status", "enum", "贷款状态", _enum("loans", "status")),
        Fact("balance", "money", "贷款余额"),
        Fact("drawdown_amount", "money", "发放金额"),
        Fact("is_entrusted", "bool", "是否委托贷款"),
        Fact("is_business_loan", "bool", "是否经营性贷款"),
        Fact("purpose_industry_code", "str", "贷款实际投向"),
        Fact("green_code", "str", "绿色项目分类"),
        Fact("green_item_name", "str", "绿色目录条目"),
        Fact("green_valid", "bool", "绿色编码有效"),
        Fact("green_amount_counted", "money", "绿色部分金额"),
        Fact("tech_htp", "str", "高技术制造业类型"),
        Fact("tech_hts", "str", "高技术服务业类型"),
        Fact("tech_se", "str", "战略性新兴产业类型"),
        Fact("tech_pa", "str", "知识产权密集型产业类型"),
        Fact("pension_code", "str", "养老产业类型"),
        Fact("pension_share", "share", "养老投向占比"),
        Fact("digital_code", "str", "数字经济产业类型"),
        Fact("digital_evidence", "bool", "数字化佐证"),
        *(Fact(f"{col}_fits", "bool", f"{zh}与贷款实际投向相符") for col, zh in CODE_FIT_COLUMNS),
        Fact("startup_guarantee", "enum", "创业担保贷款类型", _enum("loans", "startup_guarantee")),
        Fact("is_student_loan", "bool", "是否助学贷款"),
        Fact("is_ex_poverty_consumer", "bool", "是否原建档立卡贫困人口消费贷款"),
        Fact("customer_type", "enum", "客户类型", _enum("customers", "customer_type")),
        Fact("id_code", "str", "证件代码"),
        Fact("pension_revenue_share", "share", "借款人养老产业收入占比"),
        Fact("declared_size", "enum", "申报企业规模", size_zh),
        Fact("derived_size", "enum", "测算企业规模", size_zh),
        Fact("size_used", "enum", "企业规模", size_zh),
        Fact("size_note", "str", "企业规模依据"),
        Fact("credit_total", "money", "单户授信总额"),
        Fact("credit_note", "str", "单户授信口径"),
        Fact("registries", "list", "名录"),
        Fact("registries_note", "str", "名录（有效期）"),
    )
    return {f.name: f for f in defs}


FACTS: dict[str, Fact] = _facts()

# Facts that come from the per-customer table ``cls_cust`` (same column names there); all others are loan-level.
CUSTOMER_FACTS = frozenset({
    "customer_type", "id_code", "pension_revenue_share", "declared_size", "derived_size", "size_used", "size_note",
    "credit_total", "credit_note", "registries", "registries_note",
})
