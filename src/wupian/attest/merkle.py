"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, proofs and proof verification.

Pure functions over bytes, for anyone who needs to compute or check a tree head, an inclusion proof or a
consistency proof byte-for-byte as RFC 9162 §2.1 defines them (the hashing is the same as RFC 6962):

- leaf hash ``SHA-256(0x00 || entry)``, interior node hash ``SHA-256(0x01 || left || right)``;
- the tree over ``n`` entries splits at the largest power of two smaller than ``n``;
- the empty tree's head is ``SHA-256()`` of the empty string.

Proof *generation* works on any :class:`NodeSource` — something that returns the hash of a complete
(perfect) subtree by ``(level, index)``. A plain sequence of raw entries is accepted too and is turned into
an in-memory :class:`MemoryTree`; the durable log in :mod:`wupian.attest.store` is another NodeSource, where
each node is one 32-byte read, so a proof costs O(log n) reads.

Proof *verification* follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency). Verifiers never raise:
malformed input (wrong hash length, negative or out-of-range sizes, non-bytes) simply fails verification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return _sha256(LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(NODE_PREFIX + bytes(left) + bytes(right)).digest()


@runtime_checkable
class NodeSource(Protocol):
    """Anything that can return the hash of a complete subtree.

    ``node(level, index)`` is the hash of the perfect subtree of height ``level`` covering leaves
    ``[index * 2**level, (index + 1) * 2**level)``; level 0 are leaf hashes. ``size`` is the number of
    leaves the source holds; nodes are only asked for when they lie entirely below ``size``.
    """

    @property
    def size(self) -> int: ...

    def node(self, level: int, index: int) -> bytes: ...


@dataclass(frozen=True)
class MemoryTree:
    """All complete-subtree hashes of a list of entries, level by level (for small trees and tests)."""

    levels: tuple[tuple[bytes, ...], ...]

    @classmethod
    def from_entries(cls, entries: Sequence[bytes]) -> MemoryTree:
        return cls.from_leaf_hashes([leaf_hash(e) for e in entries])

    @classmethod
    def from_leaf_hashes(cls, hashes: Sequence[bytes]) -> MemoryTree:
        levels: list[tuple[bytes, ...]] = [tuple(hashes)]
        current = levels[0]
        while len(current) > 1:
            current = tuple(node_hash(current[i], current[i + 1]) for i in range(0, len(current) - 1, 2))
            levels.append(current)
        return cls(tuple(levels))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]


