"""``wupian indicators`` outputs at their edges: an explanation with no loans still has its header line, JSON says
``null`` where a value or a reason is absent (as ``/api/indicators`` does), and a drill into an unknown
indicator or registry is a usage error (exit 2) naming it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from support.cli_run import run
from support.lineage_bank import tiny_folder
from wupian import api

DAY = "2026-03-31"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one-loan bank (L1 of customer K1 at branch B1 under H, no green code), loaded and classified."""
    root = tmp_path_factory.mktemp("outputs")
    path = str(root / "w.duckdb")
    with api.open_warehouse(path) as wh:
        api.load_snapshot(wh, date(2026, 3, 31), tiny_folder(root, DAY, targets=True))
        api.ensure_fresh(wh, date(2026, 3, 31))
    return path


def explain(db: str, indicator: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run(["--db", db, "indicators", "--as-of", DAY, "--branch", "H", "--explain", indicator, "--format", fmt],
               capsys)


def test_an_explanation_without_loans_is_its_header_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, full, _ = explain(db, "all_loans.balance", "csv", capsys)
    assert code == 0
    header, *rows = full.splitlines()
    assert [r["loan_id"] for r in csv.DictReader(io.StringIO(full))] == ["L1"] and len(rows) == 1
    code, empty, _ = explain(db, "green.balance", "csv", capsys)  # L1 is not green: no loans behind the value
    assert (code, empty) == (0, header + "\n")
    assert header.split(",")[0] == "loan_id"
    code, out, _ = explain(db, "green.balance", "json", capsys)
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = explain(db, "all_loans.balance", "json", capsys)  # the same columns as the CSV header
    assert code == 0 and list(json.loads(out)[0]) == header.split(",")


def test_json_says_null_where_the_api_does(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--db", db, "indicators", "--as-of", DAY, "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    with api.open_warehouse(db) as wh:  # what /api/indicators answers (wupian.web.api_routes)
        result = api.compute_indicators(wh, date(2026, 3, 31), store=False)
        expected = [{"as_of": r.as_of.isoformat(), "branch_id": r.branch_id, "indicator_id": r.indicator_id,
                     "value": api.indicator_value_text(r.value) if r.value is not None else None, "unit": r.unit,
                     "unavailable_reason": r.unavailable_reason} for r in result.rows]
    assert rows == expected
    by_key = {(r["branch_id"], r["indicator_id"]): r for r in rows}
    assert by_key[("H", "all_loans.balance")]["value"] == "100.00"
    assert by_key[("H", "all_loans.balance")]["unavailable_reason"] is None
    missing = by_key[("H", "green.yoy_growth")]  # no year-ago snapshot: no value, and the reason says why
    assert missing["value"] is None and "2025-03-31" in missing["unavailable_reason"]
    # the CSV keeps '' for both (a CSV cell has no null)
    code, out, _ = run(["--db", db, "indicators", "--as-of", DAY, "--format", "csv"], capsys)
    line = next(x for x in out.splitlines() if x.startswith(f"{DAY},H,all_loans.balance,"))
    assert line == f"{DAY},H,all_loans.balance,100.00,yuan,"


@pytest.mark.parametrize("indicator,named", [
    ("coverage.no_such_registry.account_rate", "'no_such_registry'"),
    ("tech.no_such_measure", "'no_such_measure'"),
    ("tech.balance.rank_siblings", "'tech.balance.rank_siblings'"),
])
def test_explaining_what_does_not_exist_is_a_usage_error(db: str, indicator: str, named: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(db, indicator, "csv", capsys)
    assert code == 2 and out == "" and named in err and "Traceback" not in err

