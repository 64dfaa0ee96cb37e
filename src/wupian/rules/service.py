"""The Python surface of loan classification: classify a snapshot, explain one loan, list review candidates.

``classify_snapshot`` loads the rulebook, plans the profile for the date, runs the engine (one set-based pass),
stores ``loan_tags`` and ``customer_facts`` and returns a ``ClassifyReport`` with counts and Issues.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pyarrow as pa

from wupian.core.errors import UsageError
from wupian.core.issues import Issue, Level, Source
from wupian.engine import classify as engine
from wupian.engine.classify_checks import check_counts, check_rows
from wupian.engine.classify_customers import (
    registry_snapshot,
    sharing,
    sharing_customer_facts,
    size_disagreements,
)
from wupian.engine.classify_review import review_worklist as _review
from wupian.engine.warehouse import Warehouse
from wupian.reference.green import catalogue_for, suggest_green_codes
from wupian.reference.size_standard import SIZE_ZH
from wupian.rules.compile import plan_for
from wupian.rules.rulebook import Rulebook, load_rulebook

ISSUE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    label: str
    loans: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ClassifyReport:
    as_of: date
    profile: str
    rulebook_version: str
    loans: int
    counts: tuple[TagCount, ...]
    issues: tuple[Issue, ...]

    def count(self, tag: str) -> TagCount | None:
        return next((c for c in self.counts if c.tag == tag), None)


@lru_cache(maxsize=1)
def rulebook() -> Rulebook:
    """The packaged classification rulebook (validated once per process)."""
    return load_rulebook()


def _require_snapshot(wh: Warehouse, as_of: date) -> int:
    n = engine.loan_count(wh, as_of)
    if n == 0:
        raise UsageError(f"no loans loaded for {as_of.isoformat()}; load that snapshot first")
    return n


def classify_snapshot(wh: Warehouse, as_of: date, profile: str = "pboc_2025", *,
                      progress: Callable[[str], None] | None = None,
                      size_basis: str = "declared_first", on_demand: bool = False,
                      keep: bool = False, counts: bool = True) -> ClassifyReport:
    """Tag every loan of ``as_of`` under ``profile`` and store the result (replacing that date's rows), with the
    per-customer facts (``customer_facts``) and the data checks' Issues. ``on_demand`` (a reader classifying what
    its figures need, ``wupian.rules.fresh``): the tags only — the per-customer facts are built for the date's
    borrowers and not stored (``customer_facts`` computes them where read) and no Issues are reported (no
    reader of a classification on demand shows them). ``keep``: the tagged loans stay in memory for the indicator
    statement that reads them next (``engine.classify_kept``). ``counts`` False: the report's ``counts`` are
    empty (a caller that reads the tags itself and not the report spares the scan that counts them)."""
    return classify_snapshots(wh, as_of, (profile,), progress=progress, size_basis=size_basis, on_demand=on_demand,
                              keep=keep, counts=counts)[0]


def classify_snapshots(wh: Warehouse, as_of: date, profiles: tuple[str, ...], *,
                       progress: Callable[[str], None] | None = None,
                       size_basis: str = "declared_first", on_demand: bool = False,
                       keep: bool = False, counts: bool = True) -> tuple[ClassifyReport, ...]:
    """``classify_snapshot`` of ``as_of`` under each of ``profiles`` (distinct), in one pass: one tagging
    statement for all of them (``engine.run_plans``) — each profile's stored rows, lineage and report are those
    its own ``classify_snapshot`` gives, in the order given. ``keep``: for the last profile. ``counts`` False:
    the reports' ``counts`` are empty (no ``tag_counts`` statement)."""
    n = _require_snapshot(wh, as_of)
    book = rulebook()
    plans = tuple(plan_for(book, profile, as_of, size_basis) for profile in profiles)
    checked = None if on_demand else _checked(wh, (as_of, size_basis))
    info = engine.run_plans(wh, as_of, plans, progress, on_demand=on_demand, keep=keep,
                            checks=not on_demand and checked is None)
    if progress:
        progress("数据检查")
    if on_demand:
        issues: list[Issue] = []
    elif checked is not None:
        issues = list(checked)
    else:
        issues = _issues(wh, as_of, info)
        if sharing(wh):
            _CHECKED[wh] = ((as_of, size_basis), tuple(issues))
    engine.drop_work_tables(wh)
    labels = {t.id: t.label for t in book.tags}
    return tuple(ClassifyReport(as_of, profile, book.version, n, tuple(
        TagCount(r["tag"], labels.get(r["tag"], r["tag"]), int(r["loans"]), r["amount"] or Decimal("0.00"))
        for r in (engine.tag_counts(wh, as_of, profile) if counts else ())
    ), tuple(issues)) for profile in profiles)


