"""Process-wide CLI context: the warehouse path chosen by ``--db`` / ``WUPIAN_DB``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _CliState:
    db: str | None = None


_STATE = _CliState()


def set_db(db: str | None) -> None:
    _STATE.db = db


def db_path() -> str | None:
    """The warehouse path given on the command line, or None for the default."""
    return _STATE.db
