"""The operational store against SQLite and a real PostgreSQL: migrations, users, sessions, throttling and the
append-only audit log (refused by a trigger, whatever SQL is sent)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from wupian.core.errors import UsageError
from wupian.ops import ROLES, OpsStore, ThrottlePolicy
from wupian.ops.passwords import verify_password
from wupian.ops.sessions import (
    clear_failures,
    create_session,
    end_session,
    lookup_session,
    record_failure,
    throttle_state,
)

PW = "correct horse battery"


def test_migrate_is_idempotent_and_creates_every_table(store: OpsStore) -> None:
    store.migrate()
    store.migrate()
    with store.engine.connect() as con:
        version = con.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0002"
    assert store.users() == []


def test_sqlite_store_uses_wal(tmp_path) -> None:
    st = OpsStore.open(str(tmp_path / "o.sqlite"))
    with st.engine.connect() as con:
        assert con.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_users_roles_and_password_hashes(store: OpsStore) -> None:
    u = store.add_user("li.ming", ["manager"], "0101", PW)
    assert (u.username, u.roles, u.branch_id, u.disabled) == ("li.ming", ("manager",), "0101", False)
    stored = store.password_hash("li.ming")
    assert stored is not None and stored.startswith("$argon2id$") and PW not in stored
    assert verify_password(stored, PW) and not verify_password(stored, PW + "x")
    assert not verify_password(None, PW)
    with pytest.raises(UsageError, match="already exists"):
        store.add_user("li.ming", ["manager"], "0101", PW)
    with pytest.raises(UsageError, match="unknown role 'boss'"):
        store.add_user("x", ["boss"], "0101", PW)
    with pytest.raises(UsageError, match="at least 10"):
        store.add_user("y", ["teller"], "0101", "short")
    with pytest.raises(UsageError, match="user name"):
        store.add_user("bad name;", ["teller"], "0101", PW)
    assert store.set_roles("li.ming", ["manager", "auditor"]).roles == ("manager", "auditor")
    assert store.user("li.ming").can("audit.read") and not store.user("li.ming").can("users.manage")
    assert store.set_disabled("li.ming").disabled
    assert not store.user("li.ming").can("indicators.read")
    assert [x.username for x in store.users()] == ["li.ming"]
    assert set(ROLES) == {"admin", "analyst", "manager", "teller", "supervisor", "auditor"}


def test_sessions_end_on_logout_expiry_and_any_user_change(store: OpsStore) -> None:
    u = store.add_user("wang", ["analyst"], "0000", PW)
    s1 = create_session(store, u, timedelta(hours=1), "127.0.0.1")
    found = lookup_session(store, s1.token)
    assert found is not None and found.user.username == "wang" and found.csrf_token == s1.csrf_token
    assert lookup_session(store, "forged") is None and lookup_session(store, None) is None
    end_session(store, s1.token)
    assert lookup_session(store, s1.token) is None
    for change in (lambda: store.set_password("wang", PW + "2"), lambda: store.set_roles("wang", ["manager"]),
                   lambda: store.set_disabled("wang")):
        s = create_session(store, store.user("wang"), timedelta(hours=1), None)
        assert lookup_session(store, s.token) is not None
        change()
        assert lookup_session(store, s.token) is None
    store.set_disabled("wang", False)
    expired = create_session(store, store.user("wang"), timedelta(seconds=-1), None)
    assert lookup_session(store, expired.token) is None


def test_throttle_slows_then_refuses_then_clears(store: OpsStore) -> None:
    policy = ThrottlePolicy(slow_after=2, refuse_after=3)
    keys = ["user:zhao", "addr:10.0.0.1"]
    assert throttle_state(store, keys, policy) == (False, 0)
    record_failure(store, keys, policy)
    record_failure(store, keys, policy)
    assert throttle_state(store, keys, policy) == (False, 2)
    record_failure(store, keys, policy)
    assert throttle_state(store, keys, policy) == (True, 3)
    assert throttle_state(store, ["user:other"], policy) == (False, 0)
    clear_failures(store, keys)
    assert throttle_state(store, keys, policy) == (False, 0)
    expired = ThrottlePolicy(refuse_after=1, refuse_for=timedelta(seconds=-1))
    record_failure(store, ["user:q"], expired)
    assert throttle_state(store, ["user:q"], expired)[0] is False


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only(store: OpsStore, sql: str) -> None:
    store.audit("login", actor="wang", address="127.0.0.1", outcome="failed", reason="bad password")
    store.audit("loan.view", actor="wang", object_type="loan", object_id="L1", address="127.0.0.1")
    with pytest.raises(DBAPIError, match="append-only"), store.begin() as con:
        con.execute(text(sql))
    entries = store.audit_entries()
    assert [e.action for e in entries] == ["loan.view", "login"]
    assert entries[1].detail == {"reason": "bad password"} and entries[1].outcome == "failed"
    assert entries[0].object_id == "L1" and store.audit_count() == 2
    assert [e.action for e in store.audit_entries(actor="wang", action="login")] == ["login"]
    assert store.audit_entries(before_id=entries[1].id) == []


def test_truncate_refused_on_postgresql(store: OpsStore) -> None:
    if store.dialect != "postgresql":
        pytest.skip("TRUNCATE is a PostgreSQL statement")
    store.audit("x", actor=None)
    with pytest.raises(DBAPIError, match="append-only"), store.begin() as con:
        con.execute(text("TRUNCATE audit_log"))
    assert store.audit_count() == 1


def test_bad_dsns_are_usage_errors(tmp_path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        OpsStore.open(str(tmp_path / "missing" / "o.sqlite"))
    with pytest.raises(UsageError, match="postgresql://"):
        OpsStore.open("mysql://x/y")
