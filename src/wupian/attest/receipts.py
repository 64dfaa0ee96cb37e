"""Receipts and consistency records: the JSON a counterparty keeps, and how it is checked offline.

A **receipt** proves that one trade-document entry is leaf ``leaf_index`` of the log whose signed tree head
(STH) it carries. Checking it needs only the receipt, the public key, and optionally the document file:

1. the entry object re-encoded as canonical JSON gives the leaf hash SHA-256(0x00 || entry);
2. the document file's SHA-256 equals ``entry.document_sha256`` (when the file is given);
3. the public key's fingerprint equals the receipt's and the STH signature verifies under it;
4. the STH's size and root equal the receipt's;
5. the inclusion proof verifies (RFC 9162 §2.1.3.2) for that leaf, index, size and root.

A **consistency record** carries two signed heads and the RFC 9162 consistency proof between them, so a
holder of an older receipt can check that the log has only grown since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wupian.attest.documents import TradeEntry, canonical_json
from wupian.attest.errors import InvalidRequestError
from wupian.attest.merkle import leaf_hash, verify_consistency, verify_inclusion
from wupian.attest.sth import SignedTreeHead, fingerprint, verify_sth

RECEIPT_FORMAT = "wupian-attest-receipt/1"
CONSISTENCY_FORMAT = "wupian-attest-consistency/1"


@dataclass(frozen=True)
class Receipt:
    """Proof that ``entry`` is in the log at ``leaf_index``, under a signed tree head."""

    entry: dict[str, Any]
    leaf_index: int
    tree_size: int
    root_hash: bytes
    inclusion_proof: tuple[bytes, ...]
    signed_tree_head: SignedTreeHead

    @property
    def public_key_fingerprint(self) -> str:
        return self.signed_tree_head.key_fingerprint

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RECEIPT_FORMAT,
            "entry": self.entry,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "inclusion_proof": [h.hex() for h in self.inclusion_proof],
            "signed_tree_head": self.signed_tree_head.to_json(),
            "public_key_fingerprint": self.public_key_fingerprint,
            "hash_algorithm": "SHA-256 (RFC 9162 leaf 0x00, node 0x01)",
        }

    @classmethod
    def from_json(cls, obj: object) -> Receipt:
        """Parse a receipt; raises ``InvalidRequestError`` naming the first malformed field."""
        try:
            if not isinstance(obj, dict) or obj.get("format") != RECEIPT_FORMAT:
                raise ValueError(f"not a receipt (expected format {RECEIPT_FORMAT!r})")
            entry = obj["entry"]
            if not isinstance(entry, dict):
                raise ValueError("entry must be an object")
            index, size = obj["leaf_index"], obj["tree_size"]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (index, size)):
                raise ValueError("leaf_index and tree_size must be integers")
            proof = obj["inclusion_proof"]
            if not isinstance(proof, list):
                raise ValueError("inclusion_proof must be a list of hex hashes")
            sth = SignedTreeHead.from_json(obj["signed_tree_head"])
            if obj.get("public_key_fingerprint", sth.key_fingerprint) != sth.key_fingerprint:
                raise ValueError("public_key_fingerprint differs from the signed tree head's")
            return cls(entry, index, size, bytes.fromhex(str(obj["root_hash"])),
                       tuple(bytes.fromhex(str(h)) for h in proof), sth)
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidRequestError(f"malformed receipt: {exc}") from None


@dataclass(frozen=True)
class Check:
    """One step of a verification: its name, whether it passed, and what was compared."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying a receipt or consistency record; ``ok`` only if every check passed."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(f"{c.name}: {c.detail}" for c in self.checks if not c.ok)


