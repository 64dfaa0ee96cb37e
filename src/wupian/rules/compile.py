"""Plan a classification: pick the rules of a profile in force on a date and turn them into engine records.

Spec → plan → SQL: the rulebook (validated data) becomes a ``ClassifyPlan`` here; ``wupian.engine.classify``
turns the plan into SQL and runs it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from wupian.core.errors import UsageError
from wupian.engine.classify_facts import FACTS
from wupian.engine.classify_plan import (
    AllOf,
    AnyOf,
    ClassifyPlan,
    Condition,
    Leaf,
    NotOf,
    RulePlan,
    TagPlan,
    TemplatePart,
)
from wupian.rules.rulebook import PLACEHOLDER, Rulebook, RuleDoc
from wupian.rules.schema import LEAF_OPS

SIZE_BASES = ("declared_first", "derived_first")


def to_condition(cond: dict[str, Any]) -> Condition:
    if "all" in cond:
        return AllOf(tuple(to_condition(c) for c in cond["all"]))
    if "any" in cond:
        return AnyOf(tuple(to_condition(c) for c in cond["any"]))
    if "not" in cond:
        return NotOf(to_condition(cond["not"]))
    op = next(o for o in LEAF_OPS if o in cond)
    fact = FACTS[str(cond["fact"])]
    value: Any = cond[op]
    if op in ("in", "not_in", "has_any"):
        value = tuple(_typed(fact.kind, v) for v in value)
    elif op not in ("is_null", "is_true"):
        value = _typed(fact.kind, value)
    return Leaf(fact.name, op, value, str(cond.get("label", "")))


def _typed(kind: str, v: Any) -> Any:
    if kind in ("money", "share", "int"):
        return Decimal(str(v))
    if kind == "bool":
        return bool(v)
    return str(v)


def to_template(text: str) -> tuple[TemplatePart, ...]:
    parts: list[TemplatePart] = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            parts.append(TemplatePart(text=text[pos:m.start()]))
        parts.append(TemplatePart(fact=m.group(1).strip(), fmt=(m.group(2) or "text").strip()))
        pos = m.end()
    if pos < len(text):
        parts.append(TemplatePart(text=text[pos:]))
    return tuple(parts)


def active_rules(book: Rulebook, profile: str, on: date) -> tuple[RuleDoc, ...]:
    return tuple(r for r in book.rules if profile in r.profiles and r.in_force(on))


def plan_for(book: Rulebook, profile: str, on: date, size_basis: str = "declared_first") -> ClassifyPlan:
    """The executable plan of ``profile`` on ``on``; UsageError for an unknown profile or size basis."""
    known = [p.id for p in book.profiles]
    if profile not in known:
        raise UsageError(f"unknown profile {profile!r}; choose one of {', '.join(known)}")
    if size_basis not in SIZE_BASES:
        raise UsageError(f"unknown size basis {size_basis!r}; choose one of {', '.join(SIZE_BASES)}")
    base_tags = [t.id for t in book.tags if not t.union_of]
    rules = []
    for r in active_rules(book, profile, on):
        applies = tuple(base_tags) if "all" in r.applies_to else r.applies_to
        rules.append(RulePlan(r.id, r.label, r.kind, r.tags, applies, to_condition(r.when), to_template(r.explain),
                              r.amount))
    return ClassifyPlan(
        profile=profile,
        rulebook_version=book.version,
        tags=tuple(TagPlan(t.id, t.label, t.union_of) for t in book.tags),
        rules=tuple(rules),
        registry_labels=book.registries,
        size_basis=size_basis,
        cites={r.id: r.cites for r in book.rules},
    )
