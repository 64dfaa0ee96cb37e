"""The indicator layer's Python surface: compute every indicator for every node of a branch subtree at a
month-end, store them for the dashboard, compute one registry's coverage with its worklist, and drill down
from an indicator to the loans behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from wupian.core.errors import NotFound, UsageError
from wupian.core.periods import comparison_dates
from wupian.core.profiles import PROFILES
from wupian.engine import lineage
from wupian.engine.indicator_store import store_indicator_values, stored_indicator_values
from wupian.engine.load_inventory import registry_member_count
from wupian.engine.metrics import branch_nodes, explain_loans, has_rows
from wupian.engine.metrics_beside import Beside, checkpoint, concurrent_by_default
from wupian.engine.metrics_other import (
    coverage_by_node,
    peers_at,
    registry_members,
    root_branch,
    targets_for,
)
from wupian.engine.metrics_ranks import sibling_ranks
from wupian.engine.warehouse import Warehouse
from wupian.metrics.loan_values import compute_loan_values
from wupian.metrics.other_values import (
    account_values,
    activity_values,
    coverage_rate,
    coverage_values,
    fraud_values,
    peer_ranks,
    process_values,
    target_values,
)
from wupian.metrics.prune import family_lasts, family_may_match, loan_grid, wanted
from wupian.metrics.result import (
    SCHEMA,
    VALUE_TYPE,
    CoverageResult,
    IndicatorResult,
    IndicatorValue,
    values_table,
)
from wupian.metrics.schema import Definitions, load_definitions, load_names
from wupian.reference.calendar import calendar_note
from wupian.reference.fingerprint import package_fingerprint

RANKED_MEASURES = ("balance", "ytd_change", "ytd_growth", "customers", "first_loan_customers")


@lru_cache(maxsize=1)
def definitions() -> Definitions:
    """The packaged indicator definitions (validated once per process)."""
    return load_definitions()


@lru_cache(maxsize=1)
def names() -> dict[str, dict[str, str]]:
    return load_names()


def _tree(wh: Warehouse, as_of: date, branch_id: str | None, profile: str) -> pa.Table:
    """The subtree's nodes in tree order (branch_id, name, parent_id, level, region_code, tree_depth)."""
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if not has_rows(wh, "branches", as_of):
        raise UsageError(f"no snapshot loaded for {as_of.isoformat()} (no branches at that date)")
    tree = branch_nodes(wh, as_of, branch_id)
    if branch_id is not None and branch_id not in tree.column("branch_id").to_pylist():
        raise UsageError(f"branch {branch_id!r} does not exist on {as_of.isoformat()}")
    return tree


def _check(wh: Warehouse, as_of: date, branch_id: str | None, profile: str) -> list[str]:
    return _tree(wh, as_of, branch_id, profile).column("branch_id").to_pylist()


def _with_as_of(as_of: date, table: pa.Table) -> pa.Table:
    """branch_id, indicator_id, value, unit, unavailable_reason → the result schema (as_of first)."""
    return pa.table([pa.array([as_of] * table.num_rows, pa.date32()), *table.columns],
                    names=["as_of", *table.column_names]).cast(SCHEMA)


def _lookup(table: pa.Table, ids: set[str]) -> dict[tuple[str, str], IndicatorValue]:
    """The values of the given indicator ids (all nodes), as records — for the few look-ups in Python."""
    part = table.filter(pc.is_in(table.column("indicator_id"), pa.array(sorted(ids), pa.string())))
    return {(r.branch_id, r.indicator_id): r for r in IndicatorResult.from_table(date.min, "", part).rows}


def _ranks(as_of: date, ranked: pa.Table) -> pa.Table:
    n = ranked.num_rows
    return _with_as_of(as_of, pa.table({
        "branch_id": ranked.column("branch_id"), "indicator_id": ranked.column("ranked_id"),
        "value": pc.cast(ranked.column("rank"), VALUE_TYPE), "unit": pa.array(["rank"] * n, pa.string()),
        "unavailable_reason": pa.nulls(n, pa.string()),
    }))


