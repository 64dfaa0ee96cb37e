"""The lean process of ``wupian indicators`` / ``coverage`` (wupian.cli.lean_process): as the console script they
run without NumPy behind pyarrow and end without teardown — with the same bytes and exit codes as a call of
``main(argv)`` — and nothing changes for a program that calls ``main(argv)`` itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.cli_run import run
from support.lean_console import console, copy_of
from support.lineage_bank import tiny_folder
from wupian.cli import lean_process
from wupian.cli.main import main

SRC = str(Path(__file__).resolve().parents[3] / "src")
PACKAGE = Path(SRC) / "wupian"
# What the lean commands run: the CLI, the API and every layer below it that is not a report writer, a loader or
# the demo generator (those use NumPy: wupian.reports, wupian.ingest, wupian.demo).
LEAN_PACKAGES = ("cli", "core", "engine", "metrics", "rules", "reference", "contract", "api.py")
NUMPY_USE = re.compile(r"^\s*(import numpy|from numpy)|\bto_numpy\(|\bnp\.", re.MULTILINE)

@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with one loaded (never classified) month-end of the one-loan bank."""
    root = tmp_path_factory.mktemp("lean")
    folder = tiny_folder(root, "2026-03-31", targets=True)
    db = root / "base.duckdb"
    done = subprocess.run([sys.executable, "-c", "from wupian.cli.main import main; main()", "--db", str(db),
                           "load", str(folder), "--as-of", "2026-03-31"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC}, check=False)
    assert done.returncode == 0, done.stderr
    return db



