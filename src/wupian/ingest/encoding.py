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


def _decoded_upto(data: bytes, encoding: str) -> int | None:
    """None when ``data`` decodes (a character cut at the end is fine), else the offset of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(data, final=False)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def detect_encoding(path: Path) -> str:
    """'utf-8-sig', 'utf-16', 'utf-8' or 'gb18030', judged from the file's first megabyte."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    reach = {enc: _decoded_upto(head, enc) for enc in ("utf-8", "gb18030")}
    if reach["utf-8"] is None:
        return "utf-8"
    if reach["gb18030"] is None:
        return "gb18030"
    # Neither decodes everything: take the one that gets further; the careful reader then locates each
    # undecodable line as an issue instead of silently guessing an exotic code page.
    return "gb18030" if reach["gb18030"] > reach["utf-8"] else "utf-8"


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
    lines: int | None = None  # physical lines up to the last non-blank byte (counted only with quotes)


def scan_layout(path: Path) -> Layout:
    """Scan the bytes once (memchr speed) for quote characters and blank lines before the end; with quotes,
    count the physical lines too (a record spanning lines shows up as fewer records than lines)."""
    size = path.stat().st_size
    if size == 0:
        return Layout(False, False)
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end = size
        while end > 0 and mm[end - 1] in (0x0A, 0x0D, 0x20):
            end -= 1
        has_quotes = mm.find(b'"', 0, end) != -1
        blank = mm.find(b"\n\n", 0, end) != -1 or mm.find(b"\n\r\n", 0, end) != -1
        lines = None
        if has_quotes:
            lines = 1 + sum(mm[i : min(i + CHUNK_BYTES, end)].count(b"\n") for i in range(0, end, CHUNK_BYTES))
    return Layout(has_quotes, blank, lines)
