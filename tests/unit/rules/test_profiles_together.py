"""A date's profiles classified together (issue 14, session 12): ``rules.classify_snapshots`` / ``engine.run_plans``
tag every profile with one statement (the loans, their facts and joins read once) and write one part per profile
from one temp table of the signed loans (session 16; a partitioned ``COPY`` until then).

Each profile's stored rows, part (manifest row, projection), lineage row and report must be exactly what its own
classification gives; the month-end job classifies a date's stale profiles together and leaves a fresh profile's
part alone (a rule change in one profile re-tags that profile only).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from support.lineage_bank import demo_folders
from wupian import api, pipeline
from wupian.core.periods import comparison_dates
from wupian.engine import classify as engine
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, classify_snapshots, classifying_together, rulebook
from wupian.rules.compile import plan_for

PROFILES = ("pboc_2025", "nfra_1104_2025")
USCC = "91110000100000000X"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[date, Path]:
    return demo_folders(tmp_path_factory.mktemp("demo"), scale=0.01)


def engine_plan(profile: str, day: date) -> Any:
    return plan_for(rulebook(), profile, day)


def _open(path: Path, demo: dict[date, Path]) -> Warehouse:
    wh = api.open_warehouse(str(path))
    for day in sorted(demo):
        api.load_snapshot(wh, day, demo[day])
    return wh


def _tags(wh: Warehouse) -> list[dict[str, Any]]:
    return wh.rows("SELECT * FROM loan_tags ORDER BY as_of, profile, loan_id, tag")


def _parts(wh: Warehouse) -> list[dict[str, Any]]:
    return wh.rows("SELECT as_of, profile, rows, projection FROM stored_parts WHERE table_name = 'loan_tags' "
                   "ORDER BY as_of, profile")


def _lineage(wh: Warehouse) -> list[dict[str, Any]]:
    """The classification's lineage rows, each input as its date (the load ids are each warehouse's own)."""
    rows = wh.rows("SELECT kind, as_of, profile, inputs, versions, params FROM lineage WHERE kind = 'loan_tags' "
                   "ORDER BY as_of, profile")
    return [{**r, "inputs": [i.split("=")[0] for i in r["inputs"].split(",")]} for r in rows]


def _files(wh: Warehouse) -> dict[tuple[date, str], str]:
    return {(r["as_of"], r["profile"]): r["file"] for r in wh.rows(
        "SELECT as_of, profile, file FROM stored_parts WHERE table_name = 'loan_tags'")}


def test_one_statement_stores_what_each_profile_s_own_classification_stores(demo: dict[date, Path],
                                                                               tmp_path: Path) -> None:
    day = max(demo)
    with _open(tmp_path / "alone.duckdb", demo) as alone, _open(tmp_path / "shared.duckdb", demo) as shared:
        separate = [classify_snapshot(alone, day, p) for p in PROFILES]
        calls: list[str] = []
        real_write, real_sig = shared.parts.write, engine._signature_sql

        def spy_write(con: Any, name: str, *args: Any, **kw: Any) -> int:
            calls.append(f"write {name}")
            return real_write(con, name, *args, **kw)

        def spy_sig(*args: Any) -> Any:
            calls.append("sign the loans")
            return real_sig(*args)

        shared.parts.write = spy_write  # type: ignore[method-assign]
        engine._signature_sql = spy_sig  # type: ignore[assignment]
        try:
            with classifying_together(shared):
                together = classify_snapshots(shared, day, PROFILES)
        finally:
            engine._signature_sql = real_sig  # type: ignore[assignment]
        # the loans signed once for both profiles, a part written per profile
        assert calls.count("sign the loans") == 1 and calls.count("write loan_tags") == len(PROFILES)
        assert [r.profile for r in together] == list(PROFILES)
        assert [(r.counts, r.issues, r.loans) for r in together] == [(r.counts, r.issues, r.loans) for r in separate]
        rows = _tags(shared)
        assert {r["profile"] for r in rows} == set(PROFILES)  # both profiles tag loans of the demo bank
        assert rows == _tags(alone)
        assert _parts(shared) == _parts(alone)  # one part per profile, the same rows count and projection
        assert _lineage(shared) == _lineage(alone)
        assert shared.rows("SELECT * FROM customer_facts ORDER BY customer_id") == \
            alone.rows("SELECT * FROM customer_facts ORDER BY customer_id")


def test_classified_together_on_demand_and_in_the_other_order(demo: dict[date, Path], tmp_path: Path) -> None:
    day = max(demo)
    with _open(tmp_path / "alone.duckdb", demo) as alone, _open(tmp_path / "shared.duckdb", demo) as shared:
        for p in PROFILES:
            classify_snapshot(alone, day, p, on_demand=True)
        reports = classify_snapshots(shared, day, PROFILES[::-1], on_demand=True)
        assert [r.profile for r in reports] == list(PROFILES[::-1])
        assert _tags(shared) == _tags(alone) and _lineage(shared) == _lineage(alone)
        with pytest.raises(ValueError, match="one plan per profile"):
            classify_snapshots(shared, day, ("pboc_2025", "pboc_2025"))


def test_a_profile_that_tags_nothing_gets_an_empty_part(demo: dict[date, Path], tmp_path: Path) -> None:
    """Classified with a profile whose plan has no rule, that profile gets an empty part (no row, its manifest row
    and projection as its own classification writes them) and the other profile's rows are its own."""
    day = max(demo)
    first = engine_plan(PROFILES[0], day)
    empty = dataclasses.replace(first, profile="other_profile", rules=())
    with _open(tmp_path / "alone.duckdb", demo) as alone, _open(tmp_path / "shared.duckdb", demo) as shared:
        for plan in (first, empty):
            engine.run_plan(alone, day, plan)
        engine.run_plans(shared, day, (first, empty))
        assert _tags(shared) == _tags(alone) and {r["profile"] for r in _tags(shared)} == {PROFILES[0]}
        assert _parts(shared) == _parts(alone)
        assert [r for r in _parts(shared) if r["profile"] == "other_profile" and r["as_of"] == day][0]["rows"] == 0


