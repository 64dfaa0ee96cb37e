"""The rulebook as data: the packaged one is valid, citations quote the official texts, errors are located."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from wupian.core.errors import DataError
from wupian.rules.rulebook import default_path, load_rulebook, validate_rulebook

SOURCES = Path("/work/shared/sources")


def test_packaged_rulebook_is_valid() -> None:
    book, issues = validate_rulebook()
    assert book is not None and issues == []
    assert {p.id for p in book.profiles} == {"pboc_2025", "nfra_1104_2025"}
    assert book.version.startswith("2025.1+")
    assert all(r.cites for r in book.rules)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not SOURCES.exists(), reason="official source texts not available")
def test_verified_citations_are_quoted_from_the_source_text() -> None:
    book = load_rulebook()
    verified = [c for c in book.citations.values() if c.status == "verified"]
    assert len(verified) >= 20
    for c in verified:
        text = _squash((SOURCES / c.source_file).read_text(encoding="utf-8"))
        assert _squash(c.quote) in text, c.id


@pytest.fixture
def book_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "book"
    shutil.copytree(default_path(), dst, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return dst


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_unknown_key_is_an_error_at_its_line(book_copy: Path) -> None:
    f = book_copy / "rules" / "pension.yaml"
    lines = _lines(f)
    at = next(i for i, line in enumerate(lines) if line.startswith("kind:"))
    lines.insert(at, "knid: include")
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    book, issues = validate_rulebook(book_copy)
    assert book is None
    (issue,) = [i for i in issues if i.code == "WP-RULE-001"]
    assert issue.source.file == "rules/pension.yaml" and issue.source.line == at + 1
    assert issue.source.column == "knid" and "kind" in (issue.suggestion or "")
    with pytest.raises(DataError):
        load_rulebook(book_copy)


def test_unknown_key_inside_a_condition(book_copy: Path) -> None:
    f = book_copy / "rules" / "green.yaml"
    text = f.read_text(encoding="utf-8").replace("- {fact: green_code, is_null: false,",
                                                 "- {fact: green_code, is_nul: false,")
    f.write_text(text, encoding="utf-8")
    _, issues = validate_rulebook(book_copy)
    hit = [i for i in issues if i.code == "WP-RULE-001"]
    line = next(n for n, s in enumerate(_lines(f), 1) if "is_nul:" in s)
    assert hit and hit[0].source.line == line and "is_null" in (hit[0].suggestion or "")


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("{fact: tech_htp, is_null: false", "{fact: tech_htpp, is_null: false", "when"),
        ("cites: [P1.tech.htp, P1.tech.dedup]", "cites: [P1.tech.nope]", "cites"),
        ("{tech_htp|codename}", "{tech_htp|colour}", "explain"),
        ("tags: [tech_industry]\nprofiles: [pboc_2025, nfra_1104_2025]",
         "tags: [tech_industry]\nprofiles: [pbc]", "profiles"),
    ],
)
def test_reference_errors_are_located(book_copy: Path, old: str, new: str, column: str) -> None:
    f = book_copy / "rules" / "tech.yaml"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    book, issues = validate_rulebook(book_copy)
    assert book is None
    assert any(i.source.column == column and i.source.key == "id=tech.industry.htp" for i in issues), issues


def test_yaml_syntax_error_is_located(book_copy: Path) -> None:
    f = book_copy / "rules" / "digital.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\nid: [unclosed\n", encoding="utf-8")
    _, issues = validate_rulebook(book_copy)
    assert issues[0].code == "WP-RULE-008" and issues[0].source.line is not None
