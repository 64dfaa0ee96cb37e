"""pandas stays out of a wupian process (``wupian.engine.without_pandas``): DuckDB binds the same values without it,
the command line writes the same output without it, nothing is left hidden after a call, a library user's pyarrow
is never settled, and a process that imported pandas itself is left alone."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from tests.support.lineage_bank import tiny_folder

from wupian.engine import without_pandas as wp

SRC = str(Path(wp.__file__).parents[2])


# These compare a process with pandas installed against the same process with pandas kept out; without pandas
# installed (a plain install) there is nothing to compare. The dev extra installs pandas, so CI runs them.
needs_pandas = pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas is not installed")


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (wupian from this tree); its stdout."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    return res.stdout


BIND = """
import sys, datetime, decimal
import pyarrow as pa
from wupian.engine.warehouse import Warehouse
from wupian.engine.without_pandas import settle_pyarrow
settle_pyarrow()  # as the command line does: pyarrow does not import pandas either
with Warehouse(':memory:') as wh:
    got = wh.con.execute("SELECT ?, ?, ?, ?, ?, ?, ?, ?", ['文本', 7, True, None, datetime.date(2026, 3, 31),
        datetime.datetime(2026, 3, 31, 8, 30), decimal.Decimal('12345678901234.56'), ['a', 'b']]).fetchall()
    wh.con.execute("CREATE TABLE t (a VARCHAR, b DECIMAL(38, 2))")
    wh.con.executemany("INSERT INTO t VALUES (?, ?)", [['x', decimal.Decimal('1.10')], ['y', None]])
    wh.con.register("r", pa.table({"n": pa.array([1, 2], pa.int64())}))
    rows = wh.rows("SELECT a, b FROM t ORDER BY a") + wh.rows("SELECT sum(n) AS s FROM r")
    print(repr(got), repr(rows), 'pandas' in sys.modules)
"""


@needs_pandas
def test_duckdb_binds_the_same_values_without_pandas() -> None:
    hidden = _python(BIND).split()
    with_pandas = _python("import pandas\n" + BIND).split()
    assert hidden[-1] == "False" and with_pandas[-1] == "True"  # the first run never imported pandas
    assert hidden[:-1] == with_pandas[:-1]


@needs_pandas
def test_nothing_stays_hidden_after_a_call_and_library_pyarrow_is_not_settled() -> None:
    out = _python("""
import sys, datetime
from wupian.engine.warehouse import Warehouse
with Warehouse(':memory:') as wh:
    wh.con.execute("SELECT ?, ?", ['a', datetime.date(2026, 3, 31)]).fetchall()
print('pandas' in sys.modules, any(type(f).__name__ == '_HidePandas' for f in sys.meta_path))
import pyarrow as pa
pa.array([1])  # a library user's pyarrow (never settled) still asks for pandas, and finds it
print('pandas' in sys.modules)
import pandas, duckdb
frame = pandas.DataFrame({'x': [1, 2]})
print(duckdb.connect().execute('SELECT sum(x) FROM frame').fetchone()[0])
""")
    assert out.splitlines() == ["False False", "True", "3"]


@needs_pandas
def test_the_command_line_writes_the_same_csv_without_pandas(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path, "2026-03-31", targets=True)
    run = f"""
import sys, io, contextlib
from wupian.cli.main import run
db = {str(tmp_path / 'w.duckdb')!r}
assert run(['--db', db, 'load', {str(folder)!r}, '--as-of', '2026-03-31']) == 0
out = io.StringIO()
with contextlib.redirect_stdout(out):
    assert run(['--db', db, 'indicators', '--as-of', '2026-03-31', '--format', 'csv']) == 0
print(repr(out.getvalue()))
print('pandas' in sys.modules)
"""
    hidden = _python(run).splitlines()
    (tmp_path / "w.duckdb").unlink()
    with_pandas = _python("import pandas\n" + run).splitlines()
    assert hidden[-1] == "False" and with_pandas[-1] == "True"
    assert hidden[-2] == with_pandas[-2] and "green.balance" in hidden[-2]


def test_settle_pyarrow_leaves_a_process_with_pandas_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", sys.modules.get("pandas") or object())
    before = list(sys.meta_path)
    assert wp.settle_pyarrow() is False
    with wp.without_pandas():
        assert sys.meta_path == before  # pandas is there: nothing to hide


def test_hiding_is_counted_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    inside, release = threading.Barrier(3), threading.Event()
    seen: list[bool] = []

    def hold() -> None:
        with wp.without_pandas():
            inside.wait()
            release.wait()
            with pytest.raises(ModuleNotFoundError):
                __import__("pandas")
            seen.append(True)

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert sum(isinstance(f, wp._HidePandas) for f in sys.meta_path) == 1  # one finder for both holders
    release.set()
    for t in threads:
        t.join()
    assert seen == [True, True]
    assert not any(isinstance(f, wp._HidePandas) for f in sys.meta_path)


def test_the_warehouse_connection_is_wrapped_once() -> None:
    from wupian.engine.warehouse import Warehouse

    with Warehouse(":memory:") as wh:
        assert isinstance(wh.con, wp.PandasFreeConnection)
        assert wp.pandas_free(wh.con) is wh.con
        assert wh.con.execute("SELECT 41 + 1", []).fetchone() == (42,)  # no parameters: passed straight through
        assert wh.con.execute("SELECT ? + 1", [41]).fetchone() == (42,)