def compute_indicators(
    wh: Warehouse,
    as_of: date,
    *,
    branch_id: str | None = None,
    profile: str = "pboc_2025",
    ids: Sequence[str] | None = None,
    store: bool = True,
    others: Beside[tuple[list[IndicatorValue], list[str]]] | None = None,
    while_storing: Callable[[IndicatorResult], object] | None = None,
    settle: bool = False,
) -> IndicatorResult:
    """Every indicator (or those matching the glob patterns in ``ids``) for every node of the subtree.

    A complete whole-bank result (no ``branch_id``, no ``ids``) is stored in the warehouse table
    ``indicator_values`` (replacing the stored result of the date and profile, with its lineage) unless ``store``
    is False. This layer
    reads the tags it finds and counts stale ones as missing; ``wupian.api.compute_indicators`` classifies what
    is missing or stale first. ``others``: the non-loan families of the same arguments, started beforehand
    (``start_other_families``), read where they would be computed. ``while_storing``: the caller's work on
    the result (e.g. its output text), done while the result is stored (after it when nothing is stored).
    ``settle`` (a caller that closes the warehouse next): when the store runs beside ``while_storing``, it ends
    with a checkpoint there (``engine.metrics_beside.checkpoint``), so the caller's close has nothing to write.
    """
    defs = definitions()
    tree = _tree(wh, as_of, branch_id, profile)
    nodes = tree.column("branch_id").to_pylist()
    regions = dict(zip(nodes, tree.column("region_code").to_pylist(), strict=True))
    patterns = list(ids) if ids else None
    parts: list[pa.Table] = []
    rows: list[IndicatorValue] = []
    notes: list[str] = []
    scopes = [s.id for s in defs.scopes]
    loan_scopes, loan_measures = loan_grid(defs, scopes, patterns)  # only what the patterns need
    counted = None
    if loan_measures:
        loans, counted = compute_loan_values(
            wh, as_of, defs=defs, profile=profile, scopes=loan_scopes, nodes=nodes, subtree=branch_id,
            measures=loan_measures)
        parts.append(_with_as_of(as_of, loans))
    found, said = others.result() if others is not None else other_families(wh, as_of, branch_id, nodes, patterns)
    rows += found
    notes += said
    parts.append(values_table(rows))
    values = pa.concat_tables(parts)
    wanted_targets = targets_for(wh, as_of.year)
    targets = target_values(as_of, wanted_targets, _lookup(values, {t["indicator_id"] for t in wanted_targets}),
                            nodes)
    values = pa.concat_tables([values, values_table(targets)])
    present = set(pc.unique(values.column("indicator_id")).to_pylist())
    ranked = {f"{s}.{m}" for s in scopes for m in RANKED_MEASURES}
    ranked |= {iid for iid in present if iid.startswith(("coverage.", "accounts.", "service.", "fraud."))
               or iid.endswith(".target_completion")}
    order = pa.table({"branch_id": tree.column("branch_id"), "parent_id": tree.column("parent_id"),
                      "ord": pa.array(range(len(nodes)), pa.int64())})
    siblings = _ranks(as_of, sibling_ranks(wh, values, order, sorted(ranked)))
    peers = peers_at(wh, as_of)
    # the top node of each region is judged on the whole tree, so a --branch run inside a region ranks nothing
    whole = tree if branch_id is None else branch_nodes(wh, as_of)
    all_regions = dict(zip(whole.column("branch_id").to_pylist(), whole.column("region_code").to_pylist(), strict=True))
    all_parents = dict(zip(whole.column("branch_id").to_pylist(), whole.column("parent_id").to_pylist(), strict=True))
    top_regions = {n: r for n, r in regions.items() if r and all_regions.get(all_parents.get(n) or "") != r}
    # peers without a region are whole banks: only the bank's root is comparable (a --branch run has none)
    peer_rows = peer_ranks(as_of, peers, _lookup(values, {p["indicator_id"] for p in peers}), top_regions,
                           root_branch(wh, as_of))
    values = pa.concat_tables([values, siblings, values_table(peer_rows)])
    if patterns is not None:
        keep = [i for i in pc.unique(values.column("indicator_id")).to_pylist() if wanted(i, patterns)]
        values = values.filter(pc.is_in(values.column("indicator_id"), pa.array(keep, pa.string())))
    result = IndicatorResult.from_table(as_of, profile, values, tuple(notes), tag_counts=counted)
    if store and branch_id is None and patterns is None:  # only complete whole-bank results are stored
        _store(wh, result, indicator_versions(wh, as_of, profile), while_storing, settle=settle)
    elif while_storing is not None:
        while_storing(result)
    return result


def _store(wh: Warehouse, result: IndicatorResult, versions: str,
           while_storing: Callable[[IndicatorResult], object] | None, *, settle: bool = False) -> None:
    """Store ``result``, then ``while_storing(result)`` — side by side where the engine allows it (the insert on a
    cursor of its own, then a checkpoint there when ``settle``; the caller's work here); the store's failure is
    raised first, as in that order."""
    def put(on: Warehouse) -> None:
        store_indicator_values(on, result.as_of, result.profile, result.to_arrow(), versions, result.notes)
        if settle and on is not wh:
            checkpoint(on)

    if while_storing is None or not concurrent_by_default(wh):
        put(wh)
        if while_storing is not None:
            while_storing(result)
        return
    pending = Beside.start(wh, put)
    try:
        while_storing(result)
    except BaseException:
        pending.result()  # the store's own failure first; else the caller's
        raise
    pending.result()


