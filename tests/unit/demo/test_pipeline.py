"""The demo loads cleanly: only the planted rows are rejected; the CLI prints a summary and exits 0."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wupian.cli.app import create_app
from wupian.demo import PLANTED, run_demo
from wupian.engine.warehouse import Warehouse


def test_load_rejects_only_the_planted_rows(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.duckdb")
    result = run_demo(db, tmp_path / "bank", seed=11, scale=0.01, months=2)
    assert [d.isoformat() for d, _ in result.snapshot_reports] == ["2026-02-28", "2026-03-31"]
    assert result.rejected == len(PLANTED) and result.errors == len(PLANTED)
    feb, mar = (r for _, r in result.snapshot_reports)
    assert sum(feb.rejected.values()) == 0
    assert mar.rejected["loans"] == len(PLANTED)
    assert result.loaded("loans") == (result.manifest.loans[0], result.manifest.loans[1] - len(PLANTED))
    with Warehouse(db) as wh:
        keys = {r["row_key"] for r in wh.rows("SELECT row_key FROM quarantine")}
        assert keys == {f"loan_id={p.key}" for p in PLANTED}
        assert wh.scalar("SELECT count(*) FROM loans WHERE as_of = DATE '2026-03-31'") == mar.loaded["loans"]
        customers = wh.scalar("SELECT count(*) FROM customers WHERE as_of = DATE '2026-02-28'")
        assert customers == feb.loaded["customers"] > 0  # the GBK export with Chinese headers loaded too
    if result.manifest.events_dir is not None:
        assert result.events_report is not None and sum(result.events_report.rejected.values()) == 0


def test_cli_demo_prints_a_summary(tmp_path: Path) -> None:
    app = create_app(commands=("demo_cmd",))
    db = tmp_path / "cli.duckdb"
    out = tmp_path / "cli-bank"
    res = CliRunner().invoke(app, ["--db", str(db), "demo", "--out", str(out), "--scale", "0.01", "--months", "1"])
    assert res.exit_code == 0, res.output
    assert "五篇示范银行" in res.output and "拒收" in res.output and str(db) in res.output
    assert (out / "snapshots" / "2026-03-31" / "loans.csv").exists()
    bad = CliRunner().invoke(app, ["--db", str(db), "demo", "--out", str(out), "--scale", "0"])
    assert bad.exit_code != 0
