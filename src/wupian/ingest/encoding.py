"""Text encodings of CSV exports: detect UTF-8 / UTF-8-BOM / GB18030 (GBK) and transcode to UTF-8 in chunks.

Chinese core-banking exports are often GBK. DuckDB reads UTF-8 only (without an extension), so a GBK
file is transcoded once, streaming, into a temporary UTF-8 file. Detection looks at the first megabyte;
bytes that turn out undecodable later are located line by line by the careful reader (``csvsafe.py``).
"""

from __future__ import annotations

import codecs
import mmap
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 8 << 20


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(data, final=False)  # a character cut at the sample's end is not an error
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030' (or charset-normalizer's best guess) from the file's first megabyte."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(head).best()
    except Exception:  # detection is a hint only; the careful reader locates bad bytes
        best = None
    if best is not None and best.encoding:
        return str(best.encoding)
    return "utf-8"


def transcode_to_utf8(path: Path, encoding: str, dest: Path) -> bool:
    """Stream ``path`` from ``encoding`` into UTF-8 at ``dest``; False if some bytes cannot be decoded."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
            while chunk := src.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk, final=False))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Layout:
    """What a byte scan of a UTF-8 CSV reveals about its physical lines."""

    has_quotes: bool  # a quoted field may hold a newline, so line numbers need correcting
    has_blank_lines: bool  # blank lines in the middle shift line numbers; read carefully instead


def scan_layout(path: Path) -> Layout:
    """Scan the bytes once (memchr speed) for quote characters and blank lines before the end."""
    size = path.stat().st_size
    if size == 0:
        return Layout(False, False)
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end = size
        while end > 0 and mm[end - 1] in (0x0A, 0x0D, 0x20):
            end -= 1
        has_quotes = mm.find(b'"', 0, end) != -1
        blank = mm.find(b"\n\n", 0, end) != -1 or mm.find(b"\n\r\n", 0, end) != -1
    return Layout(has_quotes, blank)
