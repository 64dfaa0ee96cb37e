"""One entry point for ``wupian report``: compute the indicators, reconcile, and write the requested outputs
(pboc | nfra | workbook | briefing | all) into a folder. Returns the files written and every finding
(reconciliation differences and self-check failures are ERRORs).

Findings that can number one per loan are kept as worklist files (``wupian.reports.worklists``) rather than as
Issues: the unresolved code contradictions (``code_contradictions_<branch>_<date>.csv``) and every finding of the
PBOC files — branch codes, loan warnings, validation of what is written and the self-check of the written files
(``pboc_issues_<branch>_<date>.csv``). ``ReportRun.issues`` holds every other Issue and the first
``worklists.SAMPLE`` findings of each code of each worklist, in the order they were found; ``ReportRun.worklists``
says where the rest are and how many there are per code (``worklists.issue_counts``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from wupian.api import IndicatorResult, compute_indicators, ensure_fresh
from wupian.core.csv_guard import guard_text
from wupian.core.errors import UsageError
from wupian.core.issues import Issue
from wupian.engine.metrics import branch_nodes, has_rows
from wupian.engine.metrics_other import root_branch
from wupian.engine.warehouse import Warehouse
from wupian.reports.briefing import write_briefing
from wupian.reports.kinds import KINDS
from wupian.reports.nfra import check_tables, compute_tables, nfra_profile
from wupian.reports.nfra_xlsx import write_nfra_xlsx
from wupian.reports.pboc import self_check_findings, write_pboc_findings
from wupian.reports.reconcile import CONTRADICTIONS_COLUMNS, CONTRADICTIONS_HEADER, reconcile_parts
from wupian.reports.workbook import write_workbook
from wupian.reports.worklists import Worklist, WorklistFile, keep

BRIEFING_CALIBER_SCOPES = ("tech", "green", "inclusive", "pension", "digital")


@dataclass(frozen=True)
class ReportRun:
    """The files written, the Issues (with the first findings of each worklist), the indicator values, and the
    worklist files that hold every finding of their kind."""
    files: tuple[Path, ...]
    issues: tuple[Issue, ...]
    result: IndicatorResult
    worklists: tuple[Worklist, ...] = field(default=())


def write_worklist(issues: list[Issue], path: Path) -> Path:
    """The located issues as a CSV worklist (UTF-8 with BOM for Excel): key, field, message, what to do; a text that
    a spreadsheet would run as a formula prefixed with an apostrophe (:func:`wupian.core.csv_guard.guard_text`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["代码", "定位", "字段", "问题", "处理建议"])
        for i in issues:
            out.writerow([guard_text(v) for v in (i.code, i.source.key or "", i.source.column or "", i.message,
                                                  i.suggestion or "")])
    return path


def dfs_order(tree: list[dict[str, object]], top: str) -> list[dict[str, object]]:
    """Nodes in reading order: each node followed by its subtree, siblings by id."""
    kids: dict[object, list[dict[str, object]]] = {}
    for r in tree:
        kids.setdefault(r["parent_id"], []).append(r)
    by_id = {r["branch_id"]: r for r in tree}
    out: list[dict[str, object]] = []

    def walk(node: dict[str, object]) -> None:
        out.append(node)
        for child in sorted(kids.get(node["branch_id"], []), key=lambda r: str(r["branch_id"])):
            walk(child)

    walk(by_id[top])
    return out


def _nfra_balances(wh: Warehouse, as_of: date, branch_id: str | None) -> IndicatorResult | None:
    """The category balances under the NFRA 1104 profile (for the briefing's 口径 remarks), when classified."""
    if not has_rows(wh, "loan_tags", as_of, "nfra_1104_2025"):
        return None
    return compute_indicators(wh, as_of, branch_id=branch_id, profile="nfra_1104_2025",
                              ids=[f"{s}.balance" for s in BRIEFING_CALIBER_SCOPES], store=False)


def _sibling_count(wh: Warehouse, as_of: date, node: str) -> int:
    """How many branches (``node`` included) share ``node``'s parent; 0 for the root."""
    rows = branch_nodes(wh, as_of).to_pylist()
    parent = next((r["parent_id"] for r in rows if r["branch_id"] == node), None)
    return 0 if parent is None else sum(1 for r in rows if r["parent_id"] == parent)


def generate_reports(
    wh: Warehouse, as_of: date, kind: str, out_dir: Path, *, branch_id: str | None = None,
    uscc: str | None = None, created_at: datetime | None = None,
) -> ReportRun:
    if kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}")
    if kind in ("pboc", "all") and not uscc:
        raise UsageError("the PBOC files need the bank's 统一社会信用代码: pass --uscc")
    top = branch_id or root_branch(wh, as_of)
    if top is None:
        raise UsageError(f"no branch tree loaded for {as_of.isoformat()}")
    ensure_fresh(wh, as_of)  # both profiles: the NFRA tables read the nfra_1104_2025 tags
    result = compute_indicators(wh, as_of, branch_id=branch_id)
    result.rows  # noqa: B018 — the writers read most values: build them once instead of slicing per cell
    tree = dfs_order(branch_nodes(wh, as_of, branch_id).to_pylist(), top)
    bank_name = str(tree[0]["name"])
    before, contradictions, after = reconcile_parts(wh, result, branch_id)
    files: list[Path] = []
    worklists: list[Worklist] = []
    if contradictions.num_rows:
        path = out_dir / f"code_contradictions_{top}_{as_of:%Y%m%d}.csv"
        listed, sample = keep(contradictions, path, CONTRADICTIONS_HEADER, CONTRADICTIONS_COLUMNS)
        assert listed is not None
        files.append(path)
        worklists.append(listed)
        before += sample
    del contradictions  # written: every finding is a row of the file (one per loan can be GBs at 10M loans)
    issues: list[Issue] = before + after
    if kind in ("pboc", "all"):
        # every finding goes to the worklist file as each PBOC file is checked: one file's findings in memory at
        # a time, none held through the NFRA tables and the workbook
        worklist = WorklistFile(out_dir / f"pboc_issues_{top}_{as_of:%Y%m%d}.csv")
        written, _ = write_pboc_findings(wh, as_of, out_dir / "pboc", uscc=uscc or "", created_at=created_at,
                                         branch_id=branch_id, sink=worklist.add)
        worklist.add(self_check_findings(written))
        listed, sample = worklist.close()
        issues += sample
        files += [p for f in written for p in ((f.path,) if f.rejected else (f.path, f.log_path))]
        if listed is not None:
            files.append(listed.path)
            worklists.append(listed)
    if kind in ("nfra", "all"):
        tables, found = compute_tables(wh, as_of, branch_id)
        same_profile = nfra_profile(wh, as_of)[0] == result.profile
        totals = {s: v for s in ("tech", "pension") if same_profile and (v := result.value(top, f"{s}.balance")) is not None}
        issues += found + check_tables(tables, totals)
        files += write_nfra_xlsx(tables, out_dir / "nfra", as_of, institution=bank_name)
    if kind in ("workbook", "all"):
        files.append(write_workbook(result, tree, out_dir / f"workbook_{top}_{as_of:%Y%m%d}.xlsx",
                                    branch_id=top, bank_name=bank_name))
    if kind in ("briefing", "all"):
        md, docx, _ = write_briefing(result, top, bank_name, out_dir, nfra=_nfra_balances(wh, as_of, branch_id),
                                     siblings=_sibling_count(wh, as_of, top))
        files += [md, docx]
    return ReportRun(tuple(files), tuple(issues), result, tuple(worklists))
