"""Property tests: proofs verify for random trees, and any flipped bit breaks them."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.attest import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from wupian.attest.merkle import root_from_source

entries_st = st.lists(st.binary(max_size=24), min_size=1, max_size=40)


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


@settings(max_examples=60, deadline=None)
@given(entries_st)
def test_every_leaf_inclusion_proof_verifies(entries: list[bytes]) -> None:
    tree = MemoryTree.from_entries(entries)
    n = len(entries)
    root = root_hash(entries)
    assert root_from_source(tree, n) == root
    for i, e in enumerate(entries):
        assert verify_inclusion(leaf_hash(e), i, n, inclusion_proof(tree, i, n), root)


@settings(max_examples=60, deadline=None)
@given(entries_st, st.data())
def test_any_flipped_bit_breaks_inclusion(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    i = data.draw(st.integers(0, n - 1), label="leaf")
    root = root_hash(entries)
    proof = inclusion_proof(entries, i, n)
    leaf = leaf_hash(entries[i])
    bit = data.draw(st.integers(0, 255), label="bit")
    assert not verify_inclusion(_flip(leaf, bit), i, n, proof, root)
    assert not verify_inclusion(leaf, i, n, proof, _flip(root, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1), label="proof element")
        forged = list(proof)
        forged[k] = _flip(forged[k], bit)
        assert not verify_inclusion(leaf, i, n, forged, root)
    # a different entry at the same position is rejected too
    other = entries[i] + b"\x00"
    assert not verify_inclusion(leaf_hash(other), i, n, proof, root)


@settings(max_examples=40, deadline=None)
@given(entries_st, st.data())
def test_any_flipped_bit_breaks_consistency(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    m = data.draw(st.integers(1, n), label="size1")
    r1, r2 = root_hash(entries[:m]), root_hash(entries)
    proof = consistency_proof(entries, m, n)
    assert verify_consistency(m, n, r1, r2, proof)
    bit = data.draw(st.integers(0, 255), label="bit")
    assert not verify_consistency(m, n, _flip(r1, bit), r2, proof)
    assert not verify_consistency(m, n, r1, _flip(r2, bit), proof)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1), label="proof element")
        forged = list(proof)
        forged[k] = _flip(forged[k], bit)
        assert not verify_consistency(m, n, r1, r2, forged)


def test_consistency_for_all_size_pairs_up_to_64() -> None:
    entries = [hashlib.sha256(i.to_bytes(4, "big")).digest()[: i % 17] for i in range(64)]
    tree = MemoryTree.from_entries(entries)
    roots = [root_hash(entries[:n]) for n in range(65)]
    forged = [hashlib.sha256(b"forged" + r).digest() for r in roots]
    for n in range(1, 65):
        for m in range(1, n + 1):
            proof = consistency_proof(tree, m, n)
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            assert not verify_consistency(m, n, forged[m], roots[n], proof), (m, n)
            assert not verify_consistency(m, n, roots[m], forged[n], proof), (m, n)
            if m < n:
                # a proof between other sizes, or a root of another size, does not pass
                assert not verify_consistency(m, n, roots[m - 1] if m > 1 else forged[m], roots[n], proof)
                assert not verify_consistency(m, n, roots[m], roots[n - 1], proof), (m, n)


junk = st.one_of(st.none(), st.integers(-3, 1 << 70), st.binary(max_size=40), st.text(max_size=5),
                 st.lists(st.binary(max_size=33), max_size=4), st.floats(allow_nan=True))


@settings(max_examples=200, deadline=None)
@given(junk, junk, junk, junk, junk)
def test_verifiers_never_raise(a: object, b: object, c: object, d: object, e: object) -> None:
    assert verify_inclusion(a, b, c, d, e) in (True, False)  # type: ignore[arg-type]
    assert verify_consistency(a, b, c, d, e) in (True, False)  # type: ignore[arg-type]
