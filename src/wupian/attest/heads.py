"""The record of every signed tree head the log handed out (``heads.bin``), so an audit can hold the log to them.

Each time ``add`` returns receipts it signs a tree head (STH) for the new size; that head is the log's public
commitment. The head is appended to ``heads.bin`` as one fixed-size record (integers big-endian)::

    tree_size u64 | timestamp u64 (ms) | root_hash 32 | Ed25519 signature 64 | CRC-32 of the 112 bytes before

and fsynced before the receipts are returned. An audit checks every record's signature with the log's public
key and that the stored tree still hashes to the signed root at that size, so changing entries or nodes and
recomputing the unsigned checkpoint is still caught. A record torn by a crash (short, or a bad CRC as the
*last* record) is dropped when a writer opens the log; a bad record anywhere else is an audit finding.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wupian.attest.sth import SignedTreeHead

HEADS_FILE = "heads.bin"
_BODY = struct.Struct(">QQ32s64s")
RECORD_SIZE = _BODY.size + 4


@dataclass(frozen=True)
class HeadRecord:
    """One stored signed head: its position in ``heads.bin`` and, when the CRC holds, its contents."""

    position: int
    tree_size: int
    timestamp: int
    root_hash: bytes
    signature: bytes
    crc_ok: bool

    def sth(self, key_fingerprint: str) -> SignedTreeHead:
        return SignedTreeHead(self.tree_size, self.timestamp, self.root_hash, self.signature, key_fingerprint)


def encode_record(sth: SignedTreeHead) -> bytes:
    body = _BODY.pack(sth.tree_size, sth.timestamp, sth.root_hash, sth.signature.ljust(64, b"\x00")[:64])
    return body + struct.pack(">I", zlib.crc32(body))


def decode_record(position: int, raw: bytes) -> HeadRecord:
    body, crc = raw[: _BODY.size], raw[_BODY.size : RECORD_SIZE]
    size, ts, root, sig = _BODY.unpack(body)
    return HeadRecord(position, size, ts, root, sig, struct.pack(">I", zlib.crc32(body)) == crc)


class HeadsFile:
    """Reader and (single-writer) appender of ``heads.bin`` in a log directory."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / HEADS_FILE

    def count(self) -> int:
        """Number of complete records (a partial trailing record is not counted)."""
        try:
            return self.path.stat().st_size // RECORD_SIZE
        except FileNotFoundError:
            return 0

    def read(self, start: int = 0, end: int | None = None) -> Iterator[HeadRecord]:
        """Records ``[start, end)`` in order."""
        stop = self.count() if end is None else end
        if stop <= start:
            return
        with open(self.path, "rb") as f:
            f.seek(start * RECORD_SIZE)
            data = f.read((stop - start) * RECORD_SIZE)
        for k in range(len(data) // RECORD_SIZE):
            yield decode_record(start + k, data[k * RECORD_SIZE : (k + 1) * RECORD_SIZE])

    def last(self) -> HeadRecord | None:
        n = self.count()
        return next(self.read(n - 1, n), None) if n else None

    def repair_tail(self) -> None:
        """Drop a trailing record torn by a crash (partial, or the last record with a bad CRC). Writers only."""
        if not self.path.exists():
            return
        length = self.path.stat().st_size
        keep = length - length % RECORD_SIZE
        last = self.last() if keep else None
        if last is not None and not last.crc_ok and last.position == keep // RECORD_SIZE - 1:
            keep -= RECORD_SIZE
        if keep != length:
            os.truncate(self.path, keep)

    def append(self, sth: SignedTreeHead) -> None:
        """Append one head durably (fsync of the file, and of the directory when the file is new)."""
        new = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, encode_record(sth))
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            dfd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
