"""Durable, append-only Merkle log on plain files: entries, stored subtree hashes, and a crash-safe checkpoint.

Layout of a log directory (all integers big-endian)::

    entries.bin     raw entries, concatenated
    entries.idx     one u64 per entry: end offset of the entry in entries.bin
    level-00.hash   leaf hashes, 32 bytes each (leaf i at offset 32*i)
    level-KK.hash   hashes of the complete subtrees of height KK: node j covers leaves [j*2^KK, (j+1)*2^KK)
    head            two 64-byte checkpoint slots written alternately (see ``_encode_head``)
    lock            held with flock(LOCK_EX) by the single writer

Every node of every complete subtree is stored once, so any node is one 32-byte ``pread`` and a proof for any
tree size costs O(log n) reads. Appending touches only the new leaves and the new nodes above them.

Crash safety: an append writes entries, offsets and hashes, fsyncs every file it touched (and the directory
when a file was created), and only then writes the next checkpoint slot (sequence number, tree size, root,
CRC-32) and fsyncs it. The append is acknowledged after that. A crash before the checkpoint leaves the old
checkpoint valid; a torn checkpoint slot fails its CRC and the other slot (the previous checkpoint) is used.
On reopen the writer keeps every entry up to the checkpoint (those were fsynced before it was written), then
accepts further entries only while their offset record, data and leaf hash are all complete and the leaf
hash matches the data, truncates the rest, recomputes the upper levels above the recovered tail, and writes a
new checkpoint. So no acknowledged entry is lost, and the repaired log's root always matches its entries.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, islice
from pathlib import Path

from wupian.attest.errors import InvalidRequestError, LogCorruptError, LogExistsError, LogNotFoundError
from wupian.attest.merkle import EMPTY_ROOT, HASH_SIZE, consistency_proof, inclusion_proof, subtree_hash

DATA_FILE = "entries.bin"
INDEX_FILE = "entries.idx"
HEAD_FILE = "head"
LOCK_FILE = "lock"
HEAD_MAGIC = b"WPATHD01"
SLOT_SIZE = 64
MAX_ENTRY_BYTES = 1 << 20
CHUNK = 1 << 16  # entries processed per internal write round of a batch

_HEAD = struct.Struct(">8sQQ32s")  # magic, sequence, tree size, root; followed by CRC-32 of these 56 bytes
_U64 = struct.Struct(">Q")
_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


@dataclass(frozen=True)
class Checkpoint:
    """The last durable state of the log: what an append acknowledged."""

    sequence: int
    tree_size: int
    root: bytes


def level_name(level: int) -> str:
    """File holding the complete-subtree hashes of height ``level``."""
    return f"level-{level:02d}.hash"


_level_name = level_name


def _encode_head(cp: Checkpoint) -> bytes:
    body = _HEAD.pack(HEAD_MAGIC, cp.sequence, cp.tree_size, cp.root)
    return (body + struct.pack(">I", zlib.crc32(body))).ljust(SLOT_SIZE, b"\x00")


def _decode_head(slot: bytes) -> Checkpoint | None:
    if len(slot) < _HEAD.size + 4:
        return None
    body, crc = slot[: _HEAD.size], slot[_HEAD.size : _HEAD.size + 4]
    if struct.pack(">I", zlib.crc32(body)) != crc:
        return None
    magic, seq, size, root = _HEAD.unpack(body)
    return Checkpoint(seq, size, root) if magic == HEAD_MAGIC else None


def _entries(first: int, last: int) -> str:
    """'entry 9' or 'entries 0–9' (0-based leaf indexes, as the audit names them)."""
    return f"entry {first}" if first == last else f"entries {first}–{last}"


def _pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_NODE_CTX = _sha256(_NODE)


def _leaf_hashes(entries: list[bytes]) -> bytes:
    """Concatenated RFC 9162 leaf hashes (one comprehension: ~10 % less interpreter work than a loop with
    a copied context; hashlib's per-call cost, not SHA-256 itself, is what remains)."""
    return b"".join([_sha256(_LEAF + e).digest() for e in entries])


def _pair_up(buf: bytes) -> bytes:
    """Hash consecutive 64-byte pairs of a level buffer into the next level (len(buf) % 64 == 0)."""
    mv = memoryview(buf)
    out = []
    for i in range(0, len(buf), 64):
        h = _NODE_CTX.copy()
        h.update(mv[i : i + 64])
        out.append(h.digest())
    return b"".join(out)


class LogStore:
    """An open Merkle log directory. Open it with :meth:`create` or :meth:`open`; close it when done.

    A writable store holds an exclusive lock on the directory; a read-only store sees the tree as of its
    checkpoint when opened (or refreshed with :meth:`refresh`) and never modifies a file.
    """

    def __init__(self, directory: Path, writable: bool) -> None:
        self.directory = directory
        self.writable = writable
        self._fds: dict[str, int] = {}
        self._lock_fd: int | None = None
        self._checkpoint = Checkpoint(0, 0, EMPTY_ROOT)

    # ----------------------------------------------------------------- opening and closing
    @classmethod
    def create(cls, directory: str | os.PathLike[str]) -> LogStore:
        """Create an empty log in ``directory`` (created if missing) and open it for writing."""
        path = Path(directory)
        if (path / HEAD_FILE).exists():
            raise LogExistsError(f"a log already exists in {path}")
        path.mkdir(parents=True, exist_ok=True)
        head = path / HEAD_FILE
        with open(head, "wb") as f:
            f.write(_encode_head(Checkpoint(0, 0, EMPTY_ROOT)) + bytes(SLOT_SIZE))
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(path)
        if path.parent != path:
            _fsync_dir(path.parent)
        return cls.open(path)

    @classmethod
    def open(cls, directory: str | os.PathLike[str], *, writable: bool = True,
             check_root: bool = True) -> LogStore:
        """Open an existing log; a writable open repairs any torn tail left by a crash.

        ``check_root=False`` (read-only audits only) skips the O(log n) check that the stored nodes hash to
        the checkpointed root, so that an audit can open a damaged log and say where it is damaged.
        """
        if writable and not check_root:
            raise InvalidRequestError("a writable open always checks the checkpointed root")
        path = Path(directory)
        if not (path / HEAD_FILE).is_file():
            raise LogNotFoundError(f"no attestation log in {path} (run `wupian attest init`)")
        store = cls(path, writable)
        try:
            if writable:
                store._lock_fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(store._lock_fd, fcntl.LOCK_EX)
            store._checkpoint = store._read_head()
            if check_root:
                store._check_checkpoint()
            if writable:
                store._recover()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def durable_size(self) -> int:
        """Tree size of the newest checkpoint on disk now (a writer may have grown the log since this open)."""
        return self._read_head().tree_size

    def refresh(self) -> None:
        """Re-read the checkpoint (for read-only stores following a writer)."""
        self._checkpoint = self._read_head()

    # ----------------------------------------------------------------- reading
    @property
    def size(self) -> int:
        """Number of entries in the tree as of the checkpoint."""
        return self._checkpoint.tree_size

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    def node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree of height ``level`` at position ``index`` (one 32-byte read)."""
        if index < 0 or (index + 1) << level > self.size:
            raise InvalidRequestError(f"node ({level}, {index}) is not complete in a tree of size {self.size}")
        data = os.pread(self._fd(_level_name(level)), HASH_SIZE, index * HASH_SIZE)
        if len(data) != HASH_SIZE:
            raise LogCorruptError(f"{_level_name(level)} is shorter than the checkpoint says")
        return data

    def leaf_hash(self, index: int) -> bytes:
        return self.node(0, index)

    def root(self, tree_size: int | None = None) -> bytes:
        """Tree head for ``tree_size`` entries (default: the whole tree). O(log n) reads."""
        n = self.size if tree_size is None else tree_size
        if not 0 <= n <= self.size:
            raise InvalidRequestError(f"tree size {n} outside 0..{self.size}")
        if n == self.size:
            return self._checkpoint.root
        return EMPTY_ROOT if n == 0 else subtree_hash(self, 0, n)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        n = self.size if tree_size is None else tree_size
        try:
            return inclusion_proof(self, index, n)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        n = self.size if size2 is None else size2
        try:
            return consistency_proof(self, size1, n)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None

    def entry(self, index: int) -> bytes:
        """The raw bytes of entry ``index``."""
        if not 0 <= index < self.size:
            raise InvalidRequestError(f"entry {index} not in a log of size {self.size}")
        start, end = self._span(index)
        return os.pread(self._fd(DATA_FILE), end - start, start)

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Yield ``(index, entry)`` for entries ``[start, end)``, reading in large sequential chunks."""
        stop = self.size if end is None else min(end, self.size)
        idx_fd, data_fd = self._fd(INDEX_FILE), self._fd(DATA_FILE)
        i = max(start, 0)
        while i < stop:
            n = min(CHUNK, stop - i)
            first = 0 if i == 0 else _U64.unpack(os.pread(idx_fd, 8, (i - 1) * 8))[0]
            ends = struct.unpack(f">{n}Q", os.pread(idx_fd, 8 * n, i * 8))
            blob = os.pread(data_fd, ends[-1] - first, first)
            prev = first
            for k, e in enumerate(ends):
                yield i + k, blob[prev - first : e - first]
                prev = e
            i += n

    def audit(self) -> None:
        """Full integrity check (O(n)): every leaf hash matches its entry and every stored node its children.

        Raises ``LogCorruptError`` at the first mismatch. Opening only checks the O(log n) nodes the
        checkpointed root depends on; run this to check the whole tree.
        """
        n = self.size
        for start in range(0, n, CHUNK):
            stored = os.pread(self._fd(_level_name(0)), HASH_SIZE * min(CHUNK, n - start), HASH_SIZE * start)
            computed = b"".join(_sha256(_LEAF + e).digest() for _, e in self.entries(start, start + CHUNK))
            if stored != computed:
                raise LogCorruptError(f"a leaf hash in [{start}, {start + CHUNK}) does not match its entry")
        level = 1
        while n >> level:
            count = n >> level
            for start in range(0, count, CHUNK):
                k = min(CHUNK, count - start)
                below = os.pread(self._fd(_level_name(level - 1)), 2 * HASH_SIZE * k, 2 * HASH_SIZE * start)
                if _pair_up(below) != os.pread(self._fd(_level_name(level)), HASH_SIZE * k, HASH_SIZE * start):
                    raise LogCorruptError(f"{_level_name(level)}: a node does not match its children")
            level += 1
        if n and subtree_hash(self, 0, n) != self._checkpoint.root:
            raise LogCorruptError("stored tree does not hash to the checkpointed root")

    def read_range(self, name: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of log file ``name`` from ``offset`` (shorter at the end of the file)."""
        return os.pread(self._fd(name), length, offset) if length > 0 else b""

    def prefix_lengths(self, size: int) -> list[tuple[str, int]]:
        """Each log file with the number of its leading bytes that describe the first ``size`` entries.

        Appends never rewrite these bytes, so a digest of them stays valid while the log grows.
        """
        spans = [(DATA_FILE, self._data_end(size)), (INDEX_FILE, 8 * size)]
        spans += [(_level_name(level), HASH_SIZE * (size >> level)) for level in range(size.bit_length())]
        return spans

    def data_length(self) -> int:
        """Current length of ``entries.bin`` in bytes."""
        return self._file_len(DATA_FILE)

    # ----------------------------------------------------------------- appending
    def append(self, entry: bytes) -> int:
        """Append one entry durably; returns its leaf index once it is on disk."""
        first, _ = self.append_batch([entry])
        return first

    def append_batch(self, entries: Iterable[bytes]) -> tuple[int, int]:
        """Append entries durably with one checkpoint for the whole batch.

        Returns ``(index of the first new entry, new tree size)``. Nothing of the batch is acknowledged
        (or visible to readers) until the checkpoint is written; after a crash the log reopens at the old
        checkpoint plus whatever complete entries of the batch reached the disk.
        """
        if not self.writable:
            raise InvalidRequestError("the log was opened read-only")
        first = self.size
        size = first
        touched: set[str] = set()
        created = False
        source = iter(entries)
        while batch := list(islice(source, CHUNK)):
            if not set(map(type, batch)) <= {bytes}:
                if not all(isinstance(e, bytes | bytearray) for e in batch):
                    raise InvalidRequestError("entries must be bytes")
                batch = [bytes(e) for e in batch]
            if max(map(len, batch)) > MAX_ENTRY_BYTES:
                raise InvalidRequestError(f"an entry exceeds {MAX_ENTRY_BYTES} bytes")
            size, c = self._write_chunk(size, batch, touched)
            created |= c
        if size == first:
            return first, size
        for name in sorted(touched):
            os.fsync(self._fd(name))
        if created:
            _fsync_dir(self.directory)
        self._commit(size)
        return first, size

    def _write_chunk(self, size: int, batch: list[bytes], touched: set[str]) -> tuple[int, bool]:
        """Write entries, offsets and all new node hashes for ``batch`` placed after ``size`` leaves."""
        created = False
        data_end = self._data_end(size)
        offsets = array("Q", accumulate(map(len, batch), initial=data_end))[1:]
        if sys.byteorder == "little":
            offsets.byteswap()
        _pwrite_all(self._fd(DATA_FILE), b"".join(batch), data_end)
        _pwrite_all(self._fd(INDEX_FILE), offsets.tobytes(), size * 8)
        leaves = _leaf_hashes(batch)
        touched.update((DATA_FILE, INDEX_FILE))
        created |= self._write_level(0, size, leaves, touched)
        new_size = size + len(batch)
        created |= self._extend_levels(size, new_size, leaves, touched)
        return new_size, created

    def _extend_levels(self, old: int, new: int, leaves: bytes, touched: set[str]) -> bool:
        """Compute and write nodes of levels >= 1 that became complete between sizes ``old`` and ``new``.

        Returns whether a new level file was created (the directory then needs an fsync).
        """
        created = False
        buf, buf_start, level = leaves, old, 0  # buf holds nodes [buf_start, new >> level) of ``level``
        while (new >> (level + 1)) > (old >> (level + 1)):
            lo = (old >> (level + 1)) * 2  # first child needed at this level
            if lo < buf_start:  # left sibling was written by an earlier append: read it back
                buf = os.pread(self._fd(_level_name(level)), HASH_SIZE, lo * HASH_SIZE) + buf
                buf_start = lo
            usable = ((len(buf) // HASH_SIZE) // 2) * 2 * HASH_SIZE
            parents = _pair_up(buf[:usable])
            level += 1
            created |= self._write_level(level, old >> level, parents, touched)
            buf, buf_start = parents, old >> level
        return created

    def _write_level(self, level: int, start: int, hashes: bytes, touched: set[str]) -> bool:
        name = _level_name(level)
        created = name not in self._fds and not (self.directory / name).exists()
        _pwrite_all(self._fd(name), hashes, start * HASH_SIZE)
        touched.add(name)
        return created

    def _commit(self, size: int) -> None:
        root = EMPTY_ROOT if size == 0 else subtree_hash(_Unchecked(self, size), 0, size)
        cp = Checkpoint(self._checkpoint.sequence + 1, size, root)
        fd = self._fd(HEAD_FILE)
        _pwrite_all(fd, _encode_head(cp), (cp.sequence % 2) * SLOT_SIZE)
        os.fsync(fd)
        self._checkpoint = cp

    # ----------------------------------------------------------------- recovery
    def _read_head(self) -> Checkpoint:
        raw = os.pread(self._fd(HEAD_FILE), 2 * SLOT_SIZE, 0)
        slots = [_decode_head(raw[i : i + SLOT_SIZE]) for i in (0, SLOT_SIZE)]
        valid = [s for s in slots if s is not None]
        if not valid:
            raise LogCorruptError(f"{self.directory / HEAD_FILE}: no valid checkpoint slot")
        return max(valid, key=lambda cp: cp.sequence)

    def _check_checkpoint(self) -> None:
        """The checkpointed tree must be fully on disk and hash to the checkpointed root."""
        cp = self._checkpoint
        n = cp.tree_size
        indexed, leaves = self._file_len(INDEX_FILE) // 8, self._file_len(_level_name(0)) // HASH_SIZE
        if indexed < n or leaves < n:
            kept = min(indexed, leaves)
            raise LogCorruptError(
                f"acknowledged entries are missing from the log files: the signed checkpoint covers {n} entries "
                f"but {INDEX_FILE} holds {indexed} and {_level_name(0)} {leaves} ({_entries(kept, n - 1)} lost)")
        data_len = self._file_len(DATA_FILE)
        if n and data_len < self._data_end(n):
            first = self._first_entry_ending_after(data_len, n)
            raise LogCorruptError(
                f"acknowledged entry data is missing: {DATA_FILE} is {data_len} bytes but the {n} acknowledged "
                f"entries end at byte {self._data_end(n)} ({_entries(first, n - 1)} cut off)")
        for level in range(1, n.bit_length()):
            if self._file_len(_level_name(level)) < HASH_SIZE * (n >> level):
                raise LogCorruptError(
                    f"{_level_name(level)} is shorter than the checkpoint says: {self._file_len(_level_name(level))} "
                    f"bytes, the {n} acknowledged entries need {HASH_SIZE * (n >> level)}")
        if n and subtree_hash(self, 0, n) != cp.root:
            raise LogCorruptError("stored tree does not hash to the checkpointed root")

    def _recover(self) -> None:
        """Keep complete entries after the checkpoint, drop torn ones, rebuild the levels above them."""
        c = self.size
        idx_len, leaf_len, data_len = (
            self._file_len(INDEX_FILE), self._file_len(_level_name(0)), self._file_len(DATA_FILE))
        n = c
        prev_end = self._data_end(c)
        leaf_fd, idx_fd, data_fd = self._fd(_level_name(0)), self._fd(INDEX_FILE), self._fd(DATA_FILE)
        while 8 * (n + 1) <= idx_len and HASH_SIZE * (n + 1) <= leaf_len:
            end = _U64.unpack(os.pread(idx_fd, 8, 8 * n))[0]
            if end < prev_end or end > data_len or end - prev_end > MAX_ENTRY_BYTES:
                break
            entry = os.pread(data_fd, end - prev_end, prev_end)
            if _sha256(_LEAF + entry).digest() != os.pread(leaf_fd, HASH_SIZE, HASH_SIZE * n):
                break
            n, prev_end = n + 1, end
        tail_dirty = (idx_len, leaf_len, data_len) != (8 * n, HASH_SIZE * n, prev_end)
        level = 1
        while (self.directory / _level_name(level)).exists() or (n >> level):
            name = _level_name(level)
            keep, want = c >> level, n >> level
            if want > keep:
                below = os.pread(self._fd(_level_name(level - 1)), HASH_SIZE * 2 * (want - keep),
                                 HASH_SIZE * 2 * keep)
                _pwrite_all(self._fd(name), _pair_up(below), HASH_SIZE * keep)
            if self._file_len(name) != HASH_SIZE * want:
                os.ftruncate(self._fd(name), HASH_SIZE * want)
                tail_dirty = True
            level += 1
        os.ftruncate(idx_fd, 8 * n)
        os.ftruncate(leaf_fd, HASH_SIZE * n)
        os.ftruncate(data_fd, prev_end)
        if n != c or tail_dirty:
            for name in list(self._fds):
                os.fsync(self._fds[name])
            _fsync_dir(self.directory)
            if n != c:
                self._commit(n)

    # ----------------------------------------------------------------- helpers
    def _fd(self, name: str) -> int:
        fd = self._fds.get(name)
        if fd is None:
            flags = os.O_RDWR | os.O_CREAT if self.writable else os.O_RDONLY
            try:
                fd = os.open(self.directory / name, flags, 0o644)
            except FileNotFoundError:
                if name == HEAD_FILE:
                    raise LogNotFoundError(f"no attestation log in {self.directory}") from None
                raise LogCorruptError(f"{self.directory / name} is missing") from None
            self._fds[name] = fd
        return fd

    def _file_len(self, name: str) -> int:
        path = self.directory / name
        return path.stat().st_size if path.exists() else 0

    def _data_end(self, size: int) -> int:
        if size == 0:
            return 0
        raw = os.pread(self._fd(INDEX_FILE), 8, (size - 1) * 8)
        if len(raw) != 8:
            raise LogCorruptError("entries.idx is shorter than the checkpoint says")
        return int(_U64.unpack(raw)[0])

    def _first_entry_ending_after(self, length: int, size: int) -> int:
        """The first of ``size`` entries whose bytes end beyond ``length`` (binary search over the index)."""
        lo, hi = 0, size - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._data_end(mid + 1) > length:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _span(self, index: int) -> tuple[int, int]:
        if index == 0:
            return 0, _U64.unpack(os.pread(self._fd(INDEX_FILE), 8, 0))[0]
        a, b = struct.unpack(">QQ", os.pread(self._fd(INDEX_FILE), 16, (index - 1) * 8))
        return a, b


class _Unchecked:
    """NodeSource view of a store at a size beyond its checkpoint (used while committing)."""

    def __init__(self, store: LogStore, size: int) -> None:
        self._store, self.size = store, size

    def node(self, level: int, index: int) -> bytes:
        return os.pread(self._store._fd(_level_name(level)), HASH_SIZE, index * HASH_SIZE)
