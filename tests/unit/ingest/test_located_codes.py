"""Every row-level and file-level WP-LOAD code, each from one real-shaped bad input: the exact issue line (file,
line, key, column, the value and what was expected), and nothing lost — each row read is loaded or rejected,
and on a load every rejected row sits in quarantine with its raw text and its reasons."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from wupian.engine.warehouse import Warehouse
from wupian.ingest import check_snapshot, load_snapshot

AS_OF = dt.date(2026, 3, 31)
Edit = Callable[[Path], None]


def replace(file: str, old: str, new: str, encoding: str = "utf-8") -> Edit:
    def edit(folder: Path) -> None:
        text = (folder / file).read_text(encoding="utf-8")
        assert text.count(old) >= 1, old
        (folder / file).write_bytes(text.replace(old, new, 1).encode(encoding))
    return edit


def raw(file: str, old: bytes, new: bytes) -> Edit:
    def edit(folder: Path) -> None:
        data = (folder / file).read_bytes()
        assert old in data
        (folder / file).write_bytes(data.replace(old, new, 1))
    return edit


def write(file: str, text: str) -> Edit:
    return lambda folder: (folder / file).write_text(text, encoding="utf-8")


def as_xlsx(file: str, merge: str | None = None, blank: str | None = None) -> Edit:
    """``file`` rewritten as an .xlsx of text cells (optionally one cell blanked and a range merged)."""
    def edit(folder: Path) -> None:
        with (folder / file).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in rows:
            ws.append(row)
        if blank:
            ws[blank] = None
        if merge:
            ws.merge_cells(merge)
        wb.save(folder / file.replace(".csv", ".xlsx"))
        (folder / file).unlink()
    return edit


# One loans.csv holding the three good loans and one row per defect, all derived from L000001 (line 2):
# (loan id, column, value). One check names every defect on its own line and rejects exactly those rows.
HEADER = ("loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
          "interest_rate,guarantee_type,five_class,is_first_loan,applied_at").split(",")
TEMPLATE = "L000001,K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,7500000.00,3.45,D,FQ01,1,2025-06-20 09:30:00"
DEFECTS: list[tuple[str, dict[str, str]]] = [
    ("L100", {"interest_rate": "99"}),
    ("L101", {"business_type": ""}),
    ("L102", {"drawdown_date": "2026-02-29"}),  # 2026 is not a leap year
    ("L103", {"drawdown_date": "20250229"}),
    ("L104", {"maturity_date": "2027-04-31"}),
    ("L105", {"applied_at": "2025-06-20 25:30:00"}),
    ("L106", {"balance": "7500000.001"}),
    ("L107", {"balance": "七百五十万"}),
    ("L108", {"interest_rate": "3.4.5"}),
    ("L109", {"is_first_loan": "maybe"}),
    ("L110", {"five_class": "FQ09"}),
    ("L111", {"maturity_date": "2025-01-09"}),
    ("L112", {"business_type": "C99", "drawdown_date": "2025-06-31", "drawdown_amount": "-8000000.00"}),
    ("L113", {"drawdown_date": "2024-02-29"}),  # a real leap day: loads
]
DEFECT_LINES = [  # lines that cannot be split into fields first, then the checks of the typed rows
    "loans.csv:19: ERROR WP-LOAD-004 bytes ff fe 31 34 at byte 2 of the line are not valid utf-8 (nor GB18030) "
    "(re-export the file as UTF-8 or GBK)",
    "loans.csv:20: ERROR WP-LOAD-005 expected 13 fields, got 11 (row cut short) "
    "(check delimiters and quotes in this row, or re-export the file)",
    "loans.csv:21: ERROR WP-LOAD-005 expected 13 fields, got 15 (row has extra fields) "
    "(check delimiters and quotes in this row, or re-export the file)",
    "loans.csv:5[loan_id=L100].interest_rate: ERROR WP-LOAD-007 expected rate ≥ -5 and ≤ 36, got 99",
    "loans.csv:6[loan_id=L101].business_type: ERROR WP-LOAD-013 required value business_type is blank",
    "loans.csv:7[loan_id=L102].drawdown_date: ERROR WP-LOAD-014 expected a date YYYY-MM-DD or YYYYMMDD, got '2026-02-29'",
    "loans.csv:8[loan_id=L103].drawdown_date: ERROR WP-LOAD-014 expected a date YYYY-MM-DD or YYYYMMDD, got '20250229'",
    "loans.csv:9[loan_id=L104].maturity_date: ERROR WP-LOAD-014 expected a date YYYY-MM-DD or YYYYMMDD, got '2027-04-31'",
    "loans.csv:10[loan_id=L105].applied_at: ERROR WP-LOAD-015 expected a date-time like 2026-03-31 14:05:00, "
    "got '2025-06-20 25:30:00'",
    "loans.csv:11[loan_id=L106].balance: ERROR WP-LOAD-016 expected money in yuan with at most 2 decimals, "
    "got 7500000.001",
    "loans.csv:12[loan_id=L107].balance: ERROR WP-LOAD-016 expected money in yuan (e.g. 1,234.50), got '七百五十万'",
    "loans.csv:13[loan_id=L108].interest_rate: ERROR WP-LOAD-017 expected a decimal rate, got '3.4.5'",
    "loans.csv:14[loan_id=L109].is_first_loan: ERROR WP-LOAD-019 expected 1/0, Y/N, 是/否 or true/false, got 'maybe'",
    "loans.csv:15[loan_id=L110].five_class: ERROR WP-LOAD-020 expected one of normal, special_mention, substandard, "
    "doubtful, loss, got 'FQ09' (did you mean 'FQ05'?)",
    "loans.csv:16[loan_id=L111].drawdown_date: ERROR WP-LOAD-027 expected drawdown_date ≤ maturity_date 2025-01-09, "
    "got 2025-06-30",
    "loans.csv:17[loan_id=L112].drawdown_amount: ERROR WP-LOAD-007 expected money ≥ 0, got -8000000.00",
    "loans.csv:17[loan_id=L112].drawdown_date: ERROR WP-LOAD-014 expected a date YYYY-MM-DD or YYYYMMDD, "
    "got '2025-06-31'",
    "loans.csv:17[loan_id=L112].business_type: ERROR WP-LOAD-020 expected one of corporate, personal, bill_direct, "
    "bill_rediscount, got 'C99'",
]


def _defective_loans(folder: Path) -> None:
    lines = [(folder / "loans.csv").read_bytes().rstrip(b"\n")]
    for loan_id, changes in DEFECTS:
        row = dict(zip(HEADER, TEMPLATE.split(","), strict=True))
        row.update({"loan_id": loan_id, **changes})
        lines.append(",".join(row[h] for h in HEADER).encode("utf-8"))
    lines.append(b"L\xff\xfe14,K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,7500000.00,3.45,D,FQ01,1,")  # 004
    lines.append(b"L115,K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,7500000.00,3.45,D,FQ01")  # 005 short
    lines.append(b"L116,K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,7500000.00,3.45,D,FQ01,1,,x,y")  # 005 long
    (folder / "loans.csv").write_bytes(b"\n".join(lines) + b"\n")


def test_one_bad_value_per_row_each_named_exactly_and_nothing_lost(good_dir: Path) -> None:
    _defective_loans(good_dir)
    report = check_snapshot(good_dir, AS_OF)
    assert [str(i) for i in report.issues] == DEFECT_LINES
    assert report.rows["loans"] == 3 + len(DEFECTS) + 3
    assert report.loaded["loans"] == 4 and report.rejected["loans"] == len(DEFECTS) - 1 + 3  # L113 loads
    assert report.issue_counts[("WP-LOAD-014", "ERROR")] == 4 and report.errors == len(DEFECT_LINES)


def test_every_rejected_row_is_in_quarantine_with_its_raw_text(good_dir: Path, wh: Warehouse) -> None:
    _defective_loans(good_dir)
    report = load_snapshot(wh, AS_OF, good_dir)
    assert report.loaded["loans"] == 4 and wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [AS_OF]) == 4
    held = wh.rows("SELECT line, row_key, row_json, issues_json FROM quarantine WHERE table_name = 'loans' "
                   "ORDER BY line")
    assert [r["line"] for r in held] == [*range(5, 18), 19, 20, 21]  # line 18 is the leap day that loaded
    by_line = {r["line"]: r for r in held}
    assert json.loads(by_line[12]["row_json"])["balance"] == "七百五十万"  # the raw text, not a blank
    assert json.loads(by_line[7]["row_json"])["drawdown_date"] == "2026-02-29"
    assert [i["code"] for i in json.loads(by_line[17]["issues_json"])] == ["WP-LOAD-007", "WP-LOAD-014", "WP-LOAD-020"]
    assert by_line[17]["row_key"] == "loan_id=L112"
    for line in (19, 20, 21):  # rows that could not be split into fields keep their whole text
        assert "K0001,O001,C01" in json.dumps(json.loads(by_line[line]["row_json"]), ensure_ascii=False)


# (case id, the bad input, the exact issue lines expected, rows rejected per table): defects in other tables,
# whose rejection reaches the rows that refer to them
ROW_CASES: list[tuple[str, Edit, list[str], dict[str, int]]] = [
    ("018_fraction_of_a_person", replace("customers.csv", ",45,", ",4.5,"),
     ["customers.csv:2[customer_id=K0001].employees: ERROR WP-LOAD-018 expected a whole number, got '4.5'",
      "loans.csv:2[loan_id=L000001].customer_id: ERROR WP-LOAD-023 customer_id K0001 not found in customers "
      "(that row of customers was rejected; see its own issues)"], {"customers": 1, "loans": 1}),
    ("021_region_code", replace("branches.csv", "440304", "44O304"),
     ["branches.csv:6[branch_id=O002].region_code: ERROR WP-LOAD-021 expected format \\d{6}, got '44O304'",
      "customers.csv:3[customer_id=K0002].branch_id: ERROR WP-LOAD-023 branch_id O002 not found in branches "
      "(that row of branches was rejected; see its own issues)",
      "loans.csv:3[loan_id=L000002].branch_id: ERROR WP-LOAD-023 branch_id O002 not found in branches "
      "(that row of branches was rejected; see its own issues)",
      "loans.csv:3[loan_id=L000002].customer_id: ERROR WP-LOAD-023 customer_id K0002 not found in customers "
      "(that row of customers was rejected; see its own issues)"], {"branches": 1, "customers": 1, "loans": 1}),
    ("028_no_identifier", write("service_activations.csv", "service,id_code,customer_id,activated_at\n"
                                "medical_insurance_code,,,2026-01-01\nmedical_insurance_code,,K0001,2026-01-02\n"),
     ["service_activations.csv:2[service=medical_insurance_code,id_code=,customer_id=,activated_at=2026-01-01]: "
      "ERROR WP-LOAD-028 expected at least one of id_code, customer_id"], {"service_activations": 1}),
    ("bom_and_crlf_keep_lines_and_keys",
     lambda f: (f / "loans.csv").write_bytes(b"\xef\xbb\xbf" + (f / "loans.csv").read_bytes()
                                               .replace(b"\n", b"\r\n").replace(b"4.35", b"36.5")),
     ["loans.csv:4[loan_id=L000003].interest_rate: ERROR WP-LOAD-007 expected rate ≥ -5 and ≤ 36, got 36.5"],
     {"loans": 1}),
    ("blank_lines_count_in_line_numbers",
     lambda f: (f / "loans.csv").write_bytes((f / "loans.csv").read_bytes()
                                             .replace(b"\nL000003", b"\n\n\nL000003").replace(b"4.35", b"-6")),
     ["loans.csv:6[loan_id=L000003].interest_rate: ERROR WP-LOAD-007 expected rate ≥ -5 and ≤ 36, got -6"],
     {"loans": 1}),
    ("gbk_with_an_error_keeps_the_chinese_value",
     lambda f: (f / "customers.csv").write_bytes((f / "customers.csv").read_text(encoding="utf-8")
                                                 .replace("个体工商户", "个体户").encode("gbk")),
     ["customers.csv:4[customer_id=K0003].customer_type: ERROR WP-LOAD-020 expected one of enterprise, other_org, "
      "sole_proprietor, small_business_owner, farmer, individual, got '个体户' (did you mean '个体工商户'?)",
      "loans.csv:4[loan_id=L000003].customer_id: ERROR WP-LOAD-023 customer_id K0003 not found in customers "
      "(that row of customers was rejected; see its own issues)"], {"customers": 1, "loans": 1}),
    ("004_in_a_gbk_file", lambda f: (f / "customers.csv").write_bytes(
        (f / "customers.csv").read_text(encoding="utf-8").encode("gbk")
        .replace("南山小吃店".encode("gbk"), "南山小吃店".encode("gbk") + b"\xff")),
     ["customers.csv:4: ERROR WP-LOAD-004 bytes ff 2c b8 f6 at byte 17 of the line are not valid gb18030 "
      "(nor UTF-8) (re-export the file as UTF-8 or GBK)",  # was "not valid gb18030 (nor GB18030)"
      "loans.csv:4[loan_id=L000003].customer_id: ERROR WP-LOAD-023 customer_id K0003 not found in customers"],
     {"customers": 1, "loans": 1}),
    ("no_final_newline", raw("loans.csv", b"4.35,C,FQ01,Y,\n", b"4.35,C,FQ01,Y,"), [], {}),
    # a name over two lines whose second line looks like a record by itself, in a file read line by line
    # (blank line): one customer, never a stray quote plus a customer called 曾用名 (the bug this found)
    ("multi_line_name_with_a_comma", lambda f: (f / "customers.csv").write_text(
        (f / "customers.csv").read_text(encoding="utf-8").replace("K0002,王小明,", 'K0002,"王小明\n曾用名,王明",')
        .replace("\nK0003", "\n\nK0003"), encoding="utf-8"), [], {}),
]

# (case id, the bad input, expected lines): the file or folder is refused as a whole (or only warned about)
FILE_CASES: list[tuple[str, Edit, list[str]]] = [
    ("001_missing", lambda f: (f / "loans.csv").unlink(),
     ["loans.csv: ERROR WP-LOAD-001 required table loans [贷款借据] not found: expected loans.csv, .xlsx or .parquet"]),
    ("002_zero_bytes", lambda f: (f / "loans.csv").write_bytes(b""),
     ["loans.csv: ERROR WP-LOAD-002 file is empty: no header row (re-export the table with its header)"]),
    ("002_only_a_bom", lambda f: (f / "loans.csv").write_bytes(b"\xef\xbb\xbf"),
     ["loans.csv: ERROR WP-LOAD-002 file is empty: no header row (re-export the table with its header)"]),
    ("002_only_blank_lines", write("loans.csv", "\n\n\n"),
     ["loans.csv: ERROR WP-LOAD-002 file is empty: no header row (re-export the table with its header)"]),
    ("003_corrupt_workbook", lambda f: ((f / "loans.csv").unlink(), (f / "loans.xlsx").write_bytes(b"PK\x03\x04junk")),
     ["loans.xlsx: ERROR WP-LOAD-003 cannot open workbook: File is not a zip file"]),
    ("003_two_files_for_one_table", lambda f: (f / "loans.parquet").write_bytes(b"PAR1"),
     ["loans.csv: ERROR WP-LOAD-003 several files for table loans: loans.csv, loans.parquet "
      "(keep exactly one file per table)"]),
    ("006_missing_column", lambda f: (f / "loans.csv").write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 10)
                  for line in (f / "loans.csv").read_text(encoding="utf-8").splitlines()) + "\n", encoding="utf-8"),
     ["loans.csv:1.five_class: ERROR WP-LOAD-006 required column five_class [贷款质量] is missing from the header"]),
    ("008_unknown_column", replace("loans.csv", "applied_at", "applied_att"),
     ["loans.csv:1.applied_att: WARNING WP-LOAD-008 unknown column 'applied_att' is not part of table loans; "
      "kept aside, not loaded (did you mean 'applied_at'?)"]),
    ("008_semicolons", lambda f: (f / "branches.csv").write_text(
        (f / "branches.csv").read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8"),
     ["branches.csv:1.branch_id;name;parent_id;level;region_code: WARNING WP-LOAD-008 unknown column "
      "'branch_id;name;parent_id;level;region_code' is not part of table branches; kept aside, not loaded "
      "(the file seems to be separated by ';'; re-export it with ',' or '|' between the fields)",
      "branches.csv:1.branch_id: ERROR WP-LOAD-006 required column branch_id [内部机构号] is missing from the header",
      "branches.csv:1.name: ERROR WP-LOAD-006 required column name [机构名称] is missing from the header"]),
    ("009_duplicate_header", replace("loans.csv", "guarantee_type", "balance"),
     ["loans.csv:1.balance: ERROR WP-LOAD-009 headers in columns 8 and 10 both name column balance "
      "(keep only one of them)"]),
    ("009_duplicate_header_in_chinese", replace("loans.csv", "guarantee_type", "贷款余额"),
     ["loans.csv:1.balance: ERROR WP-LOAD-009 headers in columns 8 and 10 both name column balance "
      "(keep only one of them)"]),
    ("012_merged_data_cells", as_xlsx("loans.csv", merge="C2:C3", blank="C3"),
     ["loans.xlsx:2: WARNING WP-LOAD-012 merged cells C2:C3: value 'O001' filled into every cell of the range"]),
    ("031_stray_file", write("loan.csv", "loan_id\nL1\n"),
     ["loan.csv: WARNING WP-LOAD-031 file loan.csv is not named after a table of the data contract; ignored "
      "(did you mean 'loans.csv'?)"]),
    ("032_events_in_a_snapshot", write("transactions.csv", "txn_id,account_id\nT1,A1\n"),
     ["transactions.csv: WARNING WP-LOAD-032 table transactions does not belong in this kind of folder; ignored "
      "(event tables are loaded with `wupian load-events`, snapshot tables with `wupian load`)"]),
    ("034_header_only", write("loans.csv", "loan_id,customer_id,branch_id,business_type,drawdown_date,"
                              "drawdown_amount,maturity_date,balance,interest_rate,five_class\n"),
     ["loans.csv: ERROR WP-LOAD-034 table loans has a header but no data rows"]),
]


def _lines(folder: Path) -> list[str]:
    return [str(i) for i in check_snapshot(folder, AS_OF).issues]


@pytest.mark.parametrize(("edit", "expected", "rejected"), [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES])
def test_a_bad_row_is_named_exactly_and_only_it_is_rejected(
    good_dir: Path, edit: Edit, expected: list[str], rejected: dict[str, int]
) -> None:
    edit(good_dir)
    report = check_snapshot(good_dir, AS_OF)
    assert [str(i) for i in report.issues] == expected
    assert {t: n for t, n in report.rejected.items() if n} == rejected
    for table, read in report.rows.items():  # nothing lost: every row read is either loaded or rejected
        assert report.loaded.get(table, 0) + report.rejected.get(table, 0) == read, table
    assert report.ok == (not any(" ERROR " in line for line in expected))


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_a_bad_file_is_named_exactly(good_dir: Path, edit: Edit, expected: list[str]) -> None:
    edit(good_dir)
    assert _lines(good_dir) == expected


def test_the_same_rows_load_identically_from_csv_excel_and_parquet(tmp_path: Path, good_dir: Path) -> None:
    """One bank, three formats: the warehouse tables come out identical (typed values, not text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def dump(folder: Path, name: str) -> dict[str, list[tuple[object, ...]]]:
        with Warehouse(tmp_path / f"{name}.duckdb") as wh:
            report = load_snapshot(wh, AS_OF, folder)
            assert report.ok and not [i for i in report.issues if i.code != "WP-LOAD-040"], report.issues
            return {t: wh.con.execute(f"SELECT * EXCLUDE (as_of) FROM {t} ORDER BY ALL").fetchall()
                    for t in ("branches", "customers", "loans")}

    reference = dump(good_dir, "csv")
    xlsx_dir, pq_dir = tmp_path / "xlsx", tmp_path / "pq"
    xlsx_dir.mkdir()
    pq_dir.mkdir()
    for f in good_dir.iterdir():
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in rows:  # typed cells where a bank's export would have them
            ws.append([_typed(v) for v in row])
        wb.save(xlsx_dir / f"{f.stem}.xlsx")
        pq.write_table(pa.table({h: [r[i] or None for r in rows[1:]] for i, h in enumerate(rows[0])}),
                       pq_dir / f"{f.stem}.parquet")
    assert dump(xlsx_dir, "xlsx") == reference
    assert dump(pq_dir, "pq") == reference
    assert reference["loans"] and len(reference["branches"]) == 5


def _typed(text: str) -> object:
    """A cell as Excel would hold it: ISO dates and date-times as date cells, numbers as numbers, anything else
    (ids, codes, offsets) as text."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", text):
        return dt.datetime.fromisoformat(text)
    plain = text.replace(",", "")
    if plain.replace(".", "", 1).isdigit() and not text.startswith(("K", "L", "O", "0")) and len(plain) < 15:
        return float(plain) if "." in plain else int(plain)
    return text
