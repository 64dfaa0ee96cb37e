"""Password hashing with argon2id (argon2-cffi): slow, salted, parameters inside the hash string."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wupian.core.errors import UsageError

_HASHER = PasswordHasher()
MIN_LENGTH = 10


@cache
def dummy_hash() -> str:
    """A hash of a random password, verified against when the user does not exist, so that an unknown name costs
    the same time as a wrong password (no user enumeration by timing). Made on first use — hashing costs
    ≈ 0.15 s CPU, which every command importing the operational store paid at import — and made ahead of the
    first login by the web app (``wupian.web.app.create_app``), so no login ever waits for it."""
    return _HASHER.hash("wupian-no-such-user-7f3c1e")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (refusing passwords shorter than MIN_LENGTH characters)."""
    check_strength(password)
    return _HASHER.hash(password)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UsageError(f"the password must have at least {MIN_LENGTH} characters")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; a missing hash still spends the time of a verification."""
    try:
        return _HASHER.verify(stored_hash or dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
