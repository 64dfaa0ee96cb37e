"""Ed25519 log keys and signed tree heads (STH) for the attestation log.

The log's key pair lives in the log directory: ``signing-key.pem`` (PKCS#8, file mode 0600) and
``public-key.pem`` (SubjectPublicKeyInfo, the file a counterparty needs). The key's *fingerprint* is the
lowercase hex SHA-256 of the DER SubjectPublicKeyInfo; it doubles as the log's identity.

An STH is ``(tree_size, timestamp, root_hash, signature)``. The signature is Ed25519 over this canonical
byte string (all integers unsigned big-endian)::

    b"wupian-attest/sth/v1\\n"      21 bytes, domain separation
    key fingerprint                32 bytes (raw SHA-256 of the public key DER)
    tree_size                      8 bytes
    timestamp                      8 bytes, milliseconds since 1970-01-01T00:00:00Z
    root_hash                      32 bytes
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wupian.attest.errors import InvalidRequestError, LogExistsError, LogNotFoundError

PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "public-key.pem"
STH_DOMAIN = b"wupian-attest/sth/v1\n"
_STH_BODY = struct.Struct(">32sQQ32s")


def public_key_der(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """Lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_key_der(public_key)).hexdigest()


def load_public_key_pem(pem: bytes | str) -> Ed25519PublicKey:
    """Parse a PEM public key; raises ``InvalidRequestError`` unless it is an Ed25519 key."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InvalidRequestError(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidRequestError("the public key is not an Ed25519 key")
    return key


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head signed by the log key: the log commits to ``root_hash`` as its state at ``tree_size``."""

    tree_size: int
    timestamp: int  # milliseconds since the Unix epoch, UTC
    root_hash: bytes
    signature: bytes
    key_fingerprint: str

    def signing_input(self) -> bytes:
        return sth_signing_input(self.key_fingerprint, self.tree_size, self.timestamp, self.root_hash)

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "timestamp_iso": datetime.fromtimestamp(self.timestamp / 1000, UTC).isoformat(timespec="milliseconds"),
            "root_hash": self.root_hash.hex(),
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "key_fingerprint": self.key_fingerprint,
        }

    @classmethod
    def from_json(cls, obj: object) -> SignedTreeHead:
        """Parse the JSON form; raises ``ValueError`` on any malformed field."""
        if not isinstance(obj, dict):
            raise ValueError("signed tree head must be an object")
        size, ts = obj.get("tree_size"), obj.get("timestamp")
        if not (isinstance(size, int) and isinstance(ts, int)) or isinstance(size, bool) or isinstance(ts, bool):
            raise ValueError("tree_size and timestamp must be integers")
        if not (0 <= size < 1 << 64 and 0 <= ts < 1 << 64):
            raise ValueError("tree_size or timestamp out of range")
        fp = obj.get("key_fingerprint")
        if not isinstance(fp, str) or len(fp) != 64:
            raise ValueError("key_fingerprint must be 64 hex digits")
        bytes.fromhex(fp)
        root = bytes.fromhex(str(obj.get("root_hash")))
        if len(root) != 32:
            raise ValueError("root_hash must be 32 bytes")
        signature = base64.b64decode(str(obj.get("signature")), validate=True)
        return cls(size, ts, root, signature, fp)


def sth_signing_input(key_fingerprint: str, tree_size: int, timestamp: int, root_hash: bytes) -> bytes:
    """The canonical bytes an STH signature covers (see the module docstring)."""
    return STH_DOMAIN + _STH_BODY.pack(bytes.fromhex(key_fingerprint), tree_size, timestamp, root_hash)


def verify_sth(sth: SignedTreeHead, public_key: Ed25519PublicKey) -> bool:
    """True when ``sth`` names this key and its signature is valid. Never raises."""
    try:
        if sth.key_fingerprint != fingerprint(public_key):
            return False
        public_key.verify(sth.signature, sth.signing_input())
        return True
    except (InvalidSignature, ValueError, TypeError, struct.error):
        return False


@dataclass(frozen=True)
class LogKey:
    """The log's signing key, loaded from a log directory."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def public_pem(self) -> str:
        return public_key_pem(self.public_key)

    def sign_tree_head(self, tree_size: int, root_hash: bytes, timestamp: int | None = None) -> SignedTreeHead:
        ts = int(time.time() * 1000) if timestamp is None else timestamp
        fp = self.fingerprint
        signature = self.private_key.sign(sth_signing_input(fp, tree_size, ts, root_hash))
        return SignedTreeHead(tree_size, ts, root_hash, signature, fp)


def generate_key(directory: str | os.PathLike[str]) -> LogKey:
    """Create a new key pair in ``directory``; refuses to overwrite an existing key."""
    path = Path(directory)
    private_path, public_path = path / PRIVATE_KEY_FILE, path / PUBLIC_KEY_FILE
    if private_path.exists():
        raise LogExistsError(f"{private_path} already exists; refusing to replace the log key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write_new(private_path, pem, 0o600)
    _write_new(public_path, public_key_pem(key.public_key()).encode("ascii"), 0o644)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return LogKey(key)


def load_key(directory: str | os.PathLike[str]) -> LogKey:
    path = Path(directory) / PRIVATE_KEY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LogNotFoundError(f"no signing key at {path} (run `wupian attest init`)") from None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidRequestError(f"{path} is not an Ed25519 private key")
    return LogKey(key)


def load_public_key(directory: str | os.PathLike[str]) -> Ed25519PublicKey:
    path = Path(directory) / PUBLIC_KEY_FILE
    try:
        return load_public_key_pem(path.read_bytes())
    except FileNotFoundError:
        raise LogNotFoundError(f"no public key at {path} (run `wupian attest init`)") from None


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # umask must not widen or narrow the intended mode
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
