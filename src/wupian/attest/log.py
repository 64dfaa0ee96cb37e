"""The attestation log as the CLI and web app use it: a :class:`LogStore` plus the log's signing key.

``init_log`` creates a log directory with its Ed25519 key pair. :class:`AttestationLog` records LC document
events and hands back receipts, reads an LC's history, and signs tree heads and consistency records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wupian.attest.audit import AuditReport, audit_log
from wupian.attest.documents import TradeEntry, make_entry, sha256_file, validate_lc_no
from wupian.attest.errors import AuditFailedError, InvalidRequestError, LogCorruptError, LogExistsError
from wupian.attest.heads import HeadsFile
from wupian.attest.merkle import leaf_hash, verify_inclusion
from wupian.attest.receipts import ConsistencyRecord, Receipt
from wupian.attest.sth import LogKey, SignedTreeHead, generate_key, load_key
from wupian.attest.store import DATA_FILE, HEAD_FILE, LogStore

DEFAULT_LOG_DIR = "wupian-attest"
LOG_DIR_ENV = "WUPIAN_ATTEST_DIR"


def default_log_dir() -> Path:
    return Path(os.environ.get(LOG_DIR_ENV) or DEFAULT_LOG_DIR)


def init_log(directory: str | os.PathLike[str]) -> LogKey:
    """Create an empty log and its signing key in ``directory``. Refuses to touch an existing log."""
    path = Path(directory)
    if (path / HEAD_FILE).exists():
        raise LogExistsError(f"a log already exists in {path}")
    path.mkdir(parents=True, exist_ok=True)
    key = generate_key(path)
    LogStore.create(path).close()
    return key


@dataclass(frozen=True)
class HistoryItem:
    """One recorded event of an LC, with its position in the log."""

    leaf_index: int
    entry: TradeEntry


class AttestationLog:
    """An open log directory with its key. Use as a context manager."""

    def __init__(self, store: LogStore, key: LogKey) -> None:
        self.store = store
        self.key = key
        self._audited_size = -1  # tree size the last passing audit of this open covered

    def _require_audited(self) -> None:
        """Refuse to append to, sign for or prove from a log that fails its (incremental) audit."""
        if self._audited_size != self.size:
            report = self.audit()
            if not report.ok:
                raise AuditFailedError(report)

    @classmethod
    def open(cls, directory: str | os.PathLike[str], *, writable: bool = True,
             check_root: bool = True) -> AttestationLog:
        """Open a log; ``check_root=False`` (read-only) lets :meth:`audit` locate damage the open would refuse."""
        path = Path(directory)
        store = LogStore.open(path, writable=writable, check_root=check_root)
        try:
            key = load_key(path)
            if writable:
                HeadsFile(path).repair_tail()
        except BaseException:
            store.close()
            raise
        return cls(store, key)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> AttestationLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def size(self) -> int:
        return self.store.size

    # ------------------------------------------------------------------ writing
    def add_document(
        self,
        document: str | os.PathLike[str],
        lc_no: str,
        event: str,
        *,
        meta: Mapping[str, str] | None = None,
        time: datetime | str | None = None,
    ) -> Receipt:
        """Hash ``document`` (not stored), record the event durably, and return its receipt."""
        entry = make_entry(lc_no, event, sha256_file(document), time=time, meta=meta)
        return self.add_entries([entry])[0]

    def add_entries(self, entries: Sequence[TradeEntry]) -> list[Receipt]:
        """Append entries as one durable batch and return one receipt per entry, under one signed head."""
        if not entries:
            return []
        self._require_audited()
        first, size = self.store.append_batch(e.canonical_bytes() for e in entries)
        sth = self.signed_head(size)
        HeadsFile(self.store.directory).append(sth)  # the head the receipts carry, kept for audits
        if self._audited_size == first:  # we wrote these entries ourselves, under the writer's lock
            self._audited_size = size
        return [self._receipt(first + i, e.to_json(), sth) for i, e in enumerate(entries)]

    def audit(self, *, full: bool = False) -> AuditReport:
        """Check the log against its leaves and signed heads (incremental unless ``full``); see ``audit.py``.

        Appends, receipts and consistency proofs run it first (once per open and size) and raise
        ``AuditFailedError`` when it fails.
        """
        report = audit_log(self.store, self.key.public_key, full=full)
        self._audited_size = self.size if report.ok else -1
        return report

    # ------------------------------------------------------------------ reading
    def signed_head(self, tree_size: int | None = None) -> SignedTreeHead:
        """A freshly signed tree head for ``tree_size`` (default: the current size)."""
        size = self.size if tree_size is None else tree_size
        return self.key.sign_tree_head(size, self.store.root(size))

    def receipt(self, leaf_index: int, tree_size: int | None = None) -> Receipt:
        """A receipt for an existing entry against the tree of ``tree_size`` (default: current)."""
        size = self.size if tree_size is None else tree_size
        if not 0 <= leaf_index < size <= self.size:
            raise InvalidRequestError(f"leaf {leaf_index} is not in a tree of size {size}")
        self._require_audited()
        entry = TradeEntry.from_bytes(self.store.entry(leaf_index))
        return self._receipt(leaf_index, entry.to_json(), self.signed_head(size))

    def _receipt(self, index: int, entry: dict[str, object], sth: SignedTreeHead) -> Receipt:
        proof = tuple(self.store.inclusion_proof(index, sth.tree_size))
        return Receipt(dict(entry), index, sth.tree_size, sth.root_hash, proof, sth)

    def entries(self) -> Iterator[HistoryItem]:
        for index, raw in self.store.entries():
            yield HistoryItem(index, TradeEntry.from_bytes(raw))

    def history(self, lc_no: str, *, verify: bool = False) -> tuple[HistoryItem, ...]:
        """Every recorded event of ``lc_no`` in log order (a sequential scan of the entries).

        With ``verify`` each event found is checked against the checkpointed root (its bytes' leaf hash and an
        inclusion proof, O(log n) reads); a mismatch raises ``LogCorruptError`` naming the entry.
        """
        validate_lc_no(lc_no)
        if verify:
            self._require_audited()
        needle = f'"lc_no":"{lc_no}"'.encode()
        found: list[HistoryItem] = []
        root, size = self.store.checkpoint.root, self.size
        for index, raw in self.store.entries():
            if needle in raw:  # cheap pre-filter; the parsed entry decides
                entry = TradeEntry.from_bytes(raw)
                if entry.lc_no == lc_no:
                    if verify and not verify_inclusion(leaf_hash(raw), index, size,
                                                       self.store.inclusion_proof(index), root):
                        raise LogCorruptError(f"entry {index} ({DATA_FILE}) does not verify against the "
                                              f"checkpointed root {root.hex()}: run `wupian attest audit`")
                    found.append(HistoryItem(index, entry))
        return tuple(found)

    def prove_consistency(self, old_size: int, new_size: int | None = None) -> ConsistencyRecord:
        """Signed heads at both sizes and the RFC 9162 consistency proof between them."""
        new = self.size if new_size is None else new_size
        if not 0 < old_size <= new <= self.size:
            raise InvalidRequestError(f"need 0 < OLD_SIZE <= NEW_SIZE <= {self.size}, got {old_size}, {new}")
        self._require_audited()
        proof = tuple(self.store.consistency_proof(old_size, new))
        return ConsistencyRecord(self.signed_head(old_size), self.signed_head(new), proof)