def other_families(wh: Warehouse, as_of: date, branch_id: str | None, nodes: Sequence[str],
                   patterns: list[str] | None) -> tuple[list[IndicatorValue], list[str]]:
    """The values of the non-loan families the patterns may match (coverage and services, accounts, processes,
    activities, fraud) for the subtree's ``nodes``, and their notes. They read snapshot (and operational)
    tables only — no classification, no temporary table."""
    defs = definitions()

    def family(*prefixes: str) -> bool:
        return family_may_match(prefixes, family_lasts(defs, prefixes), patterns)

    rows: list[IndicatorValue] = []
    notes: list[str] = []
    if family("coverage", "service"):
        rows += coverage_values(wh, as_of, branch_id)
    if family("accounts"):
        rows += account_values(wh, as_of, branch_id, nodes)
    if family("process"):
        proc, fallback = process_values(wh, as_of, branch_id)
        rows += proc
        note = calendar_note(fallback)
        if note:
            notes.append(note)
    if family("activity"):
        rows += activity_values(wh, as_of, branch_id)
    if family("fraud"):
        rows += fraud_values(wh, as_of, branch_id)
    return rows, notes


def start_other_families(wh: Warehouse, as_of: date, *, branch_id: str | None = None,
                         ids: Sequence[str] | None = None) -> Beside[tuple[list[IndicatorValue], list[str]]] | None:
    """``other_families`` of these arguments started in a thread on a cursor of ``wh`` (None where the engine
    runs one statement at a time): they do not depend on the classification, so they can run while it does —
    pass the result to ``compute_indicators(others=…)``, or ``cancel()`` it."""
    if not concurrent_by_default(wh):
        return None
    patterns = list(ids) if ids else None

    def run(on: Warehouse) -> tuple[list[IndicatorValue], list[str]]:
        nodes = branch_nodes(on, as_of, branch_id).column("branch_id").to_pylist()
        return other_families(on, as_of, branch_id, nodes, patterns)

    return Beside.start(wh, run)


