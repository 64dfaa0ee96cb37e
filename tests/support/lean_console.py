"""The console script as ``wupian`` runs it (``main()`` without argv) in a child process, reporting at exit which
of some modules were imported (``lean_process.end_at_once`` runs the atexit handlers before ``os._exit``) and
pyarrow's memory pool; a module global's finalizer would print ``teardown`` after that if the interpreter were
torn down."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def probe(modules: tuple[str, ...]) -> str:
    """The child's program: at exit one line ``<module> imported: <bool>`` for each of ``modules`` (in one line),
    above it the Arrow pool's line."""
    said = ", ".join(f"'{m} imported:', {m!r} in sys.modules" for m in modules)
    return ("import atexit, sys\n"
            f"atexit.register(lambda: print({said}, file=sys.stderr))\n"
            "atexit.register(lambda: 'pyarrow' in sys.modules and print('arrow pool:',\n"
            "                sys.modules['pyarrow'].default_memory_pool().backend_name, file=sys.stderr))\n"
            "class Finalized:\n    def __del__(self): print('teardown', file=sys.stderr)\n"
            "kept = Finalized()\n"
            "from wupian.cli.main import main\n"
            "sys.argv[0] = 'wupian'\n"
            "main()\n")


def console(*args: str, modules: tuple[str, ...] = ("numpy",), **environ: str) -> subprocess.CompletedProcess[str]:
    """Run ``wupian <args>`` as the console script (environment: ``PYTHONPATH`` to this checkout's src, ``PATH``,
    ``COLUMNS`` and ``environ``)."""
    env = {"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "100", **environ}
    return subprocess.run([sys.executable, "-c", probe(modules), *args], capture_output=True, text=True, env=env,
                          check=False)


def copy_of(base: Path, to: Path) -> Path:
    """A copy of the warehouse file ``base`` (and its ``.parts`` folder) as ``to/w.duckdb``."""
    to.mkdir(parents=True, exist_ok=True)
    db = to / "w.duckdb"
    shutil.copyfile(base, db)
    if Path(f"{base}.parts").exists():
        shutil.copytree(f"{base}.parts", f"{db}.parts")
    return db
