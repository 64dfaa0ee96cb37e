"""Where the month-end desk may read a folder from: uploads kept beside the warehouse (``<db>.uploads/``) and,
when configured (``wupian serve --data-root``), folders under one allowed root. Nothing else: a path outside both
— by ``..``, an absolute path or a symbolic link — answers exactly like a folder that does not exist.

Uploads: several files (a folder picked in the browser) or one zip. Only the file names are kept (no sub-paths,
so nothing can be written outside the upload folder), only data files are accepted, and the sizes are capped
before anything is written; a zip member that is a link, a directory tree escape or a duplicate name is refused.
"""

from __future__ import annotations

import io
import secrets
import shutil
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from wupian.web.errors import ApiError

DATA_SUFFIXES = frozenset({".csv", ".xlsx", ".txt", ".json", ".yaml", ".yml", ".md"})
MAX_FILES = 200
MAX_BYTES = 4 * 1024**3  # uncompressed, all files of one upload
UPLOAD = "upload:"
ROOT = "root:"


@dataclass(frozen=True, slots=True)
class Folder:
    value: str  # what the form sends back ("upload:…" or "root:…")
    label: str
    files: int


def _missing(text: str) -> ApiError:
    return ApiError(422, f"文件夹不存在或不在允许的目录内：{text.strip()[:200] or '（空）'}", code="invalid")


def resolve(text: str, *, uploads: Path, root: Path | None) -> Path:
    """The folder the form names, guaranteed inside ``uploads`` or ``root``; 422 (one message) otherwise."""
    text = text.strip()
    if text.startswith(UPLOAD):
        bases, rel = [uploads], text[len(UPLOAD):]
    elif text.startswith(ROOT):
        bases, rel = ([root] if root else []), text[len(ROOT):]
    else:
        bases, rel = [b for b in (root, uploads) if b is not None], text
    if not rel or "\x00" in rel:
        raise _missing(text)
    for base in bases:
        base = base.resolve()
        try:
            path = (base / rel).resolve()
        except (OSError, RuntimeError):
            continue
        if path.is_relative_to(base) and path.is_dir():
            return path
    raise _missing(text)


def _data_files(folder: Path) -> int:
    try:
        return sum(1 for f in folder.iterdir() if f.is_file() and f.suffix.lower() in DATA_SUFFIXES)
    except OSError:
        return 0


def choices(*, uploads: Path, root: Path | None, depth: int = 3) -> list[Folder]:
    """Uploaded folders (newest first), then the folders under the root that hold data files (depth ≤ 3)."""
    out: list[Folder] = []
    if uploads.is_dir():
        for d in sorted((d for d in uploads.iterdir() if d.is_dir()), reverse=True):
            out.append(Folder(UPLOAD + d.name, f"上传 {d.name}", _data_files(d)))
    if root is not None and root.is_dir():
        base = root.resolve()
        found = [base] + [p for n in range(1, depth + 1) for p in base.glob("/".join(["*"] * n))]
        for d in sorted(p for p in found if p.is_dir() and not p.is_symlink() and p.resolve().is_relative_to(base)):
            n = _data_files(d)
            if n:
                rel = d.relative_to(base).as_posix() or "."
                out.append(Folder(ROOT + rel, rel, n))
    return out


def _safe_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    if not base or base in (".", "..") or base.startswith(".") or PurePosixPath(base).suffix.lower() not in DATA_SUFFIXES:
        raise ApiError(422, f"不接受的文件：{name[:200]}（只接受 {'、'.join(sorted(DATA_SUFFIXES))}）", code="invalid")
    return base


def save_upload(uploads: Path, files: Iterable[tuple[str, bytes]]) -> Path:
    """Write one upload (files, or a single zip) into a new folder under ``uploads``; the folder."""
    items = list(files)
    if len(items) == 1 and items[0][0].lower().endswith(".zip"):
        items = _unzip(items[0][1])
    if not items:
        raise ApiError(422, "没有收到文件", code="invalid")
    if len(items) > MAX_FILES or sum(len(b) for _, b in items) > MAX_BYTES:
        raise ApiError(422, f"上传过大：最多 {MAX_FILES} 个文件、共 {MAX_BYTES // 1024**3} GiB", code="invalid")
    names = [_safe_name(n) for n, _ in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ApiError(422, f"文件名重复：{'、'.join(dupes)}", code="invalid")
    uploads.mkdir(parents=True, exist_ok=True)
    folder = uploads / f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    folder.mkdir()
    try:
        for name, (_, data) in zip(names, items, strict=True):
            (folder / name).write_bytes(data)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _unzip(data: bytes) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ApiError(422, "不是有效的 zip 文件", code="invalid") from None
    members = [i for i in archive.infolist() if not i.is_dir()]
    if len(members) > MAX_FILES or sum(i.file_size for i in members) > MAX_BYTES:
        raise ApiError(422, f"zip 过大：最多 {MAX_FILES} 个文件、解压后共 {MAX_BYTES // 1024**3} GiB", code="invalid")
    out = []
    for info in members:
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ApiError(422, f"zip 中含有链接：{info.filename[:200]}", code="invalid")
        if PurePosixPath(info.filename).name.startswith(".") or "__MACOSX" in info.filename:
            continue  # editor and archiver litter
        out.append((info.filename, archive.read(info)))
    return out
