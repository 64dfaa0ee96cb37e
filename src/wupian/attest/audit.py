"""Audit of an attestation log: every entry against its leaf, every node against its children, the checkpoint
and every signed tree head the log handed out against the stored tree — reporting *where* it fails.

A **full** audit (``wupian attest audit``) reads everything: O(n) hashing plus one Ed25519 check per stored
head. An **incremental** audit (what ``add``, ``status`` and ``prove-consistency`` run first) relies on the
mark a passing audit leaves in ``audit.mark``: the tree size and head count it covered and a SHA-256 digest of
the leading bytes of every log file that describe them (appends never rewrite those bytes). It re-digests those
bytes (C speed, ~1 GB/s) and fully checks only what was added since; if the digest differs — something old was
changed — it falls back to the full audit to say where. So a byte flipped anywhere is always noticed, and the
semantic checks (parse, leaf hash, node hashes, signatures) run once per entry and head.

Findings are located: entry index (or node level and index, or stored head number), the field compared, the
recorded value expected and the value found, and the file. Expected is always the recorded/committed value
(the leaf hash in ``level-00.hash``, the signed root, the checkpointed root); found is what the data gives now.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wupian.attest.documents import TradeEntry
from wupian.attest.errors import AttestError
from wupian.attest.heads import HEADS_FILE, RECORD_SIZE, HeadsFile
from wupian.attest.merkle import EMPTY_ROOT, HASH_SIZE, subtree_hash
from wupian.attest.sth import fingerprint, verify_sth
from wupian.attest.store import CHUNK, DATA_FILE, INDEX_FILE, MAX_ENTRY_BYTES, LogStore, level_name

MARK_FILE = "audit.mark"
MAX_FINDINGS = 50
_MARK = struct.Struct(">8sQQ32s")
_MARK_MAGIC = b"WPAUDT01"
_READ = 8 << 20
_LEAF_CTX = hashlib.sha256(b"\x00")
_NODE_CTX = hashlib.sha256(b"\x01")


@dataclass(frozen=True)
class AuditFinding:
    """One place where the log does not hold together."""

    kind: str  # "entry", "node", "checkpoint", "signed head"
    index: int  # entry index, node index within its level, or stored head number
    field: str  # what was compared
    expected: str  # the recorded / committed value
    found: str  # what the data gives now
    file: str
    detail: str = ""
    level: int = 0

    def where(self) -> str:
        if self.kind == "node":
            return f"node (level {self.level}, index {self.index})"
        if self.kind == "checkpoint":
            return "checkpoint"
        return f"{self.kind} {self.index}"

    def message(self) -> str:
        text = f"{self.where()} [{self.file}] {self.field}: expected {self.expected}, found {self.found}"
        return f"{text} — {self.detail}" if self.detail else text

    def to_json(self) -> dict[str, Any]:
        return {"where": self.where(), "kind": self.kind, "index": self.index, "level": self.level,
                "field": self.field, "expected": self.expected, "found": self.found, "file": self.file,
                "detail": self.detail}


@dataclass(frozen=True)
class AuditReport:
    """Outcome of one audit. ``ok`` when nothing was found."""

    mode: str  # "full" or "incremental"
    tree_size: int
    entries_checked: int
    heads_checked: int
    bytes_digested: int
    findings: tuple[AuditFinding, ...]
    total_findings: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.total_findings == 0

    def summary(self) -> str:
        state = "passed" if self.ok else f"FAILED with {self.total_findings} finding(s)"
        return (f"{self.mode} audit {state}: tree size {self.tree_size}, {self.entries_checked} entries and "
                f"{self.heads_checked} signed heads checked, {self.bytes_digested} bytes digested, "
                f"{self.seconds * 1000:.1f} ms")

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "mode": self.mode, "tree_size": self.tree_size,
                "entries_checked": self.entries_checked, "heads_checked": self.heads_checked,
                "bytes_digested": self.bytes_digested, "total_findings": self.total_findings,
                "seconds": round(self.seconds, 6), "findings": [f.to_json() for f in self.findings]}


@dataclass
class _Sink:
    findings: list[AuditFinding] = field(default_factory=list)
    total: int = 0

    def add(self, finding: AuditFinding) -> None:
        self.total += 1
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)


@dataclass(frozen=True)
class _Mark:
    tree_size: int
    heads: int
    digest: bytes


def audit_log(store: LogStore, public_key: Ed25519PublicKey, *, full: bool = False,
              save_mark: bool = True) -> AuditReport:
    """Audit ``store`` (its checkpointed tree) and the signed heads in its directory; never raises on damage."""
    t0 = time.perf_counter()
    n, heads = store.size, HeadsFile(store.directory)
    h_total = heads.count()
    mark = None if full else _read_mark(store.directory)
    if mark is not None and (mark.tree_size > n or mark.heads > h_total):
        mark = None
    m, h0 = (mark.tree_size, mark.heads) if mark else (0, 0)
    old_digest, new_digest, digested = _prefix_digests(store, (m, h0), (n, h_total))
    mode = "incremental" if mark is not None and old_digest == mark.digest else "full"
    if mode == "full":
        m, h0 = 0, 0
    sink = _Sink()
    _check_entries(store, m, n, sink)
    _check_nodes(store, m, n, sink)
    _check_checkpoint(store, sink)
    h_end = _check_heads(store, heads, h0, h_total, public_key, sink)
    report = AuditReport(mode, n, n - m, h_end - h0, digested, tuple(sink.findings), sink.total,
                         time.perf_counter() - t0)
    if report.ok and save_mark:
        if h_end != h_total:  # heads of a tree newer than this audit's: the mark covers only those checked
            new_digest = _prefix_digests(store, (n, h_end), (n, h_end))[1]
        _write_mark(store.directory, _Mark(n, h_end, new_digest))
    return report


# ----------------------------------------------------------------------------- the mark and the digest
def _read_mark(directory: Path) -> _Mark | None:
    try:
        raw = (directory / MARK_FILE).read_bytes()
    except OSError:
        return None
    if len(raw) != _MARK.size + 4 or struct.pack(">I", zlib.crc32(raw[: _MARK.size])) != raw[_MARK.size :]:
        return None
    magic, size, heads, digest = _MARK.unpack(raw[: _MARK.size])
    return _Mark(size, heads, digest) if magic == _MARK_MAGIC else None


def _write_mark(directory: Path, mark: _Mark) -> None:
    """Replace the mark atomically. It is a cache: a lost or unwritable mark only means a full audit next time."""
    body = _MARK.pack(_MARK_MAGIC, mark.tree_size, mark.heads, mark.digest)
    tmp = directory / f"{MARK_FILE}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(body + struct.pack(">I", zlib.crc32(body)))
        os.replace(tmp, directory / MARK_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)


def _prefix_digests(store: LogStore, old: tuple[int, int], new: tuple[int, int]) -> tuple[bytes, bytes, int]:
    """Digests of the bytes describing ``old`` and ``new`` (tree size, head count), in one pass per file."""
    try:
        old_spans = dict(store.prefix_lengths(old[0]))
        new_spans = store.prefix_lengths(new[0])
    except AttestError:
        return b"", b"", 0
    old_spans[HEADS_FILE] = RECORD_SIZE * old[1]
    new_spans.append((HEADS_FILE, RECORD_SIZE * new[1]))
    outer_old, outer_new, total = hashlib.sha256(), hashlib.sha256(), 0
    for name, length in new_spans:
        cut = min(old_spans.get(name, 0), length)
        h, pos, at_cut = hashlib.sha256(), 0, b""
        try:
            f = open(store.directory / name, "rb") if length else None  # noqa: SIM115 - closed below
        except OSError:
            f = None
        try:
            for target in (cut, length):
                while f is not None and pos < target:
                    block = f.read(min(_READ, target - pos))
                    if not block:  # shorter than the log says: the digest differs, the checks will say why
                        break
                    h.update(block)
                    pos += len(block)
                if target == cut:
                    at_cut = h.copy().digest()
        finally:
            if f is not None:
                f.close()
        if name in old_spans:
            outer_old.update(f"{name}:{cut}:".encode() + at_cut)
        outer_new.update(f"{name}:{length}:".encode() + h.digest())
        total += pos
    return outer_old.digest(), outer_new.digest(), total


# ----------------------------------------------------------------------------- entries and leaves
def _describe(raw: bytes) -> str:
    try:
        e = TradeEntry.from_bytes(raw)
    except AttestError:
        return "bytes that are not a valid entry"
    return f"LC {e.lc_no}, {e.event}, {e.time}, document {e.document_sha256[:16]}…"


def _check_entries(store: LogStore, start: int, end: int, sink: _Sink) -> None:
    if end <= start:
        return
    data_len = store.data_length()
    raw_last = store.read_range(INDEX_FILE, 8 * (store.size - 1), 8) if store.size else b""
    cut_short = len(raw_last) == 8 and struct.unpack(">Q", raw_last)[0] > data_len  # the data file lost its tail
    raw_prev = store.read_range(INDEX_FILE, 8 * (start - 1), 8) if start else b"\x00" * 8
    prev_end = struct.unpack(">Q", raw_prev)[0] if len(raw_prev) == 8 else data_len
    mismatched: dict[int, tuple[bytes, bytes, bytes]] = {}
    leaf_file = level_name(0)
    for c0 in range(start, end, CHUNK):
        c1 = min(end, c0 + CHUNK)
        idx = store.read_range(INDEX_FILE, 8 * c0, 8 * (c1 - c0))
        ends = struct.unpack(f">{len(idx) // 8}Q", idx[: len(idx) // 8 * 8])
        leaves = store.read_range(leaf_file, HASH_SIZE * c0, HASH_SIZE * (c1 - c0))
        top = min(max((e for e in ends if e <= data_len), default=prev_end), data_len)
        base = prev_end
        blob = store.read_range(DATA_FILE, base, top - base)
        for k in range(c1 - c0):
            i = c0 + k
            if k >= len(ends):
                sink.add(AuditFinding("entry", i, "end offset", "an 8-byte record", "missing", INDEX_FILE))
                continue
            e = ends[k]
            if cut_short and data_len < e <= prev_end + MAX_ENTRY_BYTES and e >= prev_end:  # bytes cut off
                sink.add(AuditFinding("entry", i, "entry bytes", f"bytes {prev_end}–{e}", f"{DATA_FILE} ends at "
                                      f"byte {data_len}", DATA_FILE, "the log was cut short: this recorded "
                                      "entry's bytes are gone"))
                prev_end = e
                continue
            if e < prev_end or e > min(data_len, prev_end + MAX_ENTRY_BYTES) or e - base > len(blob):
                sink.add(AuditFinding("entry", i, "end offset", f"between {prev_end} and "
                                      f"{min(data_len, prev_end + MAX_ENTRY_BYTES)}", str(e), INDEX_FILE,
                                      "the entry's bytes cannot be located"))
                continue
            raw = blob[prev_end - base : e - base]
            prev_end = e
            h = _LEAF_CTX.copy()
            h.update(raw)
            computed, stored = h.digest(), leaves[HASH_SIZE * k : HASH_SIZE * (k + 1)]
            if computed != stored:
                mismatched[i] = (raw, computed, stored)
                continue
            _check_entry_bytes(i, raw, sink)
    _report_leaf_mismatches(mismatched, sink)


def _check_entry_bytes(i: int, raw: bytes, sink: _Sink) -> None:
    try:
        entry = TradeEntry.from_bytes(raw)
    except AttestError as exc:
        sink.add(AuditFinding("entry", i, "entry", "a valid LC event entry", str(exc), DATA_FILE))
        return
    if entry.canonical_bytes() != raw:
        sink.add(AuditFinding("entry", i, "entry encoding", "canonical JSON", "other bytes", DATA_FILE))


def _report_leaf_mismatches(mismatched: dict[int, tuple[bytes, bytes, bytes]], sink: _Sink) -> None:
    """One finding per entry whose bytes do not hash to its leaf; say so when it is another leaf's entry."""
    recorded_at = {stored: i for i, (_, _, stored) in mismatched.items()}
    for i, (raw, computed, stored) in mismatched.items():
        if len(stored) < HASH_SIZE:
            sink.add(AuditFinding("entry", i, "leaf hash", "a stored 32-byte leaf hash", "missing", level_name(0)))
            continue
        j = recorded_at.get(computed)
        if j is not None:
            detail = f"it holds the entry recorded as leaf {j} (entries swapped or moved): {_describe(raw)}"
        else:
            detail = f"the entry's bytes were changed after it was recorded; now: {_describe(raw)}"
        sink.add(AuditFinding("entry", i, "leaf hash of the entry bytes", stored.hex(), computed.hex(),
                              f"{DATA_FILE} / {level_name(0)}", detail))


