"""Evaluate every rule and every condition leaf of a plan for ONE loan, with the same compiled SQL as the
set-based pass — so an explanation ("why in", "why not") can never disagree with the tags classification
stores for the same inputs. It builds temp tables only and writes nothing to the warehouse (it runs on a read-only
warehouse too).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from wupian.engine.classify import build_base, register_green_reference
from wupian.engine.classify_customers import build_customer_facts, register_size_reference
from wupian.engine.classify_facts import FACTS
from wupian.engine.classify_plan import (
    ClassifyPlan,
    compile_condition,
    compile_leaf,
    compile_template,
    leaves,
)
from wupian.engine.warehouse import Warehouse


def evaluate_loan(wh: Warehouse, as_of: date, plan: ClassifyPlan, loan_id: str) -> dict[str, Any] | None:
    """{'facts': {fact: value}, 'rules': {rule_id: bool}, 'leaves': {rule_id: [bool…]}, 'texts': {rule_id: str}}."""
    register_size_reference(wh, as_of, plan.registry_labels)
    build_customer_facts(wh, as_of, plan.size_basis, store=False)  # temp tables only: explaining writes nothing
    register_green_reference(wh, as_of)
    params: list[Any] = []
    cols: list[str] = []
    names: list[tuple[str, str, int]] = []
    for r in plan.rules:
        cols.append(compile_condition(r.condition, params))
        names.append(("rule", r.id, -1))
        for k, leaf in enumerate(leaves(r.condition)):
            cols.append(compile_leaf(leaf, params))
            names.append(("leaf", r.id, k))
        cols.append(compile_template(r.explain))
        names.append(("text", r.id, -1))
    fact_names = list(FACTS)
    sql = (
        "SELECT " + ", ".join([*(f'b."{f}"' for f in fact_names), *(f"{c} AS c_{i}" for i, c in enumerate(cols))])
        + f" FROM ({build_base(wh, as_of).replace('$as_of', '?')}) b WHERE b.loan_id = ?"
    )
    rows = wh.rows(sql, [*params, as_of, loan_id])
    if not rows:
        return None
    values = list(rows[0].values())
    facts = dict(zip(fact_names, values[: len(fact_names)], strict=True))
    out: dict[str, Any] = {"facts": facts, "rules": {}, "leaves": {}, "texts": {}}
    for (kind, rule_id, _k), value in zip(names, values[len(fact_names):], strict=True):
        if kind == "rule":
            out["rules"][rule_id] = bool(value)
        elif kind == "leaf":
            out["leaves"].setdefault(rule_id, []).append(bool(value))
        else:
            out["texts"][rule_id] = value
    return out