def test_month_end_tags_a_date_s_stale_profiles_together_and_leaves_a_fresh_one(
        demo: dict[date, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = max(demo)
    calls: list[tuple[date, tuple[str, ...]]] = []
    real = engine.run_plans

    def spy(wh: Warehouse, day: date, plans: tuple[Any, ...], *args: Any, **kw: Any) -> dict[str, Any]:
        calls.append((day, tuple(p.profile for p in plans)))
        return real(wh, day, plans, *args, **kw)

    monkeypatch.setattr(engine, "run_plans", spy)
    with _open(tmp_path / "w.duckdb", demo) as wh:
        earlier = sorted(d for d in demo if d < as_of)
        for day in earlier:  # comparison dates classified before, each profile by itself
            for p in PROFILES:
                classify_snapshot(wh, day, p)
        cmp_days = [d for d, _ in pipeline.dates_to_classify(wh, as_of) if d != as_of]
        assert cmp_days == []  # fresh: month-end classifies the as-of date only
        calls.clear()
        pipeline.run_month_end(wh, as_of, tmp_path / "out1", uscc=USCC, kind="workbook")
        assert calls == [(as_of, PROFILES)]  # the as-of date's two profiles: one pass
        files = _files(wh)
        # a rule change in one profile's classification of a comparison date (its lineage no longer current)
        stale_day = next(d for d in comparison_dates(as_of) if d in demo)  # 上年末
        wh.execute("UPDATE lineage SET versions = 'rules=older' WHERE kind = 'loan_tags' AND as_of = ? "
                   "AND profile = 'nfra_1104_2025'", [stale_day])
        calls.clear()
        pipeline.run_month_end(wh, as_of, tmp_path / "out2", uscc=USCC, kind="workbook")
        assert calls == [(as_of, PROFILES), (stale_day, ("nfra_1104_2025",))]
        after = _files(wh)
        assert after[(stale_day, "pboc_2025")] == files[(stale_day, "pboc_2025")]  # fresh: not re-tagged
        assert after[(stale_day, "nfra_1104_2025")] != files[(stale_day, "nfra_1104_2025")]
        assert all(after[k] == v for k, v in files.items() if k[0] not in (as_of, stale_day))
        assert not pipeline.dates_to_classify(wh, as_of)[2:]  # everything current again