# ----------------------------------------------------------------------------- nodes, checkpoint, heads
def _check_nodes(store: LogStore, start: int, n: int, sink: _Sink) -> None:
    level = 1
    while n >> level:
        count, lo = n >> level, start >> level
        for c0 in range(lo, count, CHUNK):
            k = min(CHUNK, count - c0)
            below = store.read_range(level_name(level - 1), 2 * HASH_SIZE * c0, 2 * HASH_SIZE * k)
            stored = store.read_range(level_name(level), HASH_SIZE * c0, HASH_SIZE * k)
            computed = _pair_up(below)
            if computed == stored:
                continue
            for j in range(k):
                a, b = computed[HASH_SIZE * j : HASH_SIZE * (j + 1)], stored[HASH_SIZE * j : HASH_SIZE * (j + 1)]
                if a != b:
                    sink.add(AuditFinding("node", c0 + j, "hash of the two children", b.hex() or "missing",
                                          a.hex() or "missing children", level_name(level), level=level))
        level += 1


def _pair_up(buf: bytes) -> bytes:
    mv, out = memoryview(buf), []
    for i in range(0, len(buf) - 2 * HASH_SIZE + 1, 2 * HASH_SIZE):
        h = _NODE_CTX.copy()
        h.update(mv[i : i + 2 * HASH_SIZE])
        out.append(h.digest())
    return b"".join(out)


