"""NFRA 1104 S70 科技金融 / S71 普惠金融重点领域（授信分档）/ S73 养老金融 / S74 数字金融 / S75 普惠贷款 tables as
xlsx, laid out like the forms: title, 填报机构 / 报表日期 / 单位, a header row of column letters and one of column
names, then the report items with their codes. Rows and columns are data (``nfra_tables.yaml``); figures come
from ``wupian.engine.metrics_reports.report_rows`` (NFRA flow rules: restructured loans are not disbursements).

Units follow the 1104 填报说明 convention (数据单位：万元；金额保留两位小数, 四舍五入): every money cell is the exact
yuan figure of its own item divided by 10,000 and rounded half-up to 0.01 — a parent item is never the sum of its
rounded sub-items. Counts are in 户. Rows whose data the contract does not carry are written as note rows.

The NFRA profile's classification (``nfra_1104_2025``) is used when present for the date; otherwise the
PBOC classification is used and a WARNING says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wupian.core.issues import Issue, Level, Source
from wupian.engine.metrics import has_rows
from wupian.engine.metrics_reports import report_rows
from wupian.engine.warehouse import Warehouse
from wupian.reports.layouts import nfra_tables

COUNT_MEASURES = ("customers", "ytd_disbursed_customers")
UNIT_TEXT = "单位：万元、户"
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class NfraRow:
    code: str
    label: str
    values: tuple[Decimal | int | None, ...]  # 万元 (2 dp) or 户; None for a note row
    note: str | None = None  # what data the row needs when the contract does not carry it


@dataclass(frozen=True, slots=True)
class NfraPart:
    heading: str | None
    columns: tuple[tuple[str, str], ...]  # (letter, label)
    rows: tuple[NfraRow, ...]


@dataclass(frozen=True, slots=True)
class NfraTable:
    id: str
    title: str
    parts: tuple[NfraPart, ...]

    @property
    def rows(self) -> tuple[NfraRow, ...]:
        return tuple(r for p in self.parts for r in p.rows)


def table_definitions() -> list[dict[str, Any]]:
    """The validated table layouts (``layouts.nfra_tables``)."""
    return nfra_tables()


def wan(yuan: Decimal) -> Decimal:
    """Exact yuan → 万元, half-up to 0.01 (1104 四舍五入, 金额保留两位小数)."""
    return (Decimal(yuan) / 10000).quantize(CENT, rounding=ROUND_HALF_UP)


def nfra_profile(wh: Warehouse, as_of: date) -> tuple[str, list[Issue]]:
    if has_rows(wh, "loan_tags", as_of, "nfra_1104_2025"):
        return "nfra_1104_2025", []
    return "pboc_2025", [Issue(
        "WP-NFRA-001", Level.WARNING,
        "缺少 NFRA 口径（nfra_1104_2025）分类结果，1104 报表按人民银行口径（pboc_2025）分类编制",
        Source("loan_tags", None, f"as_of={as_of.isoformat()}"), "运行分类时加选 nfra_1104_2025 口径",
    )]


def _column_condition(col: dict[str, Any]) -> list[Any]:
    """Extra conditions of a column: a band of 单户授信 (lower bound exclusive, upper inclusive) and 不含票据融资."""
    out: list[Any] = []
    band = col.get("credit_band")
    if band:
        low, high = band
        if low is not None:
            out.append({"credit_limit_over": low})
        out.append({"credit_limit_max": high})
    if col.get("no_bills"):
        out.append({"not": {"code_in": ["business_type", ["bill_direct"]]}})
    return out


def _queries(spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(key, tag, condition) for every figure of a part: one per row, one per (row, banded column), and one per
    S70 row for column I (转贴现)."""
    out: list[tuple[str, str, Any]] = []
    for r in spec["rows"]:
        if "needs" in r:
            continue
        out.append((r["code"], r["tag"], r.get("when")))
        for col in spec["columns"]:
            extra = _column_condition(col)
            if extra:
                cond = {"all": [c for c in [r.get("when"), *extra] if c is not None]}
                out.append((f"{r['code']}|{col['code']}", r["tag"], cond))
        if "rediscount" in r:
            out.append((f"{r['code']}|rediscount", "rediscount", r["rediscount"]))
    return out


# a column's measure → the ``report_rows`` measure its cells read
_READS = {"ytd_interest_income": "ytd_interest_x100", "rediscount": "balance"}


