"""The screening rulebook: closed schema with located errors, references, version = content hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wupian.core.errors import DataError
from wupian.rules.screening_book import (
    default_screening_path,
    load_screening_rulebook,
    validate_screening_rulebook,
)


@pytest.fixture
def book_dir(tmp_path: Path) -> Path:
    target = tmp_path / "screening"
    shutil.copytree(default_screening_path(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_rulebook_is_valid() -> None:
    book = load_screening_rulebook()
    assert book.version.startswith("2026.1+")
    assert set(book.actions) == {"low", "medium", "high", "block"}
    assert book.actions["block"][0] == "中止业务并报告"
    assert "核实交易情况" in book.actions["medium"][0] and "联系96110" in book.actions["high"][0]
    assert {"anxious", "authority_story", "online_friend"} <= set(book.checklist)
    assert len(book.checklist) == 13
    assert all(r.cites and r.scoring.typologies for r in book.rules)
    assert {t for r in book.rules for t in r.scoring.typologies} == set(book.typologies)


def test_unknown_key_is_located_with_a_suggestion(book_dir: Path) -> None:
    _edit(book_dir / "rules.yaml", "reason: 申请前", "reasn: x\nreason: 申请前")
    book, issues = validate_screening_rulebook(book_dir)
    assert book is None
    hit = next(i for i in issues if i.code == "WP-RULE-001")
    assert hit.source.file == "rules.yaml" and hit.source.line is not None and hit.source.key == "id=new_inflow"
    assert "reason" in (hit.suggestion or "")


def test_reference_errors_are_collected(book_dir: Path) -> None:
    _edit(book_dir / "rules.yaml", "feature: fanin_payers\n", "feature: fanin_payer\n")
    _edit(book_dir / "rules.yaml", "typologies: [mule]\n", "typologies: [mules]\n")
    _edit(book_dir / "rules.yaml", "{fanin_night_share|pct}", "{fanin_night_share|percent}")
    _edit(book_dir / "rules.yaml", "in: [stranger, sales_staff]", "in: [stranger, salesman]")
    _edit(book_dir / "rules.yaml", "feature: obs.anxious, eq: true", "feature: obs.anxius, eq: true")
    with pytest.raises(DataError) as exc:
        load_screening_rulebook(book_dir)
    messages = " | ".join(i.message for i in exc.value.issues)
    assert "unknown feature 'fanin_payer'" in messages
    assert "unknown typology 'mules'" in messages
    assert "unknown format |percent" in messages
    assert "salesman not one of" in messages
    assert "unknown feature 'obs.anxius'" in messages
    assert all(i.source.file == "rules.yaml" and i.source.line for i in exc.value.issues)


def test_bad_cutoffs_and_lists_are_refused(book_dir: Path) -> None:
    _edit(book_dir / "manifest.yaml", "medium: 40", "medium: 80")
    _edit(book_dir / "manifest.yaml", "allow_lists: [allow]", "allow_lists: [whitelist]")
    _, issues = validate_screening_rulebook(book_dir)
    messages = " | ".join(i.message for i in issues)
    assert "0 < medium < high" in messages and "unknown watchlist list 'whitelist'" in messages


def test_points_or_steps_and_number_types(book_dir: Path) -> None:
    _edit(book_dir / "rules.yaml", "points: 15\nreason: 过去", "points: 15\nsteps:\n  - {ge: 1, points: 2}\nreason: 过去")
    _edit(book_dir / "manifest.yaml", "fanin_days: 7", "fanin_days: seven")
    _, issues = validate_screening_rulebook(book_dir)
    messages = " | ".join(i.message for i in issues)
    assert "fanin_days: expected a whole number" in messages


def test_version_follows_the_content(book_dir: Path) -> None:
    before = load_screening_rulebook(book_dir).version
    assert before == load_screening_rulebook().version
    _edit(book_dir / "manifest.yaml", "high: 70", "high: 75")
    after = load_screening_rulebook(book_dir)
    assert after.version != before and after.high == 75
