"""Content fingerprints of packaged data folders (reference datasets, metric definitions …).

A derived result records the fingerprint of the reference data it was computed with (``wupian.engine.lineage``),
so a new catalogue or a corrected threshold table makes every stored result computed with the old one stale.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable


def _walk(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in node.iterdir():
        name = f"{prefix}/{child.name}" if prefix else child.name
        if child.is_dir():
            if child.name != "__pycache__":
                out += _walk(child, name)
        elif not child.name.endswith((".pyc", ".pyo")):
            out.append((name, child))
    return out


@lru_cache(maxsize=16)
def package_fingerprint(package: str) -> str:
    """sha256 (16 hex) over the relative names and bytes of every data file under ``package``."""
    digest = hashlib.sha256()
    for name, node in sorted(_walk(resources.files(package), ""), key=lambda item: item[0]):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(node.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def reference_fingerprint() -> str:
    """The fingerprint of every packaged reference dataset (catalogues, size standard, industry tables)."""
    return package_fingerprint("wupian.reference.data")
