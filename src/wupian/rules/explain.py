"""Explain one loan: each tag with the rules that fired, their rendered reasons and quoted clauses, and for
each category the loan is NOT in, which condition failed (with the actual value) or which exclusion applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from wupian.core.errors import UsageError
from wupian.engine.classify_explain import evaluate_loan
from wupian.engine.classify_facts import FACTS
from wupian.engine.classify_plan import ClassifyPlan, Leaf, RulePlan, leaves
from wupian.engine.warehouse import Warehouse
from wupian.rules.compile import plan_for
from wupian.rules.rulebook import Citation
from wupian.rules.service import rulebook


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule_id: str
    label: str
    text: str  # rendered explain template
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class TagExplanation:
    tag: str
    label: str
    amount: Decimal
    rules: tuple[RuleHit, ...]


@dataclass(frozen=True, slots=True)
class NotInExplanation:
    tag: str
    label: str
    reasons: tuple[str, ...]
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class LoanExplanation:
    loan_id: str
    as_of: date
    profile: str
    rulebook_version: str
    tags: tuple[TagExplanation, ...]
    not_in: tuple[NotInExplanation, ...]
    facts: dict[str, Any]

    def tag_ids(self) -> tuple[str, ...]:
        return tuple(t.tag for t in self.tags)


def _value_text(leaf: Leaf, facts: dict[str, Any]) -> str:
    fact = FACTS[leaf.fact]
    v = facts.get(leaf.fact)
    if v is None:
        return "不在报告日有效的名录内" if fact.kind == "list" else f"{fact.zh}未填"
    if fact.enum_zh:
        v = dict(fact.enum_zh).get(str(v), v)
    if isinstance(v, list):
        v = "、".join(map(str, v)) or "无"
    return f"{fact.zh}={v}"


def _cites(plan: ClassifyPlan, rule_id: str) -> tuple[Citation, ...]:
    book = rulebook()
    return tuple(book.citations[c] for c in plan.cites.get(rule_id, ()) if c in book.citations)


def explain_loan(wh: Warehouse, as_of: date, loan_id: str, profile: str = "pboc_2025",
                 size_basis: str = "declared_first") -> LoanExplanation:
    book = rulebook()
    plan = plan_for(book, profile, as_of, size_basis)
    ev = evaluate_loan(wh, as_of, plan, loan_id)
    if ev is None:
        raise UsageError(f"loan {loan_id!r} is not in the snapshot of {as_of.isoformat()}")
    facts, fired, leaf_ok, texts = ev["facts"], ev["rules"], ev["leaves"], ev["texts"]
    amounts: dict[str, Decimal] = {}
    hit_tags: dict[str, bool] = {}
    for t in plan.tags:
        if t.union_of:
            continue
        inc = [r for r in plan.rules if r.kind == "include" and t.id in r.tags]
        exc = [r for r in plan.rules if r.kind == "exclude" and t.id in r.applies_to and fired[r.id]]
        hits = [r for r in inc if fired[r.id]]
        hit_tags[t.id] = bool(hits) and not exc
        if hit_tags[t.id]:
            amounts[t.id] = max(Decimal(facts[r.amount] or 0) for r in hits)
    for t in plan.tags:  # unions, in manifest order (members come first)
        if t.union_of:
            members = [m for m in t.union_of if hit_tags.get(m)]
            hit_tags[t.id] = bool(members)
            if members:
                amounts[t.id] = max(amounts[m] for m in members)
    tags, not_in = [], []
    for t in plan.tags:
        if hit_tags[t.id]:
            rules = _hits(plan, t.id, fired, texts)
            tags.append(TagExplanation(t.id, t.label, amounts[t.id].quantize(Decimal("0.01")), tuple(rules)))
        else:
            not_in.append(_why_not(plan, t.id, fired, leaf_ok, texts, facts, hit_tags))
    return LoanExplanation(loan_id, as_of, profile, plan.rulebook_version, tuple(tags), tuple(not_in), facts)


def _members(plan: ClassifyPlan, tag: str) -> list[str]:
    t = plan.tag(tag)
    return [m for u in t.union_of for m in _members(plan, u)] if t.union_of else [tag]


def _hits(plan: ClassifyPlan, tag: str, fired: dict[str, bool], texts: dict[str, str]) -> list[RuleHit]:
    out = []
    for m in _members(plan, tag):
        for r in plan.rules:
            if r.kind in ("include", "marker") and m in r.tags and fired[r.id]:
                out.append(RuleHit(r.id, r.label, texts[r.id], _cites(plan, r.id)))
    return out


def _why_not(plan: ClassifyPlan, tag: str, fired: dict[str, bool], leaf_ok: dict[str, list[bool]],
             texts: dict[str, str], facts: dict[str, Any], hit_tags: dict[str, bool]) -> NotInExplanation:
    t = plan.tag(tag)
    if t.union_of:
        names = "、".join(plan.tag(m).label for m in t.union_of)
        return NotInExplanation(tag, t.label, (f"不属于 {names} 中任何一类",))
    exc = [r for r in plan.rules if r.kind == "exclude" and tag in r.applies_to and fired[r.id]]
    inc = [r for r in plan.rules if r.kind == "include" and tag in r.tags]
    if exc:
        return NotInExplanation(tag, t.label, tuple(f"被排除：{texts[r.id]}" for r in exc),
                                tuple(c for r in exc for c in _cites(plan, r.id)))
    if not inc:
        return NotInExplanation(tag, t.label, (f"{plan.profile} 口径下没有{t.label}规则",))
    reasons = [_failed(r, leaf_ok[r.id], facts) for r in inc]
    return NotInExplanation(tag, t.label, tuple(reasons), tuple(c for r in inc for c in _cites(plan, r.id)))


def _failed(rule: RulePlan, ok: list[bool], facts: dict[str, Any]) -> str:
    failed = [leaf for leaf, good in zip(leaves(rule.condition), ok, strict=True) if not good]
    parts = [f"{leaf.label or leaf.fact + ' ' + leaf.op}（实际：{_value_text(leaf, facts)}）" for leaf in failed]
    return f"{rule.label}：不满足 " + "；".join(parts) if parts else f"{rule.label}：条件组合不满足"