@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_console_indicators_are_lean_and_print_what_main_prints(loaded: Path, tmp_path: Path, fmt: str,
                                                                capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # the console's width, as in the child
    lean_db, plain_db = copy_of(loaded, tmp_path / "lean"), copy_of(loaded, tmp_path / "plain")
    args = ["indicators", "--as-of", "2026-03-31", "--format", fmt]
    cold = console("--db", str(lean_db), *args)  # classifies on demand inside the lean process
    warm = console("--db", str(lean_db), *args)  # served from the store
    code, out, _ = run(["--db", str(plain_db), *args], capsys)
    assert code == 0 and cold.returncode == 0 and warm.returncode == 0
    assert cold.stdout == out and warm.stdout == out and "green.balance" in out
    for done in (cold, warm):  # pyarrow worked without NumPy on the system allocator; the exit handlers ran
        assert done.stderr.strip().splitlines()[-2:] == ["arrow pool: system", "numpy imported: False"]


def test_console_keeps_the_arrow_pool_the_environment_names(loaded: Path, tmp_path: Path) -> None:
    db = copy_of(loaded, tmp_path / "w")
    args = ["indicators", "--as-of", "2026-03-31", "--format", "csv"]
    chosen = console("--db", str(db), *args, ARROW_DEFAULT_MEMORY_POOL="mimalloc")
    plain = console("--db", str(db), *args)
    assert chosen.returncode == 0 and chosen.stdout == plain.stdout
    assert chosen.stderr.strip().splitlines()[-2] == "arrow pool: mimalloc"


def test_console_coverage_and_usage_errors_keep_their_codes(loaded: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = copy_of(loaded, tmp_path / "w")
    for args in (["indicators", "--as-of", "2026-03-31", "--branch", "NOPE"],
                 ["indicators", "--as-of", "2026-03-31", "--id", "no_such.id"],
                 ["coverage", "above_scale_enterprise", "--as-of", "2026-03-31"]):
        lean = console("--db", str(db), *args)
        code, out, err = run(["--db", str(db), *args], capsys)
        assert (lean.returncode, lean.stdout) == (code, out) and code == 2
        assert lean.stderr.strip().splitlines()[0] == err.strip().splitlines()[0]
        assert lean.stderr.strip().splitlines()[-1] == "numpy imported: False"
        assert "arrow pool: system" in lean.stderr.strip().splitlines()


def test_a_program_calling_main_gets_no_lean_process(loaded: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = copy_of(loaded, tmp_path / "w")
    assert run(["--db", str(db), "indicators", "--as-of", "2026-03-31", "--format", "csv"], capsys)[0] == 0
    assert not lean_process.is_lean()  # main(argv) is never the console script: teardown and NumPy as usual
    assert lean_process.enter() is False
    import pyarrow as pa

    assert pa.default_memory_pool().backend_name != "system"  # nor pyarrow's pool of the calling program


def test_a_program_calling_main_with_patched_argv_is_not_the_process_entry(loaded: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db = copy_of(loaded, tmp_path / "w")
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(db), "indicators", "--as-of", "2026-03-31"])
    with pytest.raises(SystemExit) as done:  # returned to pytest: no os._exit of the test process
        main()
    assert done.value.code == 0 and not lean_process.is_lean()


def test_without_numpy_arrow_does_nothing_once_pyarrow_is_imported() -> None:
    import pyarrow  # noqa: F401 - already imported in the test process

    assert lean_process.without_numpy_arrow() is False


def test_the_packages_lean_commands_run_do_not_use_numpy() -> None:
    """pyarrow of a lean process cannot convert NumPy arrays: a NumPy use in these packages would fail there
    (move it to reports/ingest/demo, or take the command off lean_process.enter)."""
    found = []
    for name in LEAN_PACKAGES:
        path = PACKAGE / name
        for f in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            text = f.read_text(encoding="utf-8")
            found += [f"{f.relative_to(PACKAGE)}: {m.group(0).strip()}" for m in NUMPY_USE.finditer(text)]
    assert found == []


def test_the_scan_would_see_a_numpy_use() -> None:
    assert NUMPY_USE.search("x = col.to_numpy(zero_copy_only=False)")
    assert NUMPY_USE.search("import numpy as np\n")
    assert not NUMPY_USE.search("# pyarrow without NumPy\nnumpy_free = True\n")


def test_every_console_command_gets_the_system_arrow_pool_unless_the_environment_names_one(
        loaded: Path, tmp_path: Path) -> None:
    """Not only the lean commands: a command that builds Arrow tables of its own (``classify``, like
    ``month-end``) runs on the system allocator as the console script, and on the pool the environment names."""
    args = ["classify", "--as-of", "2026-03-31", "--format", "csv"]
    plain = console("--db", str(copy_of(loaded, tmp_path / "a")), *args)
    chosen = console("--db", str(copy_of(loaded, tmp_path / "b")), *args, ARROW_DEFAULT_MEMORY_POOL="mimalloc")
    assert plain.returncode == chosen.returncode == 0 and plain.stdout == chosen.stdout
    assert "arrow pool: system" in plain.stderr.splitlines()
    assert "arrow pool: mimalloc" in chosen.stderr.splitlines()


BLAS_PROBE = ("import atexit, os, sys\n"
              "def said():\n"
              "    import numpy  # noqa: F401 - as month-end's PBOC files import it\n"
              "    threads = len(os.listdir('/proc/self/task'))\n"
              "    print('blas', os.environ.get('OPENBLAS_NUM_THREADS'), 'threads', threads, file=sys.stderr)\n"
              "atexit.register(said)\n"
              "from wupian.cli.main import main\n"
              "sys.argv[0] = 'wupian'\n"
              "main()\n")


@pytest.mark.parametrize(("environ", "said"), [({}, "blas 1 threads 1"), ({"OPENBLAS_NUM_THREADS": "2"}, "blas 2")])
def test_the_console_script_keeps_openblas_on_the_calling_thread_unless_the_environment_says(
        environ: dict[str, str], said: str) -> None:
    """NumPy imported by the console script starts no OpenBLAS workers (each would spin for ≈ 0.1 s of CPU);
    a value the environment gives is kept."""
    env = {"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), **environ}
    done = subprocess.run([sys.executable, "-c", BLAS_PROBE, "--help"], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(said)


def test_a_program_calling_main_keeps_its_openblas_setting(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(lean_process.BLAS_VARIABLE, raising=False)
    code, _, _ = run(["--help"], capsys)
    assert code == 0 and lean_process.BLAS_VARIABLE not in os.environ