def _as_source(leaves_or_store: Sequence[bytes] | NodeSource) -> NodeSource:
    if isinstance(leaves_or_store, NodeSource):
        return leaves_or_store
    return MemoryTree.from_entries(leaves_or_store)


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(source: NodeSource, start: int, end: int) -> bytes:
    """Hash of the RFC 9162 subtree over leaves ``[start, end)``.

    ``start`` must be a multiple of the largest power of two not exceeding ``end - start`` (which is
    always the case for subtrees that occur in RFC 9162 proofs). Reads at most one node per level.
    """
    if end <= start:
        raise ValueError(f"empty range [{start}, {end})")
    # Decompose [start, end) into perfect subtrees, largest first, then fold from the right.
    parts: list[bytes] = []
    pos = start
    while pos < end:
        width = 1 << ((end - pos).bit_length() - 1)
        while pos % width:
            width >>= 1
        parts.append(source.node(width.bit_length() - 1, pos // width))
        pos += width
    acc = parts[-1]
    for h in reversed(parts[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_from_source(source: NodeSource, tree_size: int) -> bytes:
    """Tree head for the first ``tree_size`` leaves of a NodeSource."""
    if tree_size == 0:
        return EMPTY_ROOT
    return subtree_hash(source, 0, tree_size)


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 Merkle Tree Hash of a list of raw entries (the empty list gives SHA-256 of b"")."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(e) for e in leaves]
    # Pairing level by level and promoting a trailing odd node unchanged builds exactly the
    # left-balanced tree of RFC 9162 (split at the largest power of two below n).
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _check_size(source: NodeSource, tree_size: int) -> None:
    if tree_size < 0 or tree_size > source.size:
        raise ValueError(f"tree size {tree_size} outside 0..{source.size}")


def inclusion_proof(leaves_or_store: Sequence[bytes] | NodeSource, index: int, tree_size: int) -> list[bytes]:
    """Audit path (RFC 9162 §2.1.3.1) for leaf ``index`` in the tree of the first ``tree_size`` leaves.

    Raises ``ValueError`` if ``index`` is not below ``tree_size`` or the source is smaller than
    ``tree_size``. The path is ordered from the leaf upwards.
    """
    source = _as_source(leaves_or_store)
    _check_size(source, tree_size)
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} not in tree of size {tree_size}")
    path: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree_hash(source, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(source, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(leaves_or_store: Sequence[bytes] | NodeSource, size1: int, size2: int) -> list[bytes]:
    """Consistency proof (RFC 9162 §2.1.4.1) between the trees of the first ``size1`` and ``size2`` leaves.

    The proof for ``size1 == size2`` is empty; ``0 < size1 <= size2`` is required otherwise
    (a proof from the empty tree is meaningless and raises ``ValueError``).
    """
    source = _as_source(leaves_or_store)
    _check_size(source, size2)
    if size1 == size2 and size1 >= 0:
        return []
    if not 0 < size1 < size2:
        raise ValueError(f"need 0 < size1 <= size2, got {size1}, {size2}")
    proof: list[bytes] = []
    start, end, m = 0, size2, size1
    whole = True  # is the size1 tree the current subtree's left part "as a whole" (SUBPROOF's b flag)
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree_hash(source, start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append(subtree_hash(source, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(source, start, start + k))
            start += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def _valid_hash(h: object) -> bool:
    return isinstance(h, bytes | bytearray | memoryview) and len(h) == HASH_SIZE


def _valid_size(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 1 << 64


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show that ``leaf_hash`` is leaf ``index`` of the tree with ``root``?

    ``leaf_hash`` is the leaf's hash (see :func:`leaf_hash`), not the raw entry. Never raises.
    """
    try:
        if not (_valid_size(index) and _valid_size(tree_size) and index < tree_size):
            return False
        if not (_valid_hash(leaf_hash) and _valid_hash(root)):
            return False
        path = list(proof) if proof is not None else []
        if not all(_valid_hash(p) for p in path):
            return False
        fn, sn = index, tree_size - 1
        r = bytes(leaf_hash)
        for p in path:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                r = node_hash(p, r)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                r = node_hash(r, p)
            fn >>= 1
            sn >>= 1
        return sn == 0 and r == bytes(root)
    except Exception:  # a verifier answers "no" to anything it cannot make sense of
        return False


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show that the tree (size2, root2) extends the tree (size1, root1)?

    Equal sizes are consistent exactly when the roots are equal and the proof is empty (as in the
    transparency-dev reference vectors); a proof from the empty tree (size1 = 0 < size2) is rejected.
    Never raises.
    """
    try:
        if not (_valid_size(size1) and _valid_size(size2)) or size1 > size2:
            return False
        path = list(proof) if proof is not None else []
        if size1 == size2:
            return not path and isinstance(root1, bytes | bytearray) and bytes(root1) == bytes(root2)
        if size1 == 0 or not path:
            return False
        if not (_valid_hash(root1) and _valid_hash(root2) and all(_valid_hash(p) for p in path)):
            return False
        path = [bytes(p) for p in path]
        if size1 & (size1 - 1) == 0:  # size1 is an exact power of two
            path.insert(0, bytes(root1))
        fn, sn = size1 - 1, size2 - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        fr = sr = path[0]
        for c in path[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr = node_hash(c, fr)
                sr = node_hash(c, sr)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                sr = node_hash(sr, c)
            fn >>= 1
            sn >>= 1
        return sn == 0 and fr == bytes(root1) and sr == bytes(root2)
    except Exception:  # a verifier answers "no" to anything it cannot make sense of
        return False
