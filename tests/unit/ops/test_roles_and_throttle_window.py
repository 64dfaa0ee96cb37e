"""Roles as data (the one vocabulary: ids, Chinese labels, permissions, refusals naming the valid roles) and the
login throttle's window: failures older than the window start the count again and never lock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from wupian.core.errors import UsageError
from wupian.ops import ROLES, OpsStore, ThrottlePolicy
from wupian.ops.passwords import MIN_LENGTH, hash_password, verify_password
from wupian.ops.roles import PERMISSIONS, role
from wupian.ops.sessions import record_failure, throttle_state


def test_every_role_has_a_chinese_label_and_known_permissions() -> None:
    assert ROLES == ("admin", "analyst", "manager", "teller", "supervisor", "auditor")
    for rid in ROLES:
        r = role(rid)
        assert r.id == rid and re.search(r"[\u4e00-\u9fff]", r.zh) and r.may.strip()
        assert r.permissions and r.permissions <= PERMISSIONS
    granted = set().union(*(role(r).permissions for r in ROLES))
    assert granted == PERMISSIONS  # no permission that no role can hold
    assert role("admin").permissions == {"users.manage", "audit.read"}  # no business data by itself
    assert "cases.approve" in role("supervisor").permissions and "cases.approve" not in role("teller").permissions
    assert not {p for p in role("auditor").permissions if not p.endswith(".read")}  # the auditor only reads


def test_an_unknown_role_names_the_valid_ones() -> None:
    with pytest.raises(UsageError) as err:
        role("superuser")
    assert str(err.value) == ("unknown role 'superuser'; expected one of admin, analyst, manager, teller, "
                              "supervisor, auditor")


def test_passwords_are_salted_argon2id_and_short_ones_refused() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("$argon2id$")
    assert verify_password(a, "correct horse") and not verify_password(a, "correct horsE")
    assert not verify_password(None, "correct horse") and not verify_password("not a hash", "correct horse")
    with pytest.raises(UsageError, match=f"at least {MIN_LENGTH} characters"):
        hash_password("x" * (MIN_LENGTH - 1))


def test_failures_outside_the_window_start_again_and_never_lock(store: OpsStore) -> None:
    keys = ["user:zhao", "addr:10.0.0.9"]
    stale = ThrottlePolicy(window=timedelta(seconds=-1), refuse_after=2)  # every earlier failure is stale
    for _ in range(5):
        record_failure(store, keys, stale)
    assert throttle_state(store, keys, stale) == (False, 0)
    fresh = ThrottlePolicy(window=timedelta(minutes=15), refuse_after=2)
    assert throttle_state(store, keys, fresh) == (False, 1)  # the count restarted at the last failure
    record_failure(store, keys, fresh)
    assert throttle_state(store, keys, fresh) == (True, 2)
    assert throttle_state(store, ["user:zhao"], fresh) == (True, 2)  # each key is locked on its own
    assert throttle_state(store, ["addr:10.0.0.10"], fresh) == (False, 0)