def _stored_root(store: LogStore, size: int) -> bytes | None:
    if size == 0:
        return EMPTY_ROOT
    try:
        return subtree_hash(store, 0, size)
    except AttestError:
        return None


def _check_checkpoint(store: LogStore, sink: _Sink) -> None:
    root = _stored_root(store, store.size)
    if root != store.checkpoint.root:
        sink.add(AuditFinding("checkpoint", store.checkpoint.sequence, "root hash of the stored tree",
                              store.checkpoint.root.hex(), root.hex() if root else "unreadable nodes", "head"))


def _check_heads(store: LogStore, heads: HeadsFile, start: int, end: int, public_key: Ed25519PublicKey,
                 sink: _Sink) -> int:
    """Check stored heads ``[start, end)``; returns where it stopped (a reader opened before a concurrent
    append stops at the first head of the newer tree: that head is checked by the next audit)."""
    fp = fingerprint(public_key)
    prev = next(heads.read(start - 1, start), None) if start else None
    prev_size = prev.tree_size if prev is not None and prev.crc_ok else 0
    roots: dict[int, bytes | None] = {}
    for rec in heads.read(start, end):
        if not rec.crc_ok:
            sink.add(AuditFinding("signed head", rec.position, "record checksum", "CRC-32 of the record",
                                  "a different checksum", HEADS_FILE, "the stored head was changed or damaged"))
            continue
        if not verify_sth(rec.sth(fp), public_key):
            sink.add(AuditFinding("signed head", rec.position, "signature", f"valid under key {fp[:16]}…",
                                  "invalid", HEADS_FILE))
        if rec.tree_size < prev_size:
            sink.add(AuditFinding("signed head", rec.position, "tree size", f">= {prev_size} (the previous head)",
                                  str(rec.tree_size), HEADS_FILE, "signed heads must never shrink"))
        prev_size = rec.tree_size
        if rec.tree_size > store.size:
            if store.durable_size() >= rec.tree_size:
                return rec.position
            sink.add(AuditFinding("signed head", rec.position, "tree size", f"<= {store.size} (the log's size)",
                                  str(rec.tree_size), HEADS_FILE, "the log lost entries it had signed"))
            continue
        if rec.tree_size not in roots:
            roots[rec.tree_size] = _stored_root(store, rec.tree_size)
        root = roots[rec.tree_size]
        if root != rec.root_hash:
            sink.add(AuditFinding("signed head", rec.position, f"root hash at tree size {rec.tree_size}",
                                  rec.root_hash.hex(), root.hex() if root else "unreadable nodes", HEADS_FILE,
                                  "the stored tree no longer matches a head the log signed"))
    return end
