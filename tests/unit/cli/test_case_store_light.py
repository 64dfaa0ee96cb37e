"""Asking whether a web app's operational store exists (``month-end``, ``screen``, ``cases`` do it on every run)
imports nothing heavy: not SQLAlchemy, not the screening engine, and no password is hashed at import — the
month-end job at 2M spent ≈ 0.4 s CPU on that before. The answer is the same as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wupian.cli.case_store import ops_dsn_for

SRC = str(Path(__file__).resolve().parents[3] / "src")
HEAVY = ("sqlalchemy", "alembic", "argon2", "wupian.ops.store", "wupian.monitor.screening")


def _python(code: str) -> dict[str, object]:
    env = {"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_no_operational_store_is_found_without_importing_it(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    got = _python("import json, sys\nfrom wupian.cli.case_store import export_to_warehouse, ops_dsn_for\n"
                  f"dsn = ops_dsn_for({str(db)!r}, None)\n"
                  f"rows = export_to_warehouse(None, {str(db)!r})\n"
                  f"print(json.dumps({{'dsn': dsn, 'rows': rows, 'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))")
    assert got == {"dsn": None, "rows": 0, "heavy": []}


def test_an_existing_store_beside_the_warehouse_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WUPIAN_OPS_DB", raising=False)
    db = tmp_path / "bank.duckdb"
    assert ops_dsn_for(str(db), None) is None
    (tmp_path / "bank.ops.sqlite").write_bytes(b"")
    assert ops_dsn_for(str(db), None) == f"sqlite:///{tmp_path.resolve() / 'bank.ops.sqlite'}"
    assert ops_dsn_for(str(db), "postgresql://x/y") == "postgresql://x/y"  # --ops-db wins
    monkeypatch.setenv("WUPIAN_OPS_DB", "sqlite:///elsewhere.sqlite")
    assert ops_dsn_for(str(db), None) == "sqlite:///elsewhere.sqlite"
    assert ops_dsn_for(":memory:", None) == "sqlite:///elsewhere.sqlite"


def test_the_default_location_has_one_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wupian import ops
    from wupian.ops import location, store

    monkeypatch.delenv("WUPIAN_OPS_DB", raising=False)
    assert ops.default_ops_dsn is store.default_ops_dsn is location.default_ops_dsn
    assert location.default_ops_dsn(str(tmp_path / "w.duckdb")) == f"sqlite:///{tmp_path.resolve() / 'w.ops.sqlite'}"


def test_the_unknown_user_hash_is_made_on_first_use_not_at_import() -> None:
    got = _python("import json\nfrom wupian.ops import store, passwords\n"
                  "before = passwords.dummy_hash.cache_info().currsize\n"
                  "unknown = passwords.verify_password(None, 'any-password-123')\n"
                  "made = passwords.dummy_hash()\n"
                  "print(json.dumps({'before': before, 'unknown': unknown, "
                  "'after': passwords.dummy_hash.cache_info().currsize, 'argon2id': made.startswith('$argon2id$'), "
                  "'own': passwords.verify_password(None, 'wupian-no-such-user-7f3c1e')}))")
    # a missing hash never matches, not even the password the dummy was made from
    assert got == {"before": 0, "unknown": False, "after": 1, "argon2id": True, "own": False}
