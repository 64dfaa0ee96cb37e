"""Build the golden input folders of tests/golden/ingest/ (run once; the folders are committed).

Each case is a small snapshot folder derived from the same good minimal bank, with one class of bad input.
``expected.txt`` in each folder holds the issue lines `wupian check` must print; regenerate them with
``WUPIAN_REGEN=1 pytest tests/unit/ingest/test_golden.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent

BRANCHES = """branch_id,name,parent_id,level,region_code
H001,总行,,head,440300
P001,广东省分行,H001,province,440000
C001,深圳分行,P001,city,440300
O001,南山支行,C001,outlet,440305
O002,福田支行,C001,outlet,440304
"""
CUSTOMERS = """customer_id,name,customer_type,id_type,id_code,industry_code,employees,revenue,declared_size,branch_id,is_rural
K0001,深圳星河科技有限公司,企业法人,A01,91440300MA5F000001,C3911,45,23000000.00,CS03,O001,否
K0002,王小明,individual,id_card,440305199001010011,,,,,O002,N
K0003,南山小吃店,个体工商户,other,92440300MA5F000003,H6210,3,"1,200,000.50",micro,O001,0
"""
LOANS = """loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,interest_rate,guarantee_type,five_class,is_first_loan,applied_at
L000001,K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,7500000.00,3.45,D,FQ01,1,2025-06-20 09:30:00
L000002,K0002,O002,personal,20250115,300000,20350115,280000.12,3.1,B,normal,0,2025-01-10T10:00:00+08:00
L000003,K0003,O001,C01,2026-01-10,"500,000.00",2027-01-09,500000.00,4.35,C,FQ01,Y,
"""


def write(case: str, files: dict[str, str | bytes]) -> None:
    for old in (HERE / case).glob("input*"):
        shutil.rmtree(old)
    folder = HERE / case / "input"
    folder.mkdir(parents=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)


def base(**over: str | bytes) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"branches.csv": BRANCHES, "customers.csv": CUSTOMERS, "loans.csv": LOANS}
    files.update({k.replace("__", "."): v for k, v in over.items()})
    return files


def xlsx_with_merged_header() -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["贷款借据明细表（2026年3月末）"])
    ws.merge_cells("A1:M1")
    header = LOANS.splitlines()[0].split(",")
    header[7] = "贷款余额"
    ws.append(header)
    ws.merge_cells("H2:I2")  # balance header merged over interest_rate's header
    for line in LOANS.splitlines()[1:]:
        ws.append(line.replace('"500,000.00"', "500000").split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_with_title() -> bytes:
    import datetime as dt
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["贷款借据明细表（2026年3月末）"])
    ws.merge_cells("A1:E1")
    ws.append(["贷款借据编码", "客户号", "内部机构号", "业务类别", "贷款发放日期", "发放金额", "贷款到期日期",
               "贷款余额", "利率水平", "贷款质量"])
    ws.append(["L000001", "K0001", "O001", "单位贷款", dt.datetime(2025, 6, 30), 8000000, dt.date(2027, 6, 29),
               7500000.5, 3.45, "正常"])
    ws.append(["L000002", "K0002", "O002", "个人贷款", dt.datetime(2025, 1, 15), 300000, dt.date(2035, 1, 15),
               280000.12, 3.1, "关注"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx(rows: list[list[object]], *, formats: dict[str, str] | None = None, hidden_first: list[list[object]] | None = None) -> bytes:
    """A workbook whose sheet '贷款' holds ``rows``; ``formats`` (cell → number format); optionally a hidden
    first sheet with other rows (an old copy a user hid instead of deleting)."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if hidden_first is not None:
        ws.title = "旧数据"
        for row in hidden_first:
            ws.append(row)
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("贷款")
        wb.active = 1
    else:
        ws.title = "贷款"
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_rows(text: str) -> list[list[object]]:
    import csv
    import io

    return [list(r) for r in csv.reader(io.StringIO(text))]


LOANS_ROWS = _csv_rows(LOANS)
CUSTOMERS_ROWS = _csv_rows(CUSTOMERS)


