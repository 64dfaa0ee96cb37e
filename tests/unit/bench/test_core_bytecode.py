"""bench/core.py names the wupian modules a step would compile at its start (no current bytecode), and compiling them
as scripts/install.sh does leaves none."""

from __future__ import annotations

import compileall
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]


def _core() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_core", ROOT / "bench" / "core.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_modules_without_current_bytecode_are_named_until_compiled(tmp_path: Path) -> None:
    core = _core()
    pkg = tmp_path / "wupian"
    (pkg / "engine").mkdir(parents=True)
    for name in ("__init__.py", "engine/__init__.py", "engine/a.py"):
        (pkg / name).write_text("X = 1\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in core.uncompiled(tmp_path)] == [
        "wupian/__init__.py", "wupian/engine/__init__.py", "wupian/engine/a.py"]
    assert compileall.compile_dir(str(pkg), quiet=1)
    assert core.uncompiled(tmp_path) == []
    edited = pkg / "engine" / "a.py"
    later = os.stat(importlib.util.cache_from_source(str(edited))).st_mtime + 10
    edited.write_text("X = 2\n", encoding="utf-8")
    os.utime(edited, (later, later))  # edited after it was compiled
    assert core.uncompiled(tmp_path) == [edited]


def test_the_install_script_compiles_the_package() -> None:
    """The command scripts/install.sh runs after pip, run here on a copy: it compiles every module of the package."""
    script = (ROOT / "scripts" / "install.sh").read_text(encoding="utf-8")
    line = next(s for s in script.splitlines() if s.startswith("python -m compileall"))
    assert "src/wupian" in line
    args = line.split(">")[0].split()[3:]  # the options and the folder after `python -m compileall`
    assert args[-1] == "src/wupian"
    done = subprocess.run([sys.executable, "-m", "compileall", *args[:-1], str(ROOT / "src" / "wupian")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _core().uncompiled(ROOT / "src") == []
