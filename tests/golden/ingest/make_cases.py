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
    folder = HERE / case / "input"
    if folder.exists():
        shutil.rmtree(folder)
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


if __name__ == "__main__":
    main()
