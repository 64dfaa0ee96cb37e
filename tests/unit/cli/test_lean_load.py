"""``wupian load`` as the console script runs in a lean process (wupian.cli.lean_process: pyarrow without NumPy
behind it, on the system allocator, no teardown) — with the same bytes, exit codes and warehouse as a call of
``main(argv)``, for a clean folder and for one whose rows are quarantined, without importing NumPy or pyarrow.compute at all; and pyarrow's Parquet reader (the
fallback when DuckDB refuses a Parquet file) works in such a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from support.cli_run import run
from support.lean_console import console as lean_console

SRC = str(Path(__file__).resolve().parents[3] / "src")
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "ingest"


def console(*args: str) -> subprocess.CompletedProcess[str]:
    return lean_console(*args, modules=("numpy", "pyarrow.compute"))


def _tables(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "loans": con.execute("SELECT * FROM loans ORDER BY ALL").fetchall(),
            "quarantine": con.execute("SELECT * EXCLUDE (loaded_at) FROM quarantine ORDER BY ALL").fetchall(),
            "snapshots": con.execute("SELECT row_counts_json, rejected_counts_json, issue_counts_json "
                                     "FROM snapshots").fetchall(),
        }
    finally:
        con.close()


@pytest.mark.parametrize("case", ["good_minimal", "duplicate_key", "broken_reference", "cyclic_tree"])
def test_console_load_is_lean_and_does_what_main_does(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    folder = GOLDEN / case / "input"
    args = ["load", str(folder), "--as-of", "2026-03-31"]
    lean = console("--db", str(tmp_path / "lean.duckdb"), *args)
    code, out, _ = run(["--db", str(tmp_path / "plain.duckdb"), *args], capsys)
    assert (lean.returncode, lean.stdout) == (code, out)
    assert code == (0 if case == "good_minimal" else 1)  # a refused load (cyclic_tree) ends with 1 too
    assert "teardown" not in lean.stderr  # ended at once, after the exit handlers
    assert lean.stderr.strip().splitlines()[-2:] == ["arrow pool: system",
                                                      "numpy imported: False pyarrow.compute imported: False"]
    assert _tables(tmp_path / "lean.duckdb") == _tables(tmp_path / "plain.duckdb")


def test_the_pyarrow_parquet_reader_works_without_numpy_behind_pyarrow(tmp_path: Path) -> None:
    """``read._parquet_arrow`` numbers the lines through the buffer protocol, not ``pa.array(ndarray)``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "branches.parquet"
    pq.write_table(pa.table({"branch_id": ["H001", "O001"], "name": ["总行", "南山支行"],
                             "parent_id": [None, "H001"], "level": ["head", "outlet"]}), path)
    code = ("from wupian.cli import lean_process\n"
            "assert lean_process.without_numpy_arrow()\n"
            "from pathlib import Path\n"
            "from wupian.contract import table\n"
            "from wupian.ingest.read import _parquet_arrow\n"
            f"raw = _parquet_arrow(Path({str(path)!r}), table('branches')).raw\n"
            "print(raw.data.column('__line').to_pylist(), raw.data.num_rows)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1, 2] 2"