def strict_cases() -> None:
    """The cases of issue 9 §2 (strict, located parsing)."""
    # A stray quote opens business_type on line 3; the next quote is on line 4 ("500,000.00").
    write("stray_quote", base(loans__csv=LOANS.replace("K0002,O002,personal", 'K0002,O002,"personal')))
    write("amount_grouping", base(loans__csv=LOANS.replace("7500000.00", '"7,500,000.50"')
        .replace("280000.12", '"1,00"').replace('"500,000.00"', '"7500000,5"')
        + "L000004,K0001,O001,C01,2025-06-30,7 500 000,2027-06-29,100.00,3.45,D,FQ01,1,\n"))
    write("id_normalisation", {
        "branches.csv": BRANCHES,
        "customers.csv": CUSTOMERS.replace("K0002,王小明", "K0002\u00a0,王小明"),
        "loans.csv": LOANS.replace("L000001,K0001,O001", "L000001,K0001,\uff2f\uff10\uff10\uff11")
        .replace("L000002,", "L000002\t,").replace("L000003,K0003,", "L000003,K0003\u200b,")
        + "L000004,K 0001,O001,C01,2025-06-30,100.00,2027-06-29,100.00,3.45,D,FQ01,1,\n"
        + "L000001\u3000,K0001,O001,C01,2025-06-30,100.00,2027-06-29,100.00,3.45,D,FQ01,1,\n",
    })
    write("id_case", base(loans__csv=LOANS.replace("L000003", "l000001")))
    write("fraction_rates", base(loans__csv=LOANS.replace(",3.45,", ",0.0345,").replace(",3.1,", ",0.031,")
        .replace(",4.35,", ",0.0435,")))
    write("xlsx_hidden_sheet", {
        "branches.csv": BRANCHES, "customers.csv": CUSTOMERS,
        "loans.xlsx": _xlsx([r[:3] + [r[3]] + r[4:] for r in LOANS_ROWS],
                            hidden_first=[["旧表"], ["loan_id", "balance"], ["L999999", "1"]]),
    })
    rate_rows: list[list[object]] = [list(r) for r in LOANS_ROWS]
    for row, rate in zip(rate_rows[1:], (0.0345, 0.031, 0.0435), strict=True):
        row[8] = rate
    write("xlsx_percent_rate", {
        "branches.csv": BRANCHES, "customers.csv": CUSTOMERS,
        "loans.xlsx": _xlsx(rate_rows, formats={"I2": "0.00%", "I3": "0.00%", "I4": "0.00%"}),
    })
    cust_rows: list[list[object]] = [list(r) for r in CUSTOMERS_ROWS]
    cust_rows[2][4] = 440305199001010011  # an 18-digit id card typed as a number
    write("xlsx_long_number", {"branches.csv": BRANCHES, "loans.csv": LOANS, "customers.xlsx": _xlsx(cust_rows)})
    formula_rows: list[list[object]] = [list(r) for r in LOANS_ROWS]
    formula_rows[2][7] = "=F3-20000"  # written by a program: no cached value
    write("xlsx_formula", {"branches.csv": BRANCHES, "customers.csv": CUSTOMERS, "loans.xlsx": _xlsx(formula_rows)})
    folder = HERE / "folder_date" / "input_20260228"
    write("folder_date", base())
    (HERE / "folder_date" / "input").rename(folder)
    (HERE / "folder_date" / "as_of.txt").write_text("2026-03-31\n", encoding="utf-8")


def main() -> None:
    write("good_minimal", base())
    write("gbk_encoding", base(customers__csv=CUSTOMERS.replace(
        "customer_id,name,customer_type,id_type,id_code,industry_code,employees,revenue,declared_size,branch_id,is_rural",
        "客户号,客户名称,客户类型,证件类型,证件代码,所属行业,从业人员数,营业收入,企业规模,管户机构,是否涉农",
    ).encode("gbk")))
    bad_bytes = LOANS.encode("utf-8").replace(b"K0002,O002,personal", b"K0002,O002,pers\xff\xfeal")
    write("undecodable_bytes", base(loans__csv=bad_bytes))
    write("unknown_column", base(loans__csv=LOANS.replace("applied_at", "applied_at,balanse").replace("09:30:00\n", "09:30:00,1\n")
        .replace("+08:00\n", "+08:00,2\n").replace("Y,\n", "Y,,3\n")))
    write("missing_column", base(loans__csv=LOANS.replace(",balance,", ",balanse,")))
    write("bad_enum", base(loans__csv=LOANS.replace("normal,0", "norml,0").replace("C01,2026", "C09,2026")))
    write("negative_money", base(loans__csv=LOANS.replace("280000.12", "-3.00").replace("7500000.00", "7500000.005")))
    write("broken_reference", base(loans__csv=LOANS.replace("K0003,O001", "K0099,O001").replace(
        "K0002,O002", "K0002,O999")))
    write("cyclic_tree", base(branches__csv=BRANCHES.replace("P001,广东省分行,H001", "P001,广东省分行,O002")))
    write("duplicate_key", base(loans__csv=LOANS.replace("L000003", "L000001")))
    write("truncated_file", base(loans__csv=LOANS.rstrip("\n").rsplit(",", 6)[0]))
    write("empty_file", base(loans__csv=""))
    write("excel_merged_header", {"branches.csv": BRANCHES, "customers.csv": CUSTOMERS,
                                  "loans.xlsx": xlsx_with_merged_header()})
    write("excel_title_row", {"branches.csv": BRANCHES, "customers.csv": CUSTOMERS, "loans.xlsx": xlsx_with_title()})
    strict_cases()


if __name__ == "__main__":
    import sys

    strict_cases() if sys.argv[1:] == ["strict"] else main()
