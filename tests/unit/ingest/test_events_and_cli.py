"""load_events de-duplication and the data CLI commands (CliRunner on a fresh Typer app)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from wupian.cli import context, data_cmds
from wupian.core.errors import DataError
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_events, load_snapshot

AS_OF = dt.date(2026, 3, 31)
TXNS = """txn_id,account_id,booked_at,amount,summary
T1,A001,2026-03-01 08:00:00,-30.00,话费充值
T2,A001,2026-03-02 08:00:00,"-1,200.50",保险扣款
"""


def _accounts(snap: Path) -> None:
    (snap / "accounts.csv").write_text(
        "account_id,customer_id,account_type,opened_at\nA001,K0002,personal_debit,2020-01-01\n", encoding="utf-8"
    )


def test_events_are_deduplicated_on_their_ids(wh: Warehouse, good_dir: Path, tmp_path: Path) -> None:
    _accounts(good_dir)
    load_snapshot(wh, AS_OF, good_dir)
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "transactions.csv").write_text(TXNS, encoding="utf-8")
    first = load_events(wh, ev)
    assert first.ok and first.loaded["transactions"] == 2
    again = load_events(wh, ev)
    assert again.ok and again.loaded["transactions"] == 0 and again.skipped["transactions"] == 2
    (ev / "transactions.csv").write_text(
        TXNS.replace("-30.00", "-31.00") + "T3,A404,2026-03-03 08:00:00,-5,x\nT4,A001,,,y\nT5,A001,2026-03-05,1,a\n"
        "T5,A001,2026-03-05,2,b\n",
        encoding="utf-8",
    )
    third = load_events(wh, ev)
    codes = sorted((i.code, i.source.line) for i in third.issues if str(i.level) == "ERROR")
    assert codes == [
        ("WP-LOAD-013", 5), ("WP-LOAD-013", 5), ("WP-LOAD-022", 6), ("WP-LOAD-022", 7),
        ("WP-LOAD-023", 4), ("WP-LOAD-029", 2),
    ]
    assert wh.scalar("SELECT amount FROM transactions WHERE txn_id = 'T1'") == -30
    assert wh.scalar("SELECT count(*) FROM transactions") == 2
    assert wh.scalar("SELECT count(*) FROM quarantine WHERE as_of IS NULL") == 5
    load_events(wh, ev)  # re-sending the same bad file does not duplicate the quarantine
    assert wh.scalar("SELECT count(*) FROM quarantine WHERE as_of IS NULL") == 5


def test_events_folder_refuses_unreadable_files(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "transactions.csv").write_text("txn_id,account_id,booked_at\nT1,A1,2026-01-01\n", encoding="utf-8")
    with pytest.raises(DataError):
        load_events(wh, tmp_path)


@pytest.fixture
def runner_app(tmp_path: Path) -> tuple[CliRunner, typer.Typer]:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = context.CliState(db=str(tmp_path / "cli.duckdb"))

    data_cmds.register(app)
    return CliRunner(), app


def test_cli_check_load_snapshots_quarantine(runner_app: tuple[CliRunner, typer.Typer], good_dir: Path) -> None:
    runner, app = runner_app
    ok = runner.invoke(app, ["check", str(good_dir)])
    assert ok.exit_code == 0, ok.output
    loaded = runner.invoke(app, ["load", "--as-of", "2026-03-31", str(good_dir)])
    assert loaded.exit_code == 0, loaded.output
    assert "贷款借据" in loaded.output
    text = (good_dir / "loans.csv").read_text(encoding="utf-8").replace("280000.12", "-3.00")
    (good_dir / "loans.csv").write_text(text, encoding="utf-8")
    bad = runner.invoke(app, ["check", str(good_dir), "--format", "json"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["issue_counts"] == [{"code": "WP-LOAD-007", "level": "ERROR", "count": 1}]
    line = runner.invoke(app, ["check", str(good_dir)])
    assert "loans.csv:3[loan_id=L000002].balance: ERROR WP-LOAD-007 expected money ≥ 0, got -3.00" in line.output
    rej = runner.invoke(app, ["load", "--as-of", "20260430", str(good_dir)])
    assert rej.exit_code == 1
    snaps = runner.invoke(app, ["snapshots"])
    assert snaps.exit_code == 0 and "2026-03-31" in snaps.output and "2026-04-30" in snaps.output
    q = runner.invoke(app, ["quarantine", "--as-of", "2026-04-30", "--table", "loans"])
    assert q.exit_code == 0 and "WP-LOAD-007" in q.output and "共 1 行被隔离" in q.output


def test_cli_usage_errors(runner_app: tuple[CliRunner, typer.Typer], good_dir: Path) -> None:
    from wupian.core.errors import UsageError

    runner, app = runner_app
    res = runner.invoke(app, ["load", "--as-of", "31/03/2026", str(good_dir)])
    assert isinstance(res.exception, UsageError)
    res = runner.invoke(app, ["check", str(good_dir), "--format", "xml"])
    assert isinstance(res.exception, UsageError)


def test_cli_load_events(runner_app: tuple[CliRunner, typer.Typer], good_dir: Path, tmp_path: Path) -> None:
    runner, app = runner_app
    _accounts(good_dir)
    assert runner.invoke(app, ["load", "--as-of", "2026-03-31", str(good_dir)]).exit_code == 0
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "交易流水.csv").write_text(TXNS, encoding="utf-8")
    res = runner.invoke(app, ["load-events", str(ev)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["load-events", str(ev)])
    assert "已跳过" in res.output
