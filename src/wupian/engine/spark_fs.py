"""Where a Spark warehouse lives, and the few file operations it needs, done through Hadoop's ``FileSystem`` on
the driver's JVM — the same API Spark reads and writes the tables with — never Python's local file functions.

``--db`` may be a local folder (relative or absolute, spaces and Chinese characters as they are) or any URI a
Hadoop ``FileSystem`` of the session serves: ``file:///…``, ``hdfs://namenode/…``, ``s3a://bucket/…``,
``abfss://…``, ``oss://…``. A location is kept as a Hadoop path string (``scheme://authority/path``, not
percent-encoded: Spark and Hadoop escape it themselves). A scheme with no ``FileSystem`` on the classpath (for
``s3a://`` the ``hadoop-aws`` jar and its credentials settings) is a usage error naming the scheme.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from wupian.core.errors import UsageError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# A Windows drive (C:\…) is not a scheme; a one-letter "scheme" is taken as a local path.
_MIN_SCHEME = 2


def scheme(path: str | os.PathLike[str]) -> str | None:
    """The URI scheme of a location (``file``, ``hdfs``, ``s3a`` …), or None for a plain local path."""
    m = _SCHEME.match(os.fspath(path))
    return m.group(1).lower() if m and len(m.group(1)) >= _MIN_SCHEME else None


def location(path: str | os.PathLike[str]) -> str:
    """The warehouse location as a Hadoop path string: a URI is kept (a trailing ``/`` dropped), a local path
    becomes ``file://`` + its absolute path."""
    text = os.fspath(path)
    s = scheme(text)
    if s is None:
        return "file://" + str(Path(text).expanduser().resolve())
    if s == "file":
        local = local_path(text)
        assert local is not None
        return "file://" + str(local)
    stripped = text.rstrip("/")
    return stripped if stripped.partition("://")[2] else text


def local_path(loc: str | os.PathLike[str]) -> Path | None:
    """The local folder of a ``file:`` location or plain path (resolved), None for any other scheme."""
    text = os.fspath(loc)
    s = scheme(text)
    if s is None:
        return Path(text).expanduser().resolve()
    if s != "file":
        return None
    rest = text[len("file:"):]
    if rest.startswith("//"):
        authority, _, tail = rest[2:].partition("/")
        if authority not in ("", "localhost"):
            raise UsageError(f"{text}: a file: URI names a path on this machine (file:///path), not on host "
                             f"{authority}")
        rest = "/" + tail
    return Path(rest).resolve()


def join(loc: str, *parts: str) -> str:
    """``loc/part/…`` (Hadoop path strings join with ``/`` on every file system)."""
    return "/".join([loc.rstrip("/"), *parts])


def sql_string(text: str) -> str:
    """``text`` as a Spark SQL string literal (for a ``LOCATION``): quotes and backslashes escaped."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class WarehouseFS:
    """File operations under one warehouse location, through the Hadoop ``FileSystem`` of its scheme."""

    def __init__(self, spark: Any, root: str) -> None:
        self.root = root
        jvm = spark.sparkContext._jvm
        self._path_class = jvm.org.apache.hadoop.fs.Path
        self._io = jvm.org.apache.commons.io.IOUtils
        try:
            self._fs = self._path_class(root).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        except Exception as exc:  # py4j: UnsupportedFileSystemException, bad authority, no credentials …
            raise UsageError(f"cannot open the Spark warehouse at {root}: {_java_message(exc)} (for s3a:// add "
                             "the hadoop-aws jar and its fs.s3a.* settings; docs/spark.md, 'Where the warehouse "
                             "lives')") from exc
        from py4j.java_gateway import is_instance_of

        if is_instance_of(spark.sparkContext._gateway, self._fs, "org.apache.hadoop.fs.ChecksumFileSystem"):
            # the checksumming wrapper would add a hidden .crc beside the catalog file and then refuse to read a
            # catalog edited by hand; the catalog is small text, written through a rename
            self._fs = self._fs.getRawFileSystem()

    def _p(self, loc: str) -> Any:
        return self._path_class(loc)

    def exists(self, loc: str) -> bool:
        return bool(self._fs.exists(self._p(loc)))

    def is_dir(self, loc: str) -> bool:
        return bool(self._fs.exists(self._p(loc))) and bool(self._fs.getFileStatus(self._p(loc)).isDirectory())

    def is_file(self, loc: str) -> bool:
        return bool(self._fs.exists(self._p(loc))) and bool(self._fs.getFileStatus(self._p(loc)).isFile())

    def mkdirs(self, loc: str) -> None:
        self._fs.mkdirs(self._p(loc))

    def delete(self, loc: str) -> None:
        """Remove a file or a folder with everything in it (nothing when absent)."""
        self._fs.delete(self._p(loc), True)

    def names(self, loc: str) -> list[str]:
        """The names directly under folder ``loc`` (sorted, hidden files left out; empty when absent)."""
        if not self.exists(loc):
            return []
        names = (str(s.getPath().getName()) for s in self._fs.listStatus(self._p(loc)))
        return sorted(n for n in names if not n.startswith("."))  # hidden: Hadoop's .crc checksum files

    def read_text(self, loc: str) -> str:
        stream = self._fs.open(self._p(loc))
        try:
            return bytes(self._io.toByteArray(stream)).decode("utf-8")
        finally:
            stream.close()

    def write_text(self, loc: str, text: str) -> None:
        """Write ``text`` to ``loc`` through a temporary file renamed over it (atomic on POSIX and HDFS file
        systems; on object stores a rename is a copy, see docs/spark.md)."""
        tmp = loc + ".tmp"
        out = self._fs.create(self._p(tmp), True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()
        if not self._fs.rename(self._p(tmp), self._p(loc)):  # HDFS renames onto an existing file refuse
            self._fs.delete(self._p(loc), False)
            if not self._fs.rename(self._p(tmp), self._p(loc)):
                raise UsageError(f"cannot replace {loc} in the Spark warehouse")


def _java_message(exc: Exception) -> str:
    """The Java exception's own message, without py4j's stack trace."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        return f"{java.getClass().getSimpleName()}: {java.getMessage()}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
