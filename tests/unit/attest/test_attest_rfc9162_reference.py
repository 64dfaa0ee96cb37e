"""The tree, the audit paths and the consistency proofs — in memory and read from the durable log store —
equal an independent recomputation written here straight from the recursive definitions of RFC 9162
§2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF); a proof never verifies for another position,
size or order; and a truncated log is refused naming the file, its length and the entries cut off."""

from __future__ import annotations

import hashlib
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.cli_run import wupian
from wupian.attest import consistency_proof, inclusion_proof, root_hash, verify_consistency, verify_inclusion
from wupian.attest.documents import make_entry
from wupian.attest.errors import LogCorruptError
from wupian.attest.log import AttestationLog, init_log
from wupian.attest.merkle import leaf_hash
from wupian.attest.store import LogStore


# ------------------------------------------------------------ RFC 9162 §2.1, transcribed (no shared code)
def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True)


# ------------------------------------------------------------------------------------------ properties
distinct_entries = st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=True)


@settings(max_examples=80, deadline=None)
@given(distinct_entries, st.data())
def test_root_path_and_proof_equal_the_rfc_definitions(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    assert root_hash(entries) == mth(entries)
    i = data.draw(st.integers(0, n - 1), label="leaf")
    assert inclusion_proof(entries, i, n) == path(i, entries)
    m = data.draw(st.integers(1, n), label="old size")
    assert consistency_proof(entries, m, n) == (proof(m, entries) if m < n else [])
    assert root_hash(entries[:m]) == mth(entries[:m])


@settings(max_examples=80, deadline=None)
@given(distinct_entries, st.data())
def test_an_inclusion_proof_holds_only_at_its_own_position_and_size(entries: list[bytes], data: st.DataObject
                                                                    ) -> None:
    n = len(entries)
    i = data.draw(st.integers(0, n - 1), label="leaf")
    leaf, audit_path, root = leaf_hash(entries[i]), path(i, entries), mth(entries)
    assert verify_inclusion(leaf, i, n, audit_path, root)
    for j in range(n):  # a reordered entry: the same bytes claimed at another index never verify
        if j != i:
            assert not verify_inclusion(leaf, j, n, audit_path, root), (i, j)
    if n > 1 and i < n - 1:  # a truncated log: the root of a shorter tree does not accept the longer proof
        assert not verify_inclusion(leaf, i, n - 1, audit_path, mth(entries[:-1]))
    for j in range(n):  # another entry never passes with this entry's path
        if j != i:
            assert not verify_inclusion(leaf_hash(entries[j]), i, n, audit_path, root)


@settings(max_examples=60, deadline=None)
@given(distinct_entries, st.data())
def test_consistency_fails_for_a_reordered_or_rewritten_prefix(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    if n < 2:
        return
    m = data.draw(st.integers(1, n - 1), label="old size")
    p = proof(m, entries)
    assert verify_consistency(m, n, mth(entries[:m]), mth(entries), p)
    a, b = data.draw(st.integers(0, n - 1), label="a"), data.draw(st.integers(0, n - 1), label="b")
    if a != b and (a < m or b < m):  # two entries swapped, one of them inside the old tree
        swapped = list(entries)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        assert not verify_consistency(m, n, mth(entries[:m]), mth(swapped), proof(m, swapped))
        assert not verify_consistency(m, n, mth(entries[:m]), mth(swapped), p)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=8), st.data())
def test_the_durable_store_proves_exactly_the_rfc_proofs(batches: list[int], data: st.DataObject) -> None:
    """Appended in batches, closed and reopened: every root, path and consistency proof read from the stored
    nodes equals the recomputation."""
    entries = [f"LC-{i:04d}|{i * 7919:x}".encode() * (1 + i % 3) for i in range(sum(batches))]
    with tempfile.TemporaryDirectory() as tmp:
        with LogStore.create(Path(tmp) / "log") as store:
            done = 0
            for size in batches:
                store.append_batch(entries[done:done + size])
                done += size
        with LogStore.open(Path(tmp) / "log", writable=False) as store:
            n = store.size
            assert n == len(entries) and store.root() == mth(entries)
            sizes = data.draw(st.lists(st.integers(1, n), min_size=1, max_size=4), label="sizes")
            for size in sizes:
                assert store.root(size) == mth(entries[:size])
                i = data.draw(st.integers(0, size - 1), label="leaf")
                assert store.inclusion_proof(i, size) == path(i, entries[:size])
                if size < n:
                    assert store.consistency_proof(size, n) == proof(size, entries)


# ------------------------------------------------------------------ a truncated log names what it lost
@pytest.fixture
def log(tmp_path: Path) -> Path:
    folder = tmp_path / "log"
    init_log(folder)
    with AttestationLog.open(folder) as opened:
        for i in range(6):
            opened.add_entries([make_entry(f"LC-2025-00{i % 2}", "issued", f"{i:064x}",
                                           time="2025-06-01T09:30:00+08:00")])
    return folder


def _ends(log: Path) -> list[int]:
    idx = (log / "entries.idx").read_bytes()
    return list(struct.unpack(f">{len(idx) // 8}Q", idx))


def test_cut_entry_bytes_are_named_with_the_entries_they_held(log: Path, capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    ends = _ends(log)
    data = (log / "entries.bin").read_bytes()
    (log / "entries.bin").write_bytes(data[:ends[3] + 5])  # entry 4 half gone, entry 5 wholly
    with pytest.raises(LogCorruptError) as err:
        LogStore.open(log, writable=False)
    assert str(err.value) == (f"acknowledged entry data is missing: entries.bin is {ends[3] + 5} bytes but the 6 "
                              f"acknowledged entries end at byte {ends[5]} (entries 4–5 cut off)")
    assert wupian("attest", "audit", "--log-dir", str(log)) == 1
    out, errout = capsys.readouterr()
    assert "Traceback" not in out + errout
    assert (f"FAIL entry 4 [entries.bin] entry bytes: expected bytes {ends[3]}–{ends[4]}, found entries.bin ends "
            f"at byte {ends[3] + 5} — the log was cut short: this recorded entry's bytes are gone") in out
    assert f"FAIL entry 5 [entries.bin] entry bytes: expected bytes {ends[4]}–{ends[5]}" in out


def test_a_dropped_index_record_is_named(log: Path) -> None:
    idx = (log / "entries.idx").read_bytes()
    (log / "entries.idx").write_bytes(idx[:-8])
    with pytest.raises(LogCorruptError) as err:
        LogStore.open(log, writable=False)
    assert str(err.value) == ("acknowledged entries are missing from the log files: the signed checkpoint covers "
                              "6 entries but entries.idx holds 5 and level-00.hash 6 (entry 5 lost)")