# Warehouses inside a ``classifying_together`` block → ((as_of, size basis), Issues) of the data checks made there.
_CHECKED: weakref.WeakKeyDictionary[Warehouse, tuple[tuple[date, str], tuple[Issue, ...]]] = (
    weakref.WeakKeyDictionary())


@contextmanager
def classifying_together(wh: Warehouse) -> Iterator[None]:
    """A block whose ``classify_snapshot`` calls of one date share the per-customer facts (one ``cls_cust``
    build and one ``customer_facts`` write for both profiles) and the data checks (their Issues depend on the
    date's snapshots and the size basis, not on the profile: made once, given to each profile's report); load
    nothing inside it."""
    outer = not sharing(wh)
    with sharing_customer_facts(wh):
        try:
            yield
        finally:
            if outer:
                _CHECKED.pop(wh, None)


def _checked(wh: Warehouse, key: tuple[date, str]) -> tuple[Issue, ...] | None:
    """The Issues of the data checks already made for ``key`` in this ``classifying_together`` block, if any."""
    held = _CHECKED.get(wh) if sharing(wh) else None
    return held[1] if held is not None and held[0] == key else None


def _issues(wh: Warehouse, as_of: date, info: dict[str, Any]) -> list[Issue]:
    out: list[Issue] = []
    catalogue = info["green_catalogue"]
    if not info["green_catalogue_in_force"]:
        out.append(Issue("WP-CLS-021", Level.INFO,
                         f"{as_of.isoformat()} 早于绿色目录 {catalogue} 施行日，按现有最早版本判定",
                         Source("loans", None, None, "green_code")))
    counts = check_counts(wh)
    out += _check_issues(wh, counts, "invalid_green_code", "WP-CLS-001", lambda r: Issue(
        "WP-CLS-001", Level.WARNING,
        f"绿色项目分类 {r['green_code']!r} 不是《绿色金融支持项目目录》三级条目，不计入绿色贷款",
        Source("loans", None, f"loan_id={r['loan_id']}", "green_code"),
        _suggest(r["green_code"], r["purpose_industry_code"], catalogue),
    ))
    out += _check_issues(wh, counts, "green_amount_above_balance", "WP-CLS-002", lambda r: Issue(
        "WP-CLS-002", Level.WARNING,
        f"绿色部分金额 {r['green_amount_raw']} 大于贷款余额 {r['balance']}，按贷款余额计入",
        Source("loans", None, f"loan_id={r['loan_id']}", "green_amount"),
    ))
    out += _check_issues(wh, counts, "green_amount_without_code", "WP-CLS-003", lambda r: Issue(
        "WP-CLS-003", Level.INFO, "填报了绿色部分金额但未填绿色项目分类，不计入绿色贷款",
        Source("loans", None, f"loan_id={r['loan_id']}", "green_code"),
        _suggest(None, r["purpose_industry_code"], catalogue),
    ))
    out += size_issues(wh, as_of)
    if registry_snapshot(wh, as_of) is None:
        out.append(Issue("WP-CLS-020", Level.INFO,
                         f"{as_of.isoformat()} 及以前没有加载名录（registries），科技型企业、全国养老机构无法匹配",
                         Source("registries")))
    return out


@lru_cache(maxsize=4096)
def _suggest(code: str | None, industry: str | None, catalogue: str) -> str:
    return suggest_green_codes(code, industry, catalogue)


def _check_issues(wh: Warehouse, counts: dict[str, int], check: str, code: str,
                  issue: Callable[[dict[str, Any]], Issue]) -> list[Issue]:
    """One Issue per offending row of a classification check (at most ``ISSUE_LIMIT``), then the overflow line."""
    total, rows = check_rows(wh, check, ISSUE_LIMIT, counts[check])
    out = [issue(r) for r in rows]
    _overflow(out, total, len(rows), code)
    return out


