"""``wupian classify`` / ``wupian size`` through Typer's CliRunner on a warehouse file in tmp_path."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from wupian.core.errors import UsageError


@pytest.fixture
def app(two_loan_db: Path, classify_app: Callable[[Path], typer.Typer]) -> typer.Typer:
    return classify_app(two_loan_db)


def test_classify_csv_has_the_fixed_columns(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", "--as-of", "2025-12-31", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["loan_id", "tag", "amount", "rule_ids", "explanation"]
    assert {(r["loan_id"], r["tag"]) for r in rows} >= {("L1", "tech"), ("L1", "inclusive_micro")}
    assert "WP-CLS-001" in result.stderr and "WP-CLS-010" in result.stderr


def test_classify_json_to_file(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "tags.json"
    result = CliRunner().invoke(app, ["classify", "--as-of", "20251231", "--profile", "nfra_1104_2025",
                                      "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["tag"] for r in rows if r["loan_id"] == "L1"} >= {"tech", "tech_industry", "five_union"}


def test_explain_with_not(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", "--as-of", "2025-12-31", "--explain", "L1", "--not"])
    assert result.exit_code == 0, result.output
    assert "实际投向高技术制造业" in result.stdout and "依据" in result.stdout and "✗ 绿色贷款" in result.stdout


def test_review_and_size(app: typer.Typer) -> None:
    runner = CliRunner()
    review = runner.invoke(app, ["classify", "--as-of", "2025-12-31", "--review", "--format", "json"])
    assert review.exit_code == 0, review.output
    assert any(r["kind"] == "possibly_missed" for r in json.loads(review.stdout))
    size = runner.invoke(app, ["size", "--as-of", "2025-12-31", "--format", "csv"])
    assert size.exit_code == 0 and "C2" in size.stdout and "中型" in size.stdout


def test_missing_snapshot_is_a_usage_error(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", "--as-of", "2024-12-31"])
    assert isinstance(result.exception, UsageError)
