"""The executable form of a classification rulebook and its compilation to DuckDB SQL.

``wupian.rules`` validates the YAML rulebooks and builds a ``ClassifyPlan`` out of these records; the engine
turns each condition into a SQL boolean over the facts of ``classify_facts`` and each ``explain`` template into
a SQL string expression, so all loans are tagged in one set-based statement. Values in conditions are bound as
parameters; identifiers only ever come from the fact registry. A second backend (Spark/Ibis) would implement
``compile_condition`` / ``compile_template`` for the same records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wupian.engine.classify_facts import FACTS, Fact, sql_literal
from wupian.engine.warehouse import quote_ident

OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "is_null", "is_true", "has_any")
ORDERED_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


@dataclass(frozen=True, slots=True)
class Leaf:
    """One test on one fact, e.g. credit_total le 10000000.00."""

    fact: str
    op: str
    value: Any = None  # str | Decimal | bool | tuple[str, ...]
    label: str = ""  # zh wording for "why not"


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Condition


Condition = Leaf | AllOf | AnyOf | NotOf


@dataclass(frozen=True, slots=True)
class TemplatePart:
    """Literal text, or a fact rendered with a formatter."""

    text: str = ""
    fact: str | None = None
    fmt: str = "text"


@dataclass(frozen=True, slots=True)
class RulePlan:
    id: str
    label: str
    kind: str  # include | exclude | marker
    tags: tuple[str, ...]  # include/marker: tags this rule contributes to
    applies_to: tuple[str, ...]  # exclude: tags it removes ("all" expanded by the compiler)
    condition: Condition
    explain: tuple[TemplatePart, ...]
    amount: str = "balance"  # fact holding the counted amount


@dataclass(frozen=True, slots=True)
class TagPlan:
    id: str
    label: str
    union_of: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassifyPlan:
    profile: str
    rulebook_version: str
    tags: tuple[TagPlan, ...]
    rules: tuple[RulePlan, ...]
    registry_labels: tuple[tuple[str, str], ...] = ()
    size_basis: str = "declared_first"  # or derived_first
    cites: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def tag(self, tag_id: str) -> TagPlan:
        for t in self.tags:
            if t.id == tag_id:
                return t
        raise KeyError(tag_id)


def leaves(cond: Condition) -> list[Leaf]:
    if isinstance(cond, Leaf):
        return [cond]
    if isinstance(cond, NotOf):
        return leaves(cond.item)
    return [leaf for item in cond.items for leaf in leaves(item)]


def _col(fact: Fact) -> str:
    return quote_ident(fact.name)


def _bind(fact: Fact, value: Any, params: list[Any]) -> str:
    params.append(str(value) if isinstance(value, Decimal) else value)
    return f"CAST(? AS {fact.sql_type})"


def compile_leaf(leaf: Leaf, params: list[Any], *, null_as_false: bool = False) -> str:
    """SQL boolean for one leaf; NULL facts make every test false except ``is_null``. With ``null_as_false`` the
    test is for a context that takes NULL as FALSE (a ``CASE WHEN``): where the plain test is NULL on a NULL fact
    it is left so, without the ``COALESCE(…, FALSE)`` — one operation less per row, the same branch taken."""
    fact = FACTS[leaf.fact]
    col = _col(fact)
    op = leaf.op
    if op == "is_null":
        return f"({col} IS NULL)" if leaf.value else f"({col} IS NOT NULL)"
    if op == "is_true":
        if leaf.value:
            return col if null_as_false else f"COALESCE({col}, FALSE)"
        return f"NOT COALESCE({col}, FALSE)"
    if op == "eq":
        sql = f"{col} = {_bind(fact, leaf.value, params)}"
    elif op == "ne":
        sql = f"{col} <> {_bind(fact, leaf.value, params)}"
    elif op in ("in", "not_in"):
        items = ", ".join(_bind(fact, v, params) for v in leaf.value)
        sql = f"{col} {'NOT IN' if op == 'not_in' else 'IN'} ({items})"
    elif op in ORDERED_OPS:
        sql = f"{col} {ORDERED_OPS[op]} {_bind(fact, leaf.value, params)}"
    elif op == "has_any":
        params.append(list(leaf.value))
        sql = f"list_has_any({col}, CAST(? AS VARCHAR[]))"
    else:  # pragma: no cover - the rulebook validator rejects unknown ops
        raise ValueError(op)
    return sql if null_as_false else f"COALESCE({sql}, FALSE)"


def compile_condition(cond: Condition, params: list[Any], leaf_sql: Callable[[Leaf], str | None] | None = None) -> str:
    """SQL boolean for a condition; ``leaf_sql`` may give a leaf's SQL instead of ``compile_leaf`` (a column that
    holds the leaf's value, computed elsewhere; ``None``: compile it here)."""
    if isinstance(cond, Leaf):
        given = leaf_sql(cond) if leaf_sql is not None else None
        return given if given is not None else compile_leaf(cond, params)
    if isinstance(cond, NotOf):
        return f"(NOT {compile_condition(cond.item, params, leaf_sql)})"
    joiner = " AND " if isinstance(cond, AllOf) else " OR "
    if not cond.items:
        return "TRUE" if isinstance(cond, AllOf) else "FALSE"
    return "(" + joiner.join(compile_condition(c, params, leaf_sql) for c in cond.items) + ")"


def leaf_key(leaf: Leaf) -> tuple[str, str, Any]:
    """What a leaf tests (its label aside): two leaves with the same key have the same value on every row."""
    return (leaf.fact, leaf.op, leaf.value)


def leaf_on_null(leaf: Leaf) -> bool:
    """The value of ``compile_leaf(leaf)`` on a row where the fact is NULL."""
    if leaf.op == "is_null":
        return bool(leaf.value)
    if leaf.op == "is_true":
        return not leaf.value
    return False


def compile_template(parts: tuple[TemplatePart, ...]) -> str:
    """SQL string expression rendering an explain template for the current row."""
    pieces = []
    for part in parts:
        if part.fact is None:
            if part.text:
                pieces.append(sql_literal(part.text))
        else:
            pieces.append(f"COALESCE({FACTS[part.fact].render(part.fmt)}, '空')")
    if not pieces:
        return "''"
    return "concat(" + ", ".join(pieces) + ")"