def _overflow(out: list[Issue], total: int, shown: int, code: str) -> None:
    if total > shown:
        out.append(Issue(code, Level.INFO, f"另有 {total - shown} 笔同类问题未逐条列出（共 {total} 笔）",
                         Source("loans")))


def size_issues(wh: Warehouse, as_of: date, limit: int = ISSUE_LIMIT) -> list[Issue]:
    """Declared size ≠ size derived per 工信部联企业〔2011〕300号, every customer of ``as_of`` (needs the size
    reference registered, ``register_size_reference``)."""
    total, rows = size_disagreements(wh, as_of, limit)
    out = []
    for r in rows:
        out.append(Issue(
            "WP-CLS-010", Level.WARNING,
            f"申报企业规模={SIZE_ZH.get(r['declared_size'], r['declared_size'])}，按划型标准测算为"
            f"{SIZE_ZH[r['derived_size']]}（{r['group_name']}：{r['figures']}）",
            Source("customers", None, f"customer_id={r['customer_id']}", "declared_size"),
            "核对从业人员、营业收入、资产总额及所属行业，或更正申报规模",
        ))
    if total > len(rows):
        out.append(Issue("WP-CLS-010", Level.INFO, f"另有 {total - len(rows)} 户同类问题未逐条列出（共 {total} 户）",
                         Source("customers")))
    return out


def size_report(wh: Warehouse, as_of: date, size_basis: str = "declared_first",
                limit: int = 100_000) -> list[Issue]:
    """Size every customer of ``as_of`` and return the disagreements; stores the date's borrowers'
    ``customer_facts``."""
    from wupian.engine.classify_customers import build_customer_facts, register_size_reference

    _require_snapshot(wh, as_of)
    register_size_reference(wh, as_of, rulebook().registries)
    build_customer_facts(wh, as_of, size_basis, notes=False, borrowers_only=True)
    return size_issues(wh, as_of, limit)


def review_worklist(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """可能漏标 / 代码与投向不符 / 带*行业无佐证 candidates (never counted). ``profile`` is recorded as a column."""
    _require_snapshot(wh, as_of)
    plan_for(rulebook(), profile, as_of)  # validates the profile name
    ds, _ = catalogue_for(as_of)
    table = _review(wh, as_of, ds.name)
    return table.append_column("profile", pa.array([profile] * table.num_rows, pa.string()))


def tag_overlap(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """Pairwise overlap matrix of tech/green/inclusive/pension/digital (loans and balance in both)."""
    return engine.overlap_matrix(wh, as_of, profile)


def loan_tags(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """Stored classification rows (loan_id, tag, amount, rule_ids, explanation) of ``as_of`` / ``profile``;
    the explanations are rendered now, with the size basis the rows were classified with."""
    from wupian.engine.lineage import recorded_params

    basis = recorded_params(wh, "loan_tags", as_of, profile).get("size_basis", "declared_first")
    return engine.loan_tag_rows(wh, as_of, plan_for(rulebook(), profile, as_of, basis))


def customer_facts(wh: Warehouse, as_of: date) -> pa.Table:
    """Per-customer facts of ``as_of`` (the ``customer_facts`` columns, every customer ordered by customer, the
    size notes rendered), computed now with the size basis of the date's ``pboc_2025`` classification, else of its
    stored facts (a classification on demand stores no facts: they are computed where read, issue 14). Where the
    stored facts of the date are missing or stale and the warehouse is writable they are stored again."""
    from wupian.engine.classify_customers import customer_fact_rows
    from wupian.engine.lineage import NO_PROFILE, recorded_params, stale_dates, versions

    _require_snapshot(wh, as_of)
    basis = recorded_params(wh, "loan_tags", as_of, "pboc_2025").get("size_basis") or recorded_params(
        wh, "customer_facts", as_of, NO_PROFILE).get("size_basis", "declared_first")
    store = not wh.read_only and bool(stale_dates(wh, "customer_facts", [as_of], NO_PROFILE, versions(),
                                                  params={"size_basis": basis}))
    return customer_fact_rows(wh, as_of, basis, rulebook().registries, store=store)
