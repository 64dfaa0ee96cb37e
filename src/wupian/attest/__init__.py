"""Tamper-evident attestation log for trade documents: an RFC 9162 Merkle log with signed receipts.

Depends on ``wupian.core`` only (and the ``cryptography`` package for Ed25519). The pure Merkle functions are
exported here for other tools; see ``docs/attest.md`` for the file layout, crash safety and receipt format.
"""

from __future__ import annotations

from wupian.attest.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    NodeSource,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "MemoryTree",
    "NodeSource",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]