def stored_indicators(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> IndicatorResult | None:
    """The stored complete result of ``as_of`` when it is fresh (same snapshots, definitions, tags, reference
    data and wupian version as a computation now would use), else None. A metadata look-up and one read."""
    found = stored_indicator_values(wh, as_of, profile, indicator_versions(wh, as_of, profile))
    if found is None:
        return None
    table, notes = found
    return IndicatorResult.from_table(as_of, profile, _with_as_of(as_of, table), notes)


def indicator_versions(wh: Warehouse, as_of: date, profile: str) -> str:
    """The versions stored indicator values record: the definitions' fingerprint and which classification of
    the as-of date and of its comparison dates they read."""
    tags = lineage.stamps(wh, "loan_tags", [as_of, *comparison_dates(as_of)], profile)
    return lineage.versions(f"defs={package_fingerprint('wupian.metrics', 'definitions')}", f"tags=[{tags}]")


def coverage(wh: Warehouse, registry: str, as_of: date, branch_id: str | None = None) -> CoverageResult:
    """Coverage of ``registry`` at every node of the subtree, and the worklist of uncovered members
    (no account, no credit line or no loan) per responsible branch."""
    _check(wh, as_of, branch_id, "pboc_2025")
    if not has_rows(wh, "registries", as_of) or not registry_member_count(wh, as_of, registry):
        raise UsageError(f"registry {registry!r} has no members in the snapshot of {as_of.isoformat()}")
    nodes = coverage_by_node(wh, as_of, registry, branch_id)
    # members without an attribute appear only in the registry-wide rows (as in the indicator values)
    keep = pc.or_(pc.equal(nodes.column("all_attributes"), 1), pc.is_valid(nodes.column("attribute")))
    nodes = nodes.filter(keep)
    members_n = nodes.column("members").to_pylist()
    for name in ("account", "credit", "loan"):
        rates = [coverage_rate(int(k), int(n)) for k, n in zip(nodes.column(f"with_{name}").to_pylist(), members_n,
                                                               strict=True)]
        nodes = nodes.append_column(f"{name}_rate", pa.array(rates, pa.decimal128(12, 4)))
    members = registry_members(wh, as_of, registry)
    tree = branch_nodes(wh, as_of, branch_id).to_pylist()
    names_by_id = {r["branch_id"]: r["name"] for r in tree}
    work = []
    for m in members.to_pylist():
        if m["branch_id"] not in names_by_id:
            continue
        missing = [zh for flag, zh in (("has_account", "未开户"), ("has_credit", "未授信"), ("has_loan", "无贷款"))
                   if not m[flag]]
        if missing:
            work.append({
                "责任机构号": m["branch_id"], "责任机构": names_by_id[m["branch_id"]],
                "证件代码": m["id_code"], "名称": m["name"], "属性": m["attribute"],
                "客户号": m["customer_id"], "缺口": "、".join(missing),
                "归属说明": "未指定责任机构，暂归总行" if m["unassigned"] else "",
            })
    columns = ["责任机构号", "责任机构", "证件代码", "名称", "属性", "客户号", "缺口", "归属说明"]
    worklist = pa.table({c: pa.array([w[c] for w in work], pa.string()) for c in columns})
    return CoverageResult(registry, as_of, nodes, worklist, members)


def explain_indicator(
    wh: Warehouse, indicator_id: str, as_of: date, branch_id: str, *, profile: str = "pboc_2025"
) -> pa.Table:
    """The rows behind one value: the loans for ``<scope>.<measure>``, the members for coverage ids."""
    defs = definitions()
    _check(wh, as_of, branch_id, profile)
    parts = indicator_id.split(".")
    if parts[0] in ("coverage", "service") and len(parts) >= 3:
        registry = parts[1] if parts[0] == "coverage" else parts[2]
        if not registry_member_count(wh, as_of, registry):  # not in the snapshot at all (valid or not)
            raise NotFound(f"registry {registry!r} is not in the snapshot of {as_of.isoformat()} ({indicator_id!r})",
                           f"名录 {registry} 不在 {as_of.isoformat()} 的快照中，无法查看指标 {indicator_id} 的明细")
        members = registry_members(wh, as_of, registry)
        subtree = set(branch_nodes(wh, as_of, branch_id).column("branch_id").to_pylist())
        return members.filter(pa.array([b in subtree for b in members.column("branch_id").to_pylist()], pa.bool_()))
    scope_ids = {s.id for s in defs.scopes}
    if len(parts) != 2 or parts[0] not in scope_ids:
        raise NotFound(f"cannot explain {indicator_id!r}: expected <scope>.<measure> or a coverage id",
                       f"指标 {indicator_id} 没有可查看的明细（应为 口径.度量 或名录覆盖指标）")
    try:
        measure = defs.measure(parts[1])
    except KeyError as exc:
        raise NotFound(f"unknown measure {parts[1]!r}", f"未找到指标 {indicator_id}（没有度量 {parts[1]}）") from exc
    while measure.kind in ("ratio", "change", "growth", "gap", "share"):
        measure = defs.measure(measure.numerator or measure.measure or "balance")
    where = list(measure.where)
    if measure.value == "flow_amount" and "ytd_flow" not in where:
        where.append("ytd_flow")
    if measure.kind == "weighted_avg" and measure.value == "amount":
        where.append("has_balance")
    return explain_loans(wh, as_of, profile=profile, scope=parts[0], branch_id=branch_id, where=where)


def indicator_label(indicator_id: str) -> str:
    """The zh label of an indicator id, e.g. ``tech.balance`` → 科技贷款余额."""
    defs = definitions()
    parts = indicator_id.split(".")
    suffix = ""
    while len(parts) > 2 and parts[-1] in SUFFIXES:
        suffix = SUFFIXES[parts[-1]] + suffix
        parts = parts[:-1]
    return _base_label(defs, parts, indicator_id) + suffix


SUFFIXES = {"rank_siblings": "（同级排名）", "rank_peers": "（同业排名）", "peer_count": "（参与排名机构数）",
            "target_completion": "（任务完成率）"}


def _base_label(defs: Definitions, parts: list[str], indicator_id: str) -> str:
    scopes = {s.id: s.label for s in defs.scopes}
    if len(parts) == 2 and parts[0] in scopes:
        try:
            return defs.measure(parts[1]).label.format(scope=scopes[parts[0]])
        except KeyError:
            return indicator_id
    n = names()
    family_names = {"coverage": "registries", "accounts": "accounts", "process": "processes", "activity": "activities"}
    if parts[0] in family_names and len(parts) >= 3:
        base = n[family_names[parts[0]]].get(parts[1], parts[1])
        if parts[0] == "coverage" and len(parts) >= 4 and parts[2] not in ("members",):
            base += f"（{parts[2]}）"
        fam = defs.family(f"{parts[0]}.{parts[-1]}") if f"{parts[0]}.{parts[-1]}" in {f.id for f in defs.families} else None
        return fam.label.format(name=base) if fam else indicator_id
    if parts[0] == "service" and len(parts) >= 4:
        base = n["services"].get(parts[1], parts[1]) + "·" + n["registries"].get(parts[2], parts[2])
        if len(parts) == 5:
            base += f"（{parts[3]}）"
        return defs.family(f"service.{parts[-1]}").label.format(name=base)
    if indicator_id in {f.id for f in defs.families}:  # a family that is one indicator (fraud.screened, …)
        return defs.family(indicator_id).label
    return indicator_id

