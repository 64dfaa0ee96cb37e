"""Golden teller cards: ``wupian screen REQUEST.json --no-case`` through ``main()`` prints, in Chinese, the band,
what to do and every reason with its evidence. The files in tests/golden/screening/cards/ were read by hand;
``WUPIAN_REGEN_GOLDEN=1`` rewrites them (review the diff). The rulebook hash is masked so that a rule edit that
does not change a card does not touch its golden file."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from support import screening_bank as bank
from wupian.cli.main import main

CARDS = Path(__file__).resolve().parents[2] / "golden" / "screening" / "cards"
STORIES = ("victim_investment_high", "mule_cash_out_high", "new_year_82_low", "police_payee_block",
           "split_test_credits_medium", "corporate_payee_mismatch_high")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cards")
    bank.build(tmp, requests=bank.prior_requests()).close()
    return tmp / "w.duckdb"


def _card(db: Path, case: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    req = bank.golden_request(case) | {"observations": case["observations"]}
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(db), "screen", "-", "--no-case"])
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(req, ensure_ascii=False)))
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    assert exc.value.code in (0, None), out.err
    return re.sub(r"规则版本 \S+", "规则版本 <version>", out.out)


@pytest.mark.parametrize("story", STORIES)
def test_teller_card_matches_its_golden_file(db: Path, story: str, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in bank.golden_cases() if c["id"] == story)
    text = _card(db, case, monkeypatch, capsys)
    path = CARDS / f"{story}.txt"
    if os.environ.get("WUPIAN_REGEN_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden card {path}; run with WUPIAN_REGEN_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_cards_say_what_to_do_in_the_law_s_words(db: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cases = {c["id"]: c for c in bank.golden_cases()}
    low = _card(db, cases["new_year_82_low"], monkeypatch, capsys)
    assert "处置：正常办理" in low and "未发现需要核实的风险迹象" in low and "理由" not in low
    assert "现金16.00万元达到大额交易报告标准（5万元）" in low and "金额本身不计风险分" in low
    block = _card(db, cases["police_payee_block"], monkeypatch, capsys)
    assert "处置：中止业务并报告" in block and "在公安涉案账户名单上，依法中止" in block
    split = _card(db, cases["split_test_credits_medium"], monkeypatch, capsys)
    assert "处置：核实交易情况、出示风险告知、主管复核" in split
    assert "近30天有2个付款人在同一天分多笔小额转入（共7笔22.50元）" in split
