"""``wupian month-end`` as the console script ends without interpreter teardown once its run is done and closed
(``wupian.cli.lean_process.finished``) and runs the collector less often (``lean_process.fewer_collections``) —
with the same exit code, printed lines and files as a call of ``main(argv)``, which changes neither — and a
month-end that fails before its run is done is torn down as usual."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.cli_run import run
from support.lean_console import SRC, console, copy_of, probe
from support.lineage_bank import tiny_folder
from wupian.cli import lean_process

USCC = "91130900MA0BANK010"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with one loaded (never classified) month-end of the one-loan bank."""
    root = tmp_path_factory.mktemp("quick")
    db = root / "base.duckdb"
    done = console("--db", str(db), "load", str(tiny_folder(root, "2026-03-31", targets=True)), "--as-of", "2026-03-31")
    assert done.returncode == 0, done.stderr
    return db



def _content(folder: Path) -> dict[str, object]:
    """Every file under ``folder``: its bytes, or an Office file's members but the creation time, or a PBOC log's
    lines but the 4th (its creation time)."""
    out: dict[str, object] = {}
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = f.read_bytes()
        if f.suffix in (".xlsx", ".docx"):
            z = zipfile.ZipFile(io.BytesIO(data))
            out[str(f.relative_to(folder))] = {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
        elif f.suffix == ".log":
            lines = data.split(b"\n")
            out[str(f.relative_to(folder))] = lines[:3] + lines[4:]
        else:
            out[str(f.relative_to(folder))] = data
    return out


def test_console_month_end_ends_at_once_with_what_main_writes(loaded: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    quick_db, plain_db = copy_of(loaded, tmp_path / "quick"), copy_of(loaded, tmp_path / "plain")
    quick_out, plain_out = tmp_path / "quick" / "out", tmp_path / "plain" / "out"
    args = ["month-end", "--as-of", "2026-03-31", "--uscc", USCC]
    quick = console("--db", str(quick_db), *args, "--out", str(quick_out))
    code, out, _ = run(["--db", str(plain_db), *args, "--out", str(plain_out)], capsys)
    assert quick.returncode == code
    assert quick.stdout.replace(str(quick_out), "OUT") == out.replace(str(plain_out), "OUT") and "workbook_" in out
    assert "teardown" not in quick.stderr  # ended at once, after the exit handlers
    assert quick.stderr.strip().splitlines()[-1] == "numpy imported: True"  # not lean: the PBOC files use NumPy
    assert _content(quick_out) == _content(plain_out) and len(_content(plain_out)) > 5


def test_console_month_end_that_fails_is_torn_down(loaded: Path, tmp_path: Path) -> None:
    db = copy_of(loaded, tmp_path / "w")
    failed = console("--db", str(db), "month-end", "--as-of", "2026-04-30", "--uscc", USCC, "--out",
                     str(tmp_path / "out"))
    assert failed.returncode == 2 and "no snapshot loaded for 2026-04-30" in failed.stderr
    assert "teardown" in failed.stderr  # not finished: the interpreter's own ending, finalizers included


def test_console_month_end_collects_less_often_and_main_keeps_the_collector(loaded: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    said = "atexit.register(lambda: print('gc threshold:', gc.get_threshold()[0], file=sys.stderr))\n"
    program = probe(("numpy",)).replace("import atexit, sys\n", "import atexit, gc, sys\n" + said, 1)
    args = ["--db", str(copy_of(loaded, tmp_path / "w")), "month-end", "--as-of", "2026-03-31", "--uscc", USCC,
            "--out", str(tmp_path / "out")]
    done = subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert done.returncode in (0, 1), done.stderr
    assert f"gc threshold: {lean_process.YOUNG_COLLECTION_EVERY}" in done.stderr.splitlines()
    before = gc.get_threshold()
    run(["--db", str(copy_of(loaded, tmp_path / "p")), *args[2:]], capsys)
    assert gc.get_threshold() == before and lean_process.fewer_collections() is False
