"""``compute_indicators(ids=…)`` computes only what the patterns need (``wupian.metrics.prune``), and what it
returns is exactly the matching rows of the unpruned result, in the same order, for any set of patterns:
exact ids, scope/measure/family globs, derived-id globs (ranks, peers, targets), subtree runs, and patterns
matching nothing."""

from __future__ import annotations

import fnmatch
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.golden_bank import load_bank
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.metrics.compute import definitions
from wupian.metrics.prune import DERIVED_SUFFIXES, family_may_match, loan_grid

AS_OF = date(2026, 3, 31)
BRANCH = None  # whole bank; the subtree case is its own test


@cache
def _bank() -> Warehouse:
    wh = Warehouse(":memory:")
    load_bank(wh)
    return wh


@cache
def _full(branch: str | None) -> tuple[dict[str, Any], ...]:
    return tuple(compute_indicators(_bank(), AS_OF, branch_id=branch, store=False).to_arrow().to_pylist())


def _ids() -> list[str]:
    return sorted({r["indicator_id"] for r in _full(None)})


def _pattern_pool() -> list[str]:
    defs = definitions()
    ids = _ids()
    pool = ids[:: max(1, len(ids) // 60)]  # a spread of exact ids
    pool += [f"{s.id}.*" for s in defs.scopes] + [f"*.{m.id}" for m in defs.measures]
    pool += [f"*.{s}" for s in DERIVED_SUFFIXES] + [f"{i}.{s}" for i in ids[:5] for s in DERIVED_SUFFIXES]
    pool += ["coverage.*", "service.*", "accounts.*", "process.*", "activity.*", "fraud.*", "*", "*rank*",
             "*customers*", "tech*", "*.balance.*", "nothing.matches", "green.?alance", "[gt]*.balance"]
    return pool


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_pruned_indicators_equal_the_same_ids_of_an_unpruned_run(data: st.DataObject) -> None:
    patterns = data.draw(st.lists(st.sampled_from(_pattern_pool()), min_size=1, max_size=4, unique=True))
    branch = data.draw(st.sampled_from([None, *sorted({r["branch_id"] for r in _full(None)})[1:3]]))
    got = compute_indicators(_bank(), AS_OF, branch_id=branch, ids=patterns, store=False).to_arrow().to_pylist()
    want = [r for r in _full(branch) if any(fnmatch.fnmatchcase(r["indicator_id"], p) for p in patterns)]
    assert got == want, patterns


def test_a_single_measure_glob_prunes_the_loan_grid() -> None:
    defs = definitions()
    scopes = [s.id for s in defs.scopes]
    got_scopes, measures = loan_grid(defs, scopes, ["*.balance"])
    assert got_scopes == scopes and [m.id for m in measures] == ["balance"]
    _, measures = loan_grid(defs, scopes, ["green.npl_ratio"])
    assert {m.id for m in measures} == {"npl_ratio", "npl_balance", "balance"}
    got_scopes, measures = loan_grid(defs, scopes, ["tech.ytd_growth_gap"])
    assert got_scopes == ["all_loans", "tech"]  # a gap compares with the whole bank's growth
    assert {m.id for m in measures} == {"ytd_growth_gap", "ytd_growth", "balance"}
    assert loan_grid(defs, scopes, ["coverage.*"]) == ([], [])


@pytest.mark.parametrize(("patterns", "expected"), [
    (["*.balance"], False), (["coverage.*"], True), (["tech.*"], False), (["*"], True),
    (["coverage.x.members.rank_siblings"], True), (["*rank*"], True), (["coverage.members"], True),
    (["coverage.unknown_measure"], False), (["[c]overage.x"], True), (["coverage"], False),
])
def test_family_skipped_only_when_no_id_can_match(patterns: list[str], expected: bool) -> None:
    assert family_may_match(("coverage", "service"), {"members", "account_rate"}, patterns) is expected
