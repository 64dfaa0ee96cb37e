"""The durable log store: appends, reopen, proofs from stored nodes, and repair of torn tails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from wupian.attest import consistency_proof, inclusion_proof, root_hash, verify_inclusion
from wupian.attest.errors import InvalidRequestError, LogCorruptError, LogExistsError, LogNotFoundError
from wupian.attest.merkle import leaf_hash
from wupian.attest.store import HEAD_FILE, SLOT_SIZE, LogStore


def entry_bytes(i: int) -> bytes:
    return (f"entry-{i:08d}|".encode() * (1 + i % 5))[: 13 + (i * 7919) % 200]


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir() if p.is_file() and p.name != "lock"}


def test_create_append_and_read_back(tmp_path: Path) -> None:
    log = tmp_path / "log"
    expected: list[bytes] = []
    with LogStore.create(log) as store:
        assert store.size == 0 and store.root() == root_hash([])
        for batch_size in [1, 1, 2, 5, 1, 13, 40, 1, 64, 3]:
            batch = [entry_bytes(len(expected) + k) for k in range(batch_size)]
            if batch_size == 1:
                assert store.append(batch[0]) == len(expected)
            else:
                assert store.append_batch(batch) == (len(expected), len(expected) + batch_size)
            expected += batch
            assert store.size == len(expected)
            assert store.root() == root_hash(expected)
        n = len(expected)
        for m in range(0, n + 1):
            assert store.root(m) == root_hash(expected[:m])
        for i in range(n):
            assert store.entry(i) == expected[i]
            assert store.leaf_hash(i) == leaf_hash(expected[i])
            assert store.inclusion_proof(i) == inclusion_proof(expected, i, n)
        for m in range(1, n + 1, 7):
            assert store.consistency_proof(m) == consistency_proof(expected, m, n)
            for i in range(0, m, 5):  # proofs against historical tree sizes
                assert verify_inclusion(leaf_hash(expected[i]), i, m, store.inclusion_proof(i, m),
                                        root_hash(expected[:m]))
        assert [e for _, e in store.entries()] == expected
        assert [e for _, e in store.entries(10, 20)] == expected[10:20]
    with LogStore.open(log) as again:
        assert again.size == n and again.root() == root_hash(expected)
    with LogStore.open(log, writable=False) as reader:
        assert reader.root() == root_hash(expected)
        with pytest.raises(InvalidRequestError):
            reader.append(b"x")


def test_large_batch_spans_internal_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wupian.attest.store as store_mod

    monkeypatch.setattr(store_mod, "CHUNK", 7)
    expected = [entry_bytes(i) for i in range(100)]
    with LogStore.create(tmp_path / "log") as store:
        store.append_batch(expected[:3])
        store.append_batch(iter(expected[3:]))
        assert store.root() == root_hash(expected)
        assert [e for _, e in store.entries()] == expected


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(LogNotFoundError):
        LogStore.open(tmp_path / "missing")
    with LogStore.create(tmp_path / "log") as store:
        store.append_batch([b"a", b"b", b"c"])
        with pytest.raises(InvalidRequestError):
            store.entry(3)
        with pytest.raises(InvalidRequestError):
            store.inclusion_proof(3)
        with pytest.raises(InvalidRequestError):
            store.consistency_proof(0, 3)
        with pytest.raises(InvalidRequestError):
            store.root(4)
        with pytest.raises(InvalidRequestError):
            store.append_batch(["not bytes"])  # type: ignore[list-item]
    with pytest.raises(LogExistsError):
        LogStore.create(tmp_path / "log")


def test_torn_tail_is_truncated_on_reopen(tmp_path: Path) -> None:
    log = tmp_path / "log"
    expected = [entry_bytes(i) for i in range(37)]
    with LogStore.create(log) as store:
        store.append_batch(expected)
    # A crash in the middle of the next append: half an entry, half an offset record, a partial leaf hash.
    with open(log / "entries.bin", "ab") as f:
        f.write(b"half an entr")
    with open(log / "entries.idx", "ab") as f:
        f.write(b"\x00\x00\x00")
    with open(log / "level-00.hash", "ab") as f:
        f.write(b"\x01" * 20)
    with open(log / "level-01.hash", "ab") as f:
        f.write(b"\x02" * 40)
    with LogStore.open(log) as store:
        assert store.size == 37
        assert store.root() == root_hash(expected)
        store.append(b"next")
        assert store.root() == root_hash([*expected, b"next"])
    assert (log / "level-00.hash").stat().st_size == 32 * 38


def test_complete_but_unacknowledged_entries_are_kept(tmp_path: Path) -> None:
    """Crash after the data reached the disk but before the checkpoint: the complete entries survive."""
    log = tmp_path / "log"
    expected = [entry_bytes(i) for i in range(21)]
    with LogStore.create(log) as store:
        store.append_batch(expected[:10])
        old_head = (log / HEAD_FILE).read_bytes()
        store.append_batch(expected[10:])
    (log / HEAD_FILE).write_bytes(old_head)  # the checkpoint write never happened
    # and the very last entry's leaf hash is torn
    with open(log / "level-00.hash", "r+b") as f:
        f.truncate(32 * 21 - 5)
    with LogStore.open(log) as store:
        assert store.size == 20
        assert store.root() == root_hash(expected[:20])
    with LogStore.open(log, writable=False) as reader:  # the repair was checkpointed
        assert reader.size == 20


def test_mismatched_tail_entry_is_dropped(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with LogStore.create(log) as store:
        store.append_batch([b"a", b"b"])
        old_head = (log / HEAD_FILE).read_bytes()
        store.append_batch([b"c", b"d"])
    (log / HEAD_FILE).write_bytes(old_head)
    data = (log / "entries.bin").read_bytes()
    (log / "entries.bin").write_bytes(data[:-1] + b"X")  # entry "d" was not fully written
    with LogStore.open(log) as store:
        assert store.size == 3
        assert store.root() == root_hash([b"a", b"b", b"c"])


def test_torn_checkpoint_slot_falls_back_to_previous(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with LogStore.create(log) as store:
        store.append_batch([b"a", b"b", b"c"])
        store.append(b"d")
        seq = store.checkpoint.sequence
    head = bytearray((log / HEAD_FILE).read_bytes())
    slot = (seq % 2) * SLOT_SIZE
    head[slot + 20] ^= 0xFF  # the newest slot is torn
    (log / HEAD_FILE).write_bytes(bytes(head))
    with LogStore.open(log, writable=False) as reader:
        assert reader.size == 3  # the previous checkpoint
    with LogStore.open(log) as store:  # the writer recovers the complete fourth entry
        assert store.size == 4
        assert store.root() == root_hash([b"a", b"b", b"c", b"d"])


def test_missing_acknowledged_data_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with LogStore.create(log) as store:
        store.append_batch([entry_bytes(i) for i in range(8)])
    with open(log / "entries.idx", "r+b") as f:
        f.truncate(8 * 5)
    with pytest.raises(LogCorruptError):
        LogStore.open(log)
    shutil.rmtree(log)
    with LogStore.create(log) as store:
        store.append_batch([entry_bytes(i) for i in range(8)])
    with open(log / "level-03.hash", "r+b") as f:
        f.write(b"\x00" * 32)  # the stored root node no longer matches the signed root
    with pytest.raises(LogCorruptError):
        LogStore.open(log, writable=False)


def test_audit_finds_any_damaged_node_or_entry(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with LogStore.create(log) as store:
        store.append_batch([entry_bytes(i) for i in range(40)])
        store.audit()
    pristine = _files(log)
    for name, offset in [("level-02.hash", 32), ("level-00.hash", 64 * 5), ("entries.bin", 100)]:
        damaged = bytearray(pristine[name])
        damaged[offset] ^= 1
        (log / name).write_bytes(bytes(damaged))
        with LogStore.open(log, writable=False) as reader:
            with pytest.raises(LogCorruptError):
                reader.audit()
        (log / name).write_bytes(pristine[name])


def test_single_writer_lock(tmp_path: Path) -> None:
    import fcntl

    log = tmp_path / "log"
    LogStore.create(log).close()
    with LogStore.open(log):
        fd = os.open(log / "lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)


def test_reopen_is_idempotent(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with LogStore.create(log) as store:
        store.append_batch([entry_bytes(i) for i in range(50)])
    before = _files(log)
    LogStore.open(log).close()
    assert _files(log) == before
