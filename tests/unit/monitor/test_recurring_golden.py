"""Golden hard cases for recurring-debit discovery: input CSVs (Chinese headers) → expected streams.

Each folder under ``tests/golden/recurring/`` holds transactions/mandates/merchants CSVs and ``expected.csv``,
the streams a teller should see. Regenerate after a deliberate change with ``WUPIAN_REGEN_GOLDEN=1`` and
review the diff.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring import RecurringStream, find_streams

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "recurring"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
FIELDS = ("account_id", "payee", "payee_key", "cadence", "amount_pattern", "typical_amount", "occurrences",
          "skipped", "first_date", "last_date", "next_expected_date", "status", "mandate_id")


def render(streams: list[RecurringStream]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for s in sorted(streams, key=lambda s: (s.account_id, s.payee_key, s.typical_amount)):
        writer.writerow(["" if getattr(s, f) is None else str(getattr(s, f)) for f in FIELDS])
    return out.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str, golden_wh: Callable[[str], Warehouse]) -> None:
    wh = golden_wh(case)
    streams = find_streams(wh)
    got = render(streams)
    expected_path = GOLDEN / case / "expected.csv"
    if os.environ.get("WUPIAN_REGEN_GOLDEN"):
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")
    explanations = GOLDEN / case / "explanations.txt"
    text = "".join(s.explanation + "\n" for s in streams)
    if os.environ.get("WUPIAN_REGEN_GOLDEN"):
        explanations.write_text(text, encoding="utf-8")
    assert text == explanations.read_text(encoding="utf-8")


def test_two_streams_to_one_payee_stay_separate(golden_wh: Callable[[str], Warehouse]) -> None:
    streams = find_streams(golden_wh("two_streams_same_payee"))
    assert sorted(str(s.typical_amount) for s in streams) == ["100.00", "30.00"]
    assert {s.payee_key for s in streams} == {"m:898100000000001"}
    assert all(s.cadence == "monthly" and s.occurrences == 13 for s in streams)


def test_stopped_stream_is_ended_and_explained(golden_wh: Callable[[str], Warehouse]) -> None:
    (s,) = find_streams(golden_wh("stream_stops"))
    assert s.status == "ended"
    assert s.mandate_id == "DK2024000101" and s.mandate_revoked_at is not None
    assert "疑似已停止" in s.explanation and "已解约" in s.explanation


def test_annual_fees_seen_twice_in_default_window(golden_wh: Callable[[str], Warehouse]) -> None:
    streams = find_streams(golden_wh("annual_fee"))
    assert {s.cadence for s in streams} == {"annual"}
    jd = next(s for s in streams if s.merchant_id == "898100000000003")
    assert jd.unexplained and jd.payment_institution == "财付通"
    insurance = next(s for s in streams if s.merchant_id is None)
    assert insurance.mandate_id == "DK2023000777"  # linked by payee name, no mandate id on the debits


def test_irregular_transfers_and_salary_are_not_streams(golden_wh: Callable[[str], Warehouse]) -> None:
    assert find_streams(golden_wh("irregular_transfers")) == []


def test_one_off_purchase_and_refund_do_not_join_the_stream(golden_wh: Callable[[str], Warehouse]) -> None:
    (s,) = find_streams(golden_wh("one_off_refund"))
    assert (s.occurrences, s.amount_pattern, str(s.typical_amount)) == (13, "fixed", "30.00")


def test_teller_account_covers_price_change_skip_and_early(golden_wh: Callable[[str], Warehouse]) -> None:
    streams = {s.payee_key: s for s in find_streams(golden_wh("teller_account"), "6222000000000006")}
    music = streams["m:898100000000006"]
    assert music.price_change_date is not None and str(music.previous_amount) == "15.00"
    assert str(music.typical_amount) == "18.00"
    rent = streams["a:6217000011112222333"]
    assert rent.skipped == 1 and rent.status == "active"
    assert streams["m:898100000000007"].status == "early"
    unexplained = streams["m:898100000000005"]
    assert unexplained.unexplained and "95516" in (unexplained.cancel_hint or "")
    assert streams["a:11009988770000000"].mandate_id == "DK2022000009"