def verify_receipt(
    receipt: Receipt, public_key: Ed25519PublicKey, document: bytes | None = None,
    document_sha256: str | None = None,
) -> Verification:
    """Check a receipt offline (see the module docstring). ``document`` or its hex SHA-256 are optional."""
    checks: list[Check] = []
    try:
        entry_bytes = canonical_json(receipt.entry)
        TradeEntry.from_json(receipt.entry)
        checks.append(Check("entry", True, "well-formed trade-document entry"))
    except (InvalidRequestError, TypeError, ValueError) as exc:
        return Verification((Check("entry", False, str(exc)),))
    if document is not None:
        document_sha256 = hashlib.sha256(document).hexdigest()
    if document_sha256 is not None:
        want = receipt.entry.get("document_sha256")
        checks.append(Check("document", document_sha256 == want,
                            f"file SHA-256 {document_sha256} {'=' if document_sha256 == want else '!='} "
                            f"entry document_sha256 {want}"))
    fp = fingerprint(public_key)
    checks.append(Check("public key", fp == receipt.public_key_fingerprint,
                        f"key fingerprint {fp}, receipt names {receipt.public_key_fingerprint}"))
    sth = receipt.signed_tree_head
    checks.append(Check("signature", verify_sth(sth, public_key),
                        f"Ed25519 signature over tree head of size {sth.tree_size}"))
    same_head = sth.tree_size == receipt.tree_size and sth.root_hash == receipt.root_hash
    checks.append(Check("tree head", same_head,
                        f"signed head size {sth.tree_size} root {sth.root_hash.hex()[:16]}…, receipt size "
                        f"{receipt.tree_size} root {receipt.root_hash.hex()[:16]}…"))
    included = verify_inclusion(leaf_hash(entry_bytes), receipt.leaf_index, receipt.tree_size,
                                list(receipt.inclusion_proof), receipt.root_hash)
    checks.append(Check("inclusion", included,
                        f"leaf {receipt.leaf_index} of {receipt.tree_size} with "
                        f"{len(receipt.inclusion_proof)}-hash audit path"))
    return Verification(tuple(checks))


@dataclass(frozen=True)
class ConsistencyRecord:
    """Two signed heads of the same log and the proof that the newer one extends the older one."""

    old_head: SignedTreeHead
    new_head: SignedTreeHead
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CONSISTENCY_FORMAT,
            "old_size": self.old_head.tree_size,
            "new_size": self.new_head.tree_size,
            "old_root": self.old_head.root_hash.hex(),
            "new_root": self.new_head.root_hash.hex(),
            "consistency_proof": [h.hex() for h in self.proof],
            "old_signed_tree_head": self.old_head.to_json(),
            "new_signed_tree_head": self.new_head.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> ConsistencyRecord:
        try:
            if not isinstance(obj, dict) or obj.get("format") != CONSISTENCY_FORMAT:
                raise ValueError(f"not a consistency record (expected format {CONSISTENCY_FORMAT!r})")
            proof = obj["consistency_proof"]
            if not isinstance(proof, list):
                raise ValueError("consistency_proof must be a list of hex hashes")
            return cls(SignedTreeHead.from_json(obj["old_signed_tree_head"]),
                       SignedTreeHead.from_json(obj["new_signed_tree_head"]),
                       tuple(bytes.fromhex(str(h)) for h in proof))
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidRequestError(f"malformed consistency record: {exc}") from None


def verify_consistency_record(record: ConsistencyRecord, public_key: Ed25519PublicKey) -> Verification:
    """Both heads signed by ``public_key`` and the proof shows the new tree extends the old one."""
    old, new = record.old_head, record.new_head
    checks = [
        Check("old signature", verify_sth(old, public_key), f"tree head of size {old.tree_size}"),
        Check("new signature", verify_sth(new, public_key), f"tree head of size {new.tree_size}"),
        Check("consistency", verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash,
                                                list(record.proof)),
              f"{old.tree_size} -> {new.tree_size} with {len(record.proof)}-hash proof"),
    ]
    return Verification(tuple(checks))


def receipt_is_covered(receipt: Receipt, record: ConsistencyRecord) -> bool:
    """True when ``record`` starts from exactly the signed head in ``receipt`` (same size and root)."""
    return (record.old_head.tree_size == receipt.tree_size
            and record.old_head.root_hash == receipt.root_hash)
