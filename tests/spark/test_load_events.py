"""``load-events`` on Spark: checked in a staging DuckDB that holds the Spark warehouse's earlier events, so a
re-sent id is skipped (WP-LOAD-030), a changed one rejected (WP-LOAD-029) and an unknown account refused
(WP-LOAD-023) exactly as on DuckDB; the accepted events are appended to Spark and both warehouses then hold the
same events and quarantine rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wupian.ingest import load_events

HEAD = "txn_id,account_id,booked_at,amount,channel,counterparty_name,summary\n"
FIRST = HEAD + ("T1,AC01,2026-03-02 10:00:00,-120.00,mobile,中国移动,话费\n"
                "T2,AC02,2026-03-03 11:00:00,-50.50,counter,,取现\n"
                "T3,NOPE,2026-03-04 12:00:00,-1.00,counter,,\n")
SECOND = HEAD + ("T1,AC01,2026-03-02 10:00:00,-120.00,mobile,中国移动,话费\n"
                 "T2,AC02,2026-03-03 11:00:00,-99.00,counter,,取现\n"
                 "T4,AC01,2026-03-05 09:00:00,-8.00,online,某平台,会员\n")


def _folder(root: Path, name: str, text: str) -> Path:
    d = root / name
    d.mkdir()
    (d / "transactions.csv").write_text(text, encoding="utf-8")
    return d


def _summary(report: Any) -> tuple[Any, ...]:
    return (dict(report.loaded), dict(report.rejected), dict(report.skipped), dict(report.issue_counts),
            sorted((i.code, i.source.key or "", i.message) for i in report.issues))


def test_event_loads_identical(golden_engines: Any, tmp_path: Path) -> None:
    duck, sw = golden_engines
    first, second = _folder(tmp_path, "e1", FIRST), _folder(tmp_path, "e2", SECOND)
    for folder in (first, second):
        want, got = load_events(duck, folder), load_events(sw, folder)
        assert _summary(got) == _summary(want)
    assert dict(want.skipped) == {"transactions": 1} and dict(want.loaded) == {"transactions": 1}
    codes = {i.code for i in want.issues}
    assert {"WP-LOAD-029", "WP-LOAD-030"} <= codes
    sql = ("SELECT txn_id, account_id, booked_at, amount, channel, counterparty_name, summary FROM transactions "
           "ORDER BY txn_id")
    assert sw.rows(sql) == duck.rows(sql)
    assert [r["txn_id"] for r in duck.rows(sql)] == ["T1", "T2", "T4"]
    q = ("SELECT table_name, file, line, row_key, row_json, issues_json FROM quarantine WHERE as_of IS NULL "
         "ORDER BY table_name, file, line")
    assert sw.rows(q) == duck.rows(q) and duck.rows(q)