def _measures(specs: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Tag → the ``report_rows`` measures that the cells of its rows read (column I reads the 转贴现 balance)."""
    out: dict[str, set[str]] = {}
    for spec in specs:
        for r in spec["rows"]:
            if "needs" in r:
                continue
            for col in spec["columns"]:
                tag = "rediscount" if col["measure"] == "rediscount" else r["tag"]
                out.setdefault(tag, set()).add(_READS.get(col["measure"], col["measure"]))
    return out


def _value(got: dict[str, Any], measure: str) -> Decimal | int:
    if measure == "ytd_interest_income":  # Σ 放款金额 × 利率 / 100, in 万元
        return (Decimal(got["ytd_interest_x100"]) / 1000000).quantize(CENT, rounding=ROUND_HALF_UP)
    if measure in COUNT_MEASURES:
        return int(got[measure])
    return wan(Decimal(got[measure]))


def compute_tables(wh: Warehouse, as_of: date, branch_id: str | None = None) -> tuple[list[NfraTable], list[Issue]]:
    profile, issues = nfra_profile(wh, as_of)
    tables: dict[str, NfraTable] = {}
    specs = table_definitions()
    # every figure of every table in one pass over the loans; keys are "<part index>#<query key>"
    queries = [(f"{i}#{key}", tag, cond) for i, spec in enumerate(specs) for key, tag, cond in _queries(spec)]
    found = report_rows(wh, as_of, profile=profile, rows=queries, subtree=branch_id,
                        measures=_measures(specs)).to_pylist() if queries else []
    by_part: dict[str, dict[str, Any]] = {}
    for r in found:
        part_no, key = r["code"].split("#", 1)
        by_part.setdefault(part_no, {})[key] = r
    for i, spec in enumerate(specs):
        data = by_part.get(str(i), {})
        rows = []
        for r in spec["rows"]:
            if "needs" in r:
                rows.append(NfraRow(r["code"], r["label"], tuple(None for _ in spec["columns"]), f"需{r['needs']}，本表未填报"))
                continue
            values: list[Decimal | int | None] = []
            for col in spec["columns"]:
                m = col["measure"]
                if m == "rediscount":  # column I: balance of the row's 转贴现 loans
                    values.append(wan(Decimal(data[f"{r['code']}|rediscount"]["balance"])))
                elif _column_condition(col):
                    values.append(_value(data[f"{r['code']}|{col['code']}"], m))
                else:
                    values.append(_value(data[r["code"]], m))
            rows.append(NfraRow(r["code"], r["label"], tuple(values)))
        part = NfraPart(spec.get("part"), tuple((c["code"], c["label"]) for c in spec["columns"]), tuple(rows))
        before = tables.get(spec["id"])
        tables[spec["id"]] = NfraTable(spec["id"], spec["title"], (*before.parts, part) if before else (part,))
    return list(tables.values()), issues


def _parent(code: str, codes: set[str]) -> str | None:
    while "." in code:
        code = code.rsplit(".", 1)[0]
        if code in codes:
            return code
    return None


def check_tables(tables: list[NfraTable], totals: dict[str, Decimal] | None = None) -> list[Issue]:
    """Reconciliation of the filed cells: every sub-item ≤ its parent item in every column (WP-RECON-008 — the
    rounding is monotone, so this holds for the 万元 cells exactly when it holds in yuan) and, when ``totals``
    gives the indicator balances of the same profile, the S70 1 / S73 1 balances equal them (WP-RECON-009)."""
    issues: list[Issue] = []
    for t in tables:
        for part in t.parts:
            by_code = {r.code: r for r in part.rows if r.note is None}
            for r in by_code.values():
                parent = _parent(r.code, set(by_code))
                if parent is None:
                    continue
                for (letter, label), v, pv in zip(part.columns, r.values, by_code[parent].values, strict=True):
                    if v is not None and pv is not None and v > pv:
                        issues.append(Issue("WP-RECON-008", Level.ERROR,
                                            f"{t.id} {r.code}{r.label} {label} {v} 大于上级项目 {parent} 的 {pv}",
                                            Source(t.id, None, f"item={r.code}", letter)))
    checks = (("S70", "1", "D", "tech"), ("S73", "1", "C", "pension"))
    for table_id, code, letter, scope in checks:
        if totals is None or scope not in totals:
            continue
        found = next((x for x in tables if x.id == table_id), None)
        if found is None:
            continue
        part = found.parts[0]
        row = next(r for r in part.rows if r.code == code)
        cell = row.values[[c for c, _ in part.columns].index(letter)]
        if cell != wan(totals[scope]):
            issues.append(Issue("WP-RECON-009", Level.ERROR,
                                f"{table_id} {code}{row.label} 余额 {cell} 万元与指标 {scope}.balance {wan(totals[scope])} 万元不符",
                                Source(table_id, None, f"item={code}", letter)))
    return issues
