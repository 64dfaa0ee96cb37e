"""RFC 9162 hashing, proofs and verifiers against published reference data (transparency-dev/merkle)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from wupian.attest import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors"


def load_jsonl(name: str) -> list[dict[str, Any]]:
    """One upstream test case per line (see vectors/README.md for provenance)."""
    with open(VECTORS / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


INCLUSION = load_jsonl("inclusion.jsonl")
CONSISTENCY = load_jsonl("consistency.jsonl")


def _id(v: dict[str, Any]) -> str:
    return f"{v['dir']}:{v['desc']}"


def test_vector_files_are_complete() -> None:
    assert len(INCLUSION) == 98 and len(CONSISTENCY) == 98
    assert sum(not v["wantErr"] for v in INCLUSION) == 6
    assert sum(not v["wantErr"] for v in CONSISTENCY) == 7


@pytest.mark.parametrize("v", INCLUSION, ids=_id)
def test_inclusion_vector(v: dict[str, Any]) -> None:
    proof = [b64(p) for p in v["proof"] or []]
    ok = verify_inclusion(b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, b64(v["root"]))
    assert ok is (not v["wantErr"])


@pytest.mark.parametrize("v", CONSISTENCY, ids=_id)
def test_consistency_vector(v: dict[str, Any]) -> None:
    proof = [b64(p) for p in v["proof"] or []]
    ok = verify_consistency(v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), proof)
    assert ok is (not v["wantErr"])


def test_hasher_reference_values(reference: dict[str, Any]) -> None:
    h = reference["hasher"]
    assert EMPTY_ROOT.hex() == h["empty_root"] == root_hash([]).hex()
    assert leaf_hash(b"").hex() == h["empty_leaf"]
    assert leaf_hash(b"L123456").hex() == h["leaf_L123456"]
    assert node_hash(b"N123", b"N456").hex() == h["node_N123_N456"]


def test_reference_roots_for_every_size(reference: dict[str, Any]) -> None:
    leaves = [bytes.fromhex(x) for x in reference["leaf_inputs_hex"]]
    for size, want in enumerate(reference["root_hashes_hex"]):
        assert root_hash(leaves[:size]).hex() == want, size


def test_reference_node_hashes(reference: dict[str, Any]) -> None:
    from wupian.attest import MemoryTree

    tree = MemoryTree.from_entries([bytes.fromhex(x) for x in reference["leaf_inputs_hex"]])
    for level, nodes in enumerate(reference["node_hashes_hex"]):
        assert [tree.node(level, i).hex() for i in range(len(nodes))] == nodes


def test_reference_inclusion_proofs(reference: dict[str, Any]) -> None:
    leaves = [bytes.fromhex(x) for x in reference["leaf_inputs_hex"]]
    for case in reference["inclusion_proofs"]:
        got = inclusion_proof(leaves[: case["size"]], case["index"], case["size"])
        assert [p.hex() for p in got] == case["proof_hex"], case
        root = bytes.fromhex(reference["root_hashes_hex"][case["size"]])
        assert verify_inclusion(leaf_hash(leaves[case["index"]]), case["index"], case["size"], got, root)


def test_reference_consistency_proofs(reference: dict[str, Any]) -> None:
    leaves = [bytes.fromhex(x) for x in reference["leaf_inputs_hex"]]
    roots = [bytes.fromhex(x) for x in reference["root_hashes_hex"]]
    for case in reference["consistency_proofs"]:
        got = consistency_proof(leaves[: case["size2"]], case["size1"], case["size2"])
        assert [p.hex() for p in got] == case["proof_hex"], case
        assert verify_consistency(case["size1"], case["size2"], roots[case["size1"]], roots[case["size2"]], got)


def test_happy_path_vectors_are_reproduced_by_our_prover(reference: dict[str, Any]) -> None:
    """Our proof generator emits exactly the proofs of the upstream happy-path vectors."""
    leaves = [bytes.fromhex(x) for x in reference["leaf_inputs_hex"]]
    for v in INCLUSION:
        if not v["wantErr"] and v["dir"].isdigit():
            got = inclusion_proof(leaves[: v["treeSize"]], v["leafIdx"], v["treeSize"])
            assert got == [b64(p) for p in v["proof"] or []]
    for v in CONSISTENCY:
        if not v["wantErr"] and v["dir"].isdigit():
            got = consistency_proof(leaves[: v["size2"]], v["size1"], v["size2"])
            assert got == [b64(p) for p in v["proof"] or []]


def test_provers_reject_impossible_requests() -> None:
    leaves = [b"a", b"b", b"c"]
    for index, size in [(3, 3), (-1, 3), (0, 0), (0, 4)]:
        with pytest.raises(ValueError):
            inclusion_proof(leaves, index, size)
    for size1, size2 in [(0, 3), (3, 2), (1, 4), (-1, 2)]:
        with pytest.raises(ValueError):
            consistency_proof(leaves, size1, size2)
    assert consistency_proof(leaves, 2, 2) == []
