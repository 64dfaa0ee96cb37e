"""Issue 9 §1, each finding as a test: re-loading a corrected snapshot changes every figure and report that depends
on it; ``load`` then ``indicators`` gives the full figures; month-end re-classifies a changed comparison date."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from support.lineage_bank import altered_copy, clear_green, demo_folders, double_balance
from wupian.api import compute_indicators, load_snapshot, open_warehouse
from wupian.cli import context, data_cmds, metrics_cmds
from wupian.core.errors import UsageError
from wupian.engine.lineage import lineage_rows
from wupian.metrics import stored_indicators
from wupian.pipeline import dates_to_classify, run_month_end
from wupian.rules import classify_snapshot
from wupian.rules.fresh import stale_classifications

AS_OF = date(2026, 3, 31)
YEAR_END = date(2025, 12, 31)
USCC = "91110000100000000X"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[date, Path]:
    return demo_folders(tmp_path_factory.mktemp("lineage") / "bank")


def _load_all(db: str, folders: dict[date, Path]) -> None:
    with open_warehouse(db) as wh:
        for day, folder in sorted(folders.items()):
            load_snapshot(wh, day, folder)


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    data_cmds.register(app)
    metrics_cmds.register(app)
    return app


def _cli(db: str, *args: str) -> tuple[int, str]:
    context.set_db(db)
    res = CliRunner().invoke(_app(), list(args))
    return res.exit_code, res.stdout


def _top(db: str, indicator: str, day: date = AS_OF) -> Decimal | None:
    with open_warehouse(db) as wh:
        result = compute_indicators(wh, day, ids=[indicator])
        top = result.rows[0].branch_id
        return result.value(top, indicator)


def test_load_then_indicators_gives_every_figure_and_a_clean_csv(folders: dict[date, Path], tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    for day, folder in sorted(folders.items()):
        code, _ = _cli(db, "load", str(folder), "--as-of", day.isoformat())
        assert code in (0, 1)  # the demo plants a few bad rows (exit 1), the rest loads
    code, out = _cli(db, "indicators", "--as-of", AS_OF.isoformat(), "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "as_of,branch_id,indicator_id,value,unit,unavailable_reason"
    rows = list(csv.DictReader(io.StringIO(out)))
    by_id = {r["indicator_id"]: r for r in rows if r["branch_id"] == rows[0]["branch_id"]}
    for scope in ("tech", "green", "inclusive", "pension", "digital", "five_union"):
        assert by_id[f"{scope}.balance"]["value"] not in ("", "0.00"), scope
        assert by_id[f"{scope}.balance"]["unavailable_reason"] == ""
        assert by_id[f"{scope}.ytd_change"]["unavailable_reason"] == ""  # 2025-12-31 classified on demand too
    assert not any("分类" in r["unavailable_reason"] for r in rows)
    # the year-ago date (2025-03-31) is not loaded: said so in the reason column, value empty
    assert by_id["green.yoy_growth"]["value"] == ""
    assert "2025-03-31" in by_id["green.yoy_growth"]["unavailable_reason"]


def test_reload_with_green_codes_cleared_changes_green_balance_and_the_briefing(
    folders: dict[date, Path], tmp_path: Path
) -> None:
    db = str(tmp_path / "w.duckdb")
    _load_all(db, folders)
    with open_warehouse(db) as wh:
        first = run_month_end(wh, AS_OF, tmp_path / "out1", uscc=USCC)
    top = first.indicators.rows[0].branch_id
    green = first.indicators.value(top, "green.balance")
    assert green is not None and green > 0
    briefing = (tmp_path / "out1").glob("*.md")
    old_text = next(briefing).read_text("utf-8")
    assert "绿色贷款余额" in old_text

    with open_warehouse(db) as wh:
        load_snapshot(wh, AS_OF, altered_copy(folders[AS_OF], tmp_path / "fixed", clear_green))
        # invalidated inside the load: no derived row of the date survives
        assert wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ?", [AS_OF]) == 0
        assert wh.scalar("SELECT count(*) FROM indicator_values WHERE as_of = ?", [AS_OF]) == 0
        assert not [r for r in lineage_rows(wh) if r["as_of"] >= AS_OF]
    assert _top(db, "green.balance") == Decimal("0.00")
    with open_warehouse(db) as wh:
        second = run_month_end(wh, AS_OF, tmp_path / "out2", uscc=USCC)
    assert second.indicators.value(top, "green.balance") == Decimal("0.00")
    new_text = next((tmp_path / "out2").glob("*.md")).read_text("utf-8")
    old_sentence = next(line for line in old_text.splitlines() if "绿色贷款余额" in line)
    assert old_sentence not in new_text


def test_a_corrected_year_end_changes_the_ytd_change_of_a_later_date(folders: dict[date, Path], tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    _load_all(db, folders)
    before = _top(db, "green.ytd_change")
    balance = _top(db, "green.balance")
    assert before is not None and balance is not None and before != balance
    with open_warehouse(db) as wh:
        load_snapshot(wh, YEAR_END, altered_copy(folders[YEAR_END], tmp_path / "ye", clear_green))
        # every later date read the re-loaded one (first-loan history, 较年初): all their tags are gone
        assert wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of >= ?", [YEAR_END]) == 0
    assert _top(db, "green.ytd_change") == balance  # 上年末 green balance is now zero
    with open_warehouse(db) as wh:  # and the month-end job publishes the same
        result = run_month_end(wh, AS_OF, tmp_path / "out", uscc=USCC).indicators
    assert result.value(result.rows[0].branch_id, "green.ytd_change") == balance


def test_month_end_reclassifies_a_changed_comparison_date_even_with_current_rules(
    folders: dict[date, Path], tmp_path: Path
) -> None:
    db = str(tmp_path / "w.duckdb")
    _load_all(db, folders)
    with open_warehouse(db) as wh:
        run_month_end(wh, AS_OF, tmp_path / "out", uscc=USCC)
        assert stale_classifications(wh, AS_OF) == []
        assert dates_to_classify(wh, AS_OF) == [(AS_OF, "pboc_2025"), (AS_OF, "nfra_1104_2025")]
        # the year-end's data change behind the tags' back (a load id that differs from the one the tags read):
        # its tags still exist and carry the current rulebook version, yet they are stale
        wh.execute("UPDATE snapshots SET load_id = 'changed' WHERE as_of = ?", [YEAR_END])
        assert wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ?", [YEAR_END]) > 0
        assert (YEAR_END, "pboc_2025") in dates_to_classify(wh, AS_OF)
        assert (YEAR_END, "nfra_1104_2025") in dates_to_classify(wh, AS_OF)
        # a changed rulebook makes tags stale in the same way
        wh.execute("UPDATE lineage SET versions = 'rules=old' WHERE kind = 'loan_tags' AND as_of = ?", [AS_OF])
        assert (AS_OF, "pboc_2025") in stale_classifications(wh, AS_OF)


def test_reloading_a_date_keeps_the_results_of_earlier_dates(folders: dict[date, Path], tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    _load_all(db, folders)
    jan = date(2026, 1, 31)
    _top(db, "green.balance", jan)
    _top(db, "green.balance", AS_OF)
    with open_warehouse(db) as wh:
        load_snapshot(wh, AS_OF, altered_copy(folders[AS_OF], tmp_path / "x2", double_balance))
        kept = {(r["kind"], r["as_of"], r["profile"]) for r in lineage_rows(wh)}
        # the March folder carries targets and peers: stored indicator values of every date are dropped
        assert ("loan_tags", jan, "pboc_2025") in kept
        assert ("indicator_values", jan, "pboc_2025") not in kept
        assert not [k for k in kept if k[1] == AS_OF]
        assert stale_classifications(wh, jan, ("pboc_2025",), comparisons=False) == []


def test_a_read_only_warehouse_refuses_to_serve_stale_figures(folders: dict[date, Path], tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    _load_all(db, folders)
    with open_warehouse(db, read_only=True) as wh, pytest.raises(UsageError, match="read-only"):
        compute_indicators(wh, AS_OF)
    assert _top(db, "green.balance") is not None  # with write access it classifies on demand
    with open_warehouse(db, read_only=True) as wh:
        assert compute_indicators(wh, AS_OF, ids=["green.balance"], store=False).rows


def test_the_stored_result_is_served_only_while_fresh(folders: dict[date, Path], tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    _load_all(db, folders)
    with open_warehouse(db) as wh:
        assert stored_indicators(wh, AS_OF) is None  # nothing computed yet
        computed = compute_indicators(wh, AS_OF)
        served = stored_indicators(wh, AS_OF)
        assert served is not None
        assert served.rows == computed.rows and served.notes == computed.notes
        assert compute_indicators(wh, AS_OF).rows == computed.rows  # the reader takes the stored set
        assert stored_indicators(wh, AS_OF, "nfra_1104_2025") is None
        wh.execute("UPDATE lineage SET versions = 'defs=old' WHERE kind = 'indicator_values'")
        assert stored_indicators(wh, AS_OF) is None  # other indicator definitions: computed again
        compute_indicators(wh, AS_OF)
        assert stored_indicators(wh, AS_OF) is not None
        classify_snapshot(wh, YEAR_END, "pboc_2025", size_basis="derived_first")  # tags read by 较年初 changed
        assert stored_indicators(wh, AS_OF) is None
        compute_indicators(wh, AS_OF)
        assert stored_indicators(wh, AS_OF) is not None
        load_snapshot(wh, YEAR_END, folders[YEAR_END])  # the same folder again: a new load of an input
        assert stored_indicators(wh, AS_OF) is None
