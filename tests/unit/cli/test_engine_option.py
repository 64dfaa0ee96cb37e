"""``--engine`` / ``--spark-master`` / ``--db`` with Spark through ``main()``: usage errors are exit 2 with one
line, decided before any Spark session starts (these tests need no Java)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli_run import wupian


def test_unknown_engine_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert wupian("--engine", "oracle", "indicators", "--as-of", "2026-03-31") == 2
    err = capsys.readouterr().err
    assert "duckdb, spark" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["serve"], ["demo"], ["users", "list"]])
def test_commands_not_on_spark_refuse_it(command: list[str], capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    assert wupian("--engine", "spark", "--db", str(tmp_path / "wh"), *command) == 2
    err = capsys.readouterr().err
    assert "does not run on --engine spark" in err and "indicators" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["screen", "req.json"], ["screen", "--backtest"]])
def test_only_the_screening_batch_runs_on_spark(command: list[str], capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    assert wupian("--engine", "spark", "--db", str(tmp_path / "wh"), *command) == 2
    err = capsys.readouterr().err
    assert "only the batch `wupian screen --all` runs" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["month-end", "--as-of", "2026-03-31", "--uscc", "91130900MA0BANK010"],
                                     ["report", "--as-of", "2026-03-31"], ["screen", "--all"],
                                     ["recurring", "--all", "--format", "csv"], ["recurring", "--stale-mandates"],
                                     ["recurring", "--stale-mandates", "A1"]])
def test_ported_commands_accept_spark(command: list[str], capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    # accepted by --engine spark: they get as far as looking for the warehouse (none here: exit 2, no Spark start)
    assert wupian("--engine", "spark", "--db", str(tmp_path / "none"), *command) == 2
    err = capsys.readouterr().err
    assert "no Spark warehouse" in err and "does not run on --engine spark" not in err


@pytest.mark.parametrize("command", [["recurring", "A1"], ["recurring", "A1", "--format", "csv"]])
def test_one_accounts_recurring_debits_stay_on_duckdb(command: list[str], capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    # refused before any warehouse is opened (no Spark start), with the reason and what does run
    assert wupian("--engine", "spark", "--db", str(tmp_path / "none"), *command) == 2
    err = capsys.readouterr().err
    assert "teller view" in err and "--all" in err and "--engine duckdb" in err and "Traceback" not in err


def test_engine_from_the_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    monkeypatch.setenv("WUPIAN_ENGINE", "spark")
    assert wupian("--db", str(tmp_path / "wh"), "serve") == 2
    assert "does not run on --engine spark" in capsys.readouterr().err


def test_spark_db_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "w.duckdb"
    f.write_bytes(b"")
    assert wupian("--engine", "spark", "--db", str(f), "indicators", "--as-of", "2026-03-31") == 2
    assert "folder of Parquet tables" in capsys.readouterr().err


def test_reading_a_missing_spark_warehouse_is_a_usage_error(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert wupian("--engine", "spark", "--db", str(tmp_path / "none"), "indicators", "--as-of", "2026-03-31") == 2
    assert "no Spark warehouse" in capsys.readouterr().err


def test_duckdb_db_must_still_be_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert wupian("--db", str(tmp_path), "indicators", "--as-of", "2026-03-31") == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("items", "message"), [
    (["spark.sql.shuffle.partitions"], "spark.KEY=VALUE"),
    (["shuffle=4"], "spark.KEY=VALUE"),
    (["spark.sql.ansi.enabled=false"], "needs spark.sql.ansi.enabled=true"),
    (["spark.sql.decimalOperations.allowPrecisionLoss=true"], "allowPrecisionLoss=false"),
    (["spark.master=yarn"], "use --spark-master"),
])
def test_bad_spark_conf_is_a_usage_error_before_spark_starts(items: list[str], message: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    args = [a for item in items for a in ("--spark-conf", item)]
    assert wupian("--engine", "spark", *args, "--db", str(tmp_path / "wh"), "indicators", "--as-of",
                  "2026-03-31") == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "no Spark warehouse" not in err


def test_spark_conf_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WUPIAN_SPARK_CONF", "spark.sql.shuffle.partitions=64 spark.sql.session.timeZone=Asia/Shanghai")
    assert wupian("--engine", "spark", "--db", str(tmp_path / "wh"), "indicators", "--as-of", "2026-03-31") == 2
    assert "needs spark.sql.session.timeZone=UTC" in capsys.readouterr().err
