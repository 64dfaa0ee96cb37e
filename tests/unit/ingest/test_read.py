"""Reading helpers: encoding detection, delimiter sniffing, header mapping, Excel cell text, folder scan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from wupian.contract import table
from wupian.ingest.encoding import detect_encoding, scan_layout, transcode_to_utf8
from wupian.ingest.files import find_table_files
from wupian.ingest.headers import map_headers
from wupian.ingest.read import sniff_delimiter
from wupian.ingest.xlsx import cell_text


def test_detect_encoding(tmp_path: Path) -> None:
    cases = {
        "utf8.csv": "客户号,客户名称\nK1,甲公司\n".encode(),
        "bom.csv": "\ufeff客户号,客户名称\n".encode(),
        "gbk.csv": "客户号,客户名称\nK1,甲公司\n".encode("gbk"),
        "ascii.csv": b"a,b\n1,2\n",
    }
    expected = {"utf8.csv": "utf-8", "bom.csv": "utf-8-sig", "gbk.csv": "gb18030", "ascii.csv": "utf-8"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert detect_encoding(tmp_path / name) == expected[name], name


def test_transcode_streams_gbk_and_refuses_garbage(tmp_path: Path) -> None:
    src = tmp_path / "g.csv"
    src.write_bytes(("名称\n" + "深圳分行\n" * 1000).encode("gbk"))
    assert transcode_to_utf8(src, "gb18030", tmp_path / "u.csv")
    assert (tmp_path / "u.csv").read_text(encoding="utf-8").count("深圳分行") == 1000
    src.write_bytes(b"a\n\xff\xff\n")
    assert not transcode_to_utf8(src, "gb18030", tmp_path / "u2.csv")


def test_scan_layout(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(b'a,b\n1,"x\ny"\n')
    assert scan_layout(p).has_quotes and not scan_layout(p).has_blank_lines
    p.write_bytes(b"a,b\n1,2\n\n3,4\n")
    assert scan_layout(p).has_blank_lines
    p.write_bytes(b"a,b\n1,2\n\n\n")  # trailing blank lines do not shift anything
    assert not scan_layout(p).has_blank_lines


def test_sniff_delimiter() -> None:
    assert sniff_delimiter("a|b|c\n") == "|"
    assert sniff_delimiter("a,b|c,d\n") == ","


def test_map_headers_accepts_chinese_and_case_and_reports_unknown() -> None:
    positions, issues = map_headers(table("loans"), [" LOAN_ID ", "客户号", "Balanse", ""], "loans.csv", 1)
    assert positions == ((0, "loan_id"), (1, "customer_id"))
    codes = [(i.code, i.suggestion) for i in issues]
    assert ("WP-LOAD-008", "did you mean 'balance'?") in codes
    missing = {i.source.column for i in issues if i.code == "WP-LOAD-006"}
    assert "balance" in missing and "branch_id" in missing
    assert all(str(i).startswith("loans.csv:1") for i in issues)


def test_duplicate_headers_are_structural() -> None:
    _, issues = map_headers(table("branches"), ["branch_id", "内部机构号", "name"], "branches.csv", 1)
    assert [i.code for i in issues] == ["WP-LOAD-009"]


def test_cell_text() -> None:
    assert cell_text(1234.5) == "1234.5"
    assert cell_text(10001.0) == "10001"
    assert cell_text(0.1 + 0.2) == "0.3"
    assert cell_text(dt.datetime(2026, 3, 31)) == "2026-03-31"
    assert cell_text(dt.datetime(2026, 3, 31, 14, 5)) == "2026-03-31 14:05:00"
    assert cell_text(True) == "true"
    assert cell_text("  ") is None


def test_find_table_files(tmp_path: Path) -> None:
    for name in ("branches.csv", "客户.xlsx", "loans.csv", "loans.parquet", "notes.txt", "transactions.csv", "loan_list.csv"):
        (tmp_path / name).write_bytes(b"x")
    found, issues = find_table_files(tmp_path, [table("branches"), table("customers"), table("loans")])
    assert set(found) == {"branches", "customers"}
    assert sorted(i.code for i in issues) == ["WP-LOAD-003", "WP-LOAD-031", "WP-LOAD-032"]


def test_careful_reader_keeps_going_after_a_bad_quote(tmp_path: Path) -> None:
    from wupian.ingest.csvsafe import read_careful

    p = tmp_path / "branches.csv"
    p.write_text('branch_id,name\nB1,"x"y\nB2,ok\nB3,"never closed\n', encoding="utf-8")
    header, data, rejects, _ = read_careful(p, "utf-8", ",", "branches.csv")
    assert header == ["branch_id", "name"]
    assert data is not None and data.column("c0").to_pylist() == ["B2"] and data.column("__line").to_pylist() == [3]
    assert [(r.line, r.issues[0].code) for r in rejects] == [(2, "WP-LOAD-005"), (4, "WP-LOAD-005")]
    assert rejects[0].text == "B1,\"x\"y" and rejects[1].text == "B3,\"never closed"
