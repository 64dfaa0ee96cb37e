"""Operational-store DSNs for tests: a SQLite file, and a fresh database on the throwaway PostgreSQL cluster of
``scripts/test-postgres.sh`` (``WUPIAN_TEST_PG_DSN``). Without that variable the PostgreSQL case is skipped,
except in CI (``CI=true``), where a missing server is a failure."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ENV = "WUPIAN_TEST_PG_DSN"


@contextmanager
def fresh_dsn(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield str(tmp_path / "ops.sqlite")
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI run without a PostgreSQL server: {PG_ENV} is not set (see scripts/test-postgres.sh)")
        pytest.skip(f"no PostgreSQL server ({PG_ENV} unset; run scripts/test-postgres.sh start)")
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    prefix, query = base.split("?", 1) if "?" in base else (base, "")
    dsn = prefix.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    try:
        yield dsn
    finally:
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
