"""Roles as data: ``roles.yaml`` read once into frozen records, with a closed schema."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from wupian.core.errors import UsageError

_FIELDS = {"id", "zh", "may", "permissions"}
PERMISSIONS = frozenset({
    "users.manage", "audit.read", "indicators.read", "loans.read", "coverage.read", "month_end.run",
    "reports.download", "accounts.read", "screening.run", "cases.own", "cases.queue", "cases.approve",
    "cases.read",
})


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    zh: str
    may: str
    permissions: frozenset[str]


@cache
def _load() -> dict[str, Role]:
    doc = yaml.safe_load((Path(__file__).with_name("roles.yaml")).read_text(encoding="utf-8"))
    if set(doc) != {"roles"}:
        raise ValueError(f"roles.yaml: unexpected keys {sorted(set(doc) - {'roles'})}")
    out: dict[str, Role] = {}
    for i, entry in enumerate(doc["roles"]):
        if set(entry) != _FIELDS:
            raise ValueError(f"roles.yaml: role #{i + 1} must have exactly the keys {sorted(_FIELDS)}")
        unknown = set(entry["permissions"]) - PERMISSIONS
        if unknown:
            raise ValueError(f"roles.yaml: role {entry['id']!r} has unknown permissions {sorted(unknown)}")
        if entry["id"] in out:
            raise ValueError(f"roles.yaml: duplicate role {entry['id']!r}")
        out[entry["id"]] = Role(entry["id"], entry["zh"], entry["may"], frozenset(entry["permissions"]))
    return out


ROLES: tuple[str, ...] = tuple(_load())


def role(role_id: str) -> Role:
    """The role ``role_id``; a usage error naming the valid roles otherwise."""
    try:
        return _load()[role_id]
    except KeyError:
        raise UsageError(f"unknown role {role_id!r}; expected one of {', '.join(ROLES)}") from None
