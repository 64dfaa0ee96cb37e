"""Property: the content fingerprint that makes stored results stale (``wupian.reference.fingerprint``) changes with
any change a result could depend on — one byte of a data file, a file added, removed or renamed, a file moved into
another folder, bytes moved from one file to the next — and with nothing else (compiled Python, ``__pycache__``, the
order files were written in). Checked on throw-away packages built on ``sys.path``."""

from __future__ import annotations

import importlib
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.reference.fingerprint import package_fingerprint, reference_fingerprint

fingerprint = package_fingerprint.__wrapped__  # uncached: the same package name is fingerprinted after changes

names = st.text(st.sampled_from("abcxyz_1"), min_size=1, max_size=4)
paths = st.lists(names, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + ".csv")
trees = st.dictionaries(paths, st.binary(max_size=20), min_size=1, max_size=5).filter(
    lambda t: not any(a != b and b.startswith(a[:-4] + "/") for a in t for b in t))  # a file is not also a folder


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("site")
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))


def _package(site: Path, files: dict[str, bytes], order: list[str] | None = None) -> str:
    name = f"wp_fp_{uuid.uuid4().hex[:12]}"
    folder = site / name
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for rel in order or list(files):
        path = folder / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])
    importlib.invalidate_caches()
    return name


def _changed(files: dict[str, bytes], how: str, pick: int) -> dict[str, bytes] | None:
    keys = sorted(files)
    key = keys[pick % len(keys)]
    out = dict(files)
    if how == "byte":
        out[key] = files[key][:-1] + bytes([(files[key][-1] + 1) % 256]) if files[key] else b"\0"
    elif how == "add":
        out["zz_new.csv"] = b""
    elif how == "remove":
        if len(files) == 1:
            return None
        del out[key]
    elif how == "rename":
        out[key[:-4] + "_2.csv"] = out.pop(key)
    elif how == "move":
        out["moved/" + key] = out.pop(key)
    elif how == "shift":  # the last byte of one file becomes the first of the next (same concatenation)
        if len(keys) < 2 or not files[key]:
            return None
        nxt = keys[(pick + 1) % len(keys)]
        if nxt == key:
            return None
        out[key], out[nxt] = files[key][:-1], files[key][-1:] + files[nxt]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trees, st.sampled_from(["byte", "add", "remove", "rename", "move", "shift"]), st.integers(0, 10))
def test_any_change_of_the_data_changes_the_fingerprint(site: Path, files: dict[str, bytes], how: str,
                                                        pick: int) -> None:
    changed = _changed(files, how, pick)
    if changed is None or changed == files:
        return
    before = fingerprint(_package(site, files), "data")
    after = fingerprint(_package(site, changed), "data")
    assert len(before) == len(after) == 16
    assert before != after, how


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trees, st.randoms(use_true_random=False))
def test_write_order_and_compiled_python_leave_the_fingerprint_alone(site: Path, files: dict[str, bytes],
                                                                    rnd: object) -> None:
    order = sorted(files)
    rnd.shuffle(order)  # type: ignore[attr-defined]
    plain = _package(site, files)
    shuffled = _package(site, files, order)
    cache = site / shuffled / "data" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"compiled")
    (site / shuffled / "data" / "y.pyc").write_bytes(b"compiled")
    assert fingerprint(plain, "data") == fingerprint(shuffled, "data")
    shutil.rmtree(cache)


def test_the_packaged_reference_data_has_one_stable_fingerprint() -> None:
    assert reference_fingerprint() == fingerprint("wupian.reference.data") == reference_fingerprint()
    assert len(reference_fingerprint()) == 16


def test_a_file_whose_bytes_spell_the_next_file_is_not_the_two_files(site: Path) -> None:
    """Names and bytes are delimited: {a.csv: "", b.csv: "1"} and {a.csv: "b.csv1"} hash different streams."""
    two = fingerprint(_package(site, {"a.csv": b"", "b.csv": b"1"}), "data")
    one = fingerprint(_package(site, {"a.csv": b"b.csv1"}), "data")
    assert two != one
