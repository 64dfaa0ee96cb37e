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
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from wupian.api import IndicatorResult, compute_indicators, ensure_fresh
from wupian.core.csv_guard import guard_text
from wupian.core.errors import UsageError
from wupian.core.issues import Issue
from wupian.engine.core_share import CoreShare
from wupian.engine.metrics import branch_nodes, has_rows
from wupian.engine.metrics_other import root_branch
from wupian.engine.warehouse import SQL_LOG_ENV, Warehouse
from wupian.reports.kinds import KINDS
from wupian.reports.nfra import check_tables, compute_tables, nfra_profile
from wupian.reports.nfra_xlsx import write_nfra_xlsx
from wupian.reports.pboc import self_check_findings, write_pboc_findings
from wupian.reports.reconcile import (
    CONTRADICTIONS_COLUMNS,
    CONTRADICTIONS_HEADER,
    figure_issues,
    oversized_issues,
    reconcile_reads,
)
from wupian.reports.values import lazy
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


@dataclass
class _Out:
    """What one report phase adds to the run, in the order the phase found it."""
    files: list[Path] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    worklists: list[Worklist] = field(default_factory=list)


Phase = Callable[[Warehouse], _Out]  # a phase reads the warehouse it is given (a cursor of its own when concurrent)


@dataclass(frozen=True)
class _Started:
    """A phase whose first part does not read the indicators: ``first(wh)`` returns the rest of the phase, which
    does. Called as a phase, it runs both parts; a concurrent run starts ``first`` in its lane at once (beside the
    indicators) and the rest once the indicators are computed."""
    first: Callable[[Warehouse], Phase]

    def __call__(self, wh: Warehouse) -> _Out:
        return self.first(wh)(wh)


def warm_up(kind: str) -> None:
    """Load ahead what the phases of ``kind`` load on first use without reading any data: the workbook's writer
    and the briefing's (their modules, python-docx, Pillow, the templates and the chart's font). Else a concurrent
    run spends that ≈ 0.3 s of interpreter time at its end, where the workbook, the briefing and the PBOC files'
    checks all wait for the interpreter (session 20). ``wupian.pipeline.run_month_end`` calls it in a thread while
    DuckDB classifies. Everything it loads is cached for the process; whatever fails here fails again, and is
    reported, where the phase loads it."""
    if kind in ("workbook", "all"):
        import wupian.reports.workbook  # noqa: F401 - the import is the point
    if kind in ("briefing", "all"):
        from wupian.reports import briefing

        briefing.warm_up()


def concurrent_by_default(wh: Warehouse) -> bool:
    """Whether ``generate_reports`` runs its phases side by side: DuckDB warehouses (a cursor per thread), unless
    every statement is being logged (``$WUPIAN_SQL_LOG``: the log keeps the order of a sequential run)."""
    return wh.engine == "duckdb" and hasattr(wh, "cursor") and not os.environ.get(SQL_LOG_ENV)


def generate_reports(
    wh: Warehouse, as_of: date, kind: str, out_dir: Path, *, branch_id: str | None = None,
    uscc: str | None = None, created_at: datetime | None = None, concurrent: bool | None = None,
) -> ReportRun:
    """Compute the indicators, then run the report phases of ``kind`` — reconciliation (+ the contradictions
    worklist), the PBOC files, the NFRA tables, the workbook, the briefing. They are independent once the
    indicators are computed (the PBOC files and the NFRA tables and files do not read them): ``concurrent``
    (default: :func:`concurrent_by_default`) runs them side by side, in the threads of :data:`LANES`, each on its
    own cursor of ``wh`` — and the result is the same as one after the other: the files, Issues and worklists in phase order, and when phases fail, the exception of the first of
    them in that order (the phases after it are interrupted or not started; every thread has ended when this
    returns)."""
    if kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}")
    if kind in ("pboc", "all") and not uscc:
        raise UsageError("the PBOC files need the bank's 统一社会信用代码: pass --uscc")
    top = branch_id or root_branch(wh, as_of)
    if top is None:
        raise UsageError(f"no branch tree loaded for {as_of.isoformat()}")
    if concurrent is None:
        concurrent = concurrent_by_default(wh)
    ensure_fresh(wh, as_of)  # both profiles: the NFRA tables read the nfra_1104_2025 tags
    ready: list[_Prepared] = []

    def prepare() -> None:
        result = compute_indicators(wh, as_of, branch_id=branch_id)
        values = lazy(result)  # the phases read some of the values by key: build just those
        values.get(top, "")  # the look-up index, built once before the phases share it
        ready.append(_Prepared(result, values, dfs_order(branch_nodes(wh, as_of, branch_id).to_pylist(), top)))

    phases = _phases(ready, as_of, kind, out_dir, top=top, branch_id=branch_id, uscc=uscc or "",
                     created_at=created_at)
    if concurrent:
        outs = _run_concurrently(wh, phases, prepare)
    else:
        prepare()
        outs = [phase(wh) for _, phase in phases]
    return ReportRun(tuple(f for o in outs for f in o.files), tuple(i for o in outs for i in o.issues),
                     ready[0].result, tuple(w for o in outs for w in o.worklists))


@dataclass(frozen=True)
class _Prepared:
    """What the phases but the PBOC files read: the indicator values and the branch tree in reading order."""
    result: IndicatorResult
    values: IndicatorResult  # ``result`` with look-ups that build only the values read (``reports.values``)
    tree: list[dict[str, object]]


def _phases(ready: list[_Prepared], as_of: date, kind: str, out_dir: Path, *, top: str, branch_id: str | None,
            uscc: str, created_at: datetime | None) -> list[tuple[str, Phase]]:
    """The report phases of ``kind`` in their order (the order of the files and Issues of the run). Each but the
    PBOC files (:data:`EARLY`) reads ``ready[0]``, there once the indicators are computed."""

    def reconcile(wh: Warehouse) -> Phase:
        # the contradictions (and their worklist file), the subtree and the booked balances do not read the
        # indicators: read and written while they are computed (_Started); the figures are checked after
        reads, contradictions = reconcile_reads(wh, as_of, branch_id)
        out, sample = _Out(), []
        if contradictions.num_rows:
            path = out_dir / f"code_contradictions_{top}_{as_of:%Y%m%d}.csv"
            listed, sample = keep(contradictions, path, CONTRADICTIONS_HEADER, CONTRADICTIONS_COLUMNS)
            assert listed is not None
            out.files.append(path)
            out.worklists.append(listed)
        del contradictions  # written: every finding is a row of the file (one per loan can be GBs at 10M loans)

        def checked(wh: Warehouse) -> _Out:
            result = ready[0].values
            out.issues = figure_issues(reads, result) + sample + oversized_issues(wh, result)
            return out
        return checked

    def pboc(wh: Warehouse) -> _Out:
        # every finding goes to the worklist file as each PBOC file is checked: one file's findings in memory at
        # a time, none held through the NFRA tables and the workbook
        out = _Out()
        worklist = WorklistFile(out_dir / f"pboc_issues_{top}_{as_of:%Y%m%d}.csv")
        written, _ = write_pboc_findings(wh, as_of, out_dir / "pboc", uscc=uscc, created_at=created_at,
                                         branch_id=branch_id, sink=worklist.add)
        worklist.add(self_check_findings(written))
        listed, sample = worklist.close()
        out.issues += sample
        out.files += [p for f in written for p in ((f.path,) if f.rejected else (f.path, f.log_path))]
        if listed is not None:
            out.files.append(listed.path)
            out.worklists.append(listed)
        return out

    def nfra(wh: Warehouse) -> Phase:
        # the tables and their files do not read the indicators: made while they are computed (_Started); the
        # tables' totals are checked against them after
        tables, found = compute_tables(wh, as_of, branch_id)
        profile = nfra_profile(wh, as_of)[0]
        files = write_nfra_xlsx(tables, out_dir / "nfra", as_of, institution=_top_name(wh, as_of, top, branch_id))

        def checked(wh: Warehouse) -> _Out:
            result = ready[0].values
            totals = {s: v for s in ("tech", "pension")
                      if profile == result.profile and (v := result.value(top, f"{s}.balance")) is not None}
            return _Out(files, found + check_tables(tables, totals))
        return checked

    def workbook(wh: Warehouse) -> _Out:
        from wupian.reports.workbook import write_workbook

        path = out_dir / f"workbook_{top}_{as_of:%Y%m%d}.xlsx"
        p = ready[0]
        return _Out([write_workbook(p.values, p.tree, path, branch_id=top, bank_name=_bank_name(p))])

    def briefing(wh: Warehouse) -> Phase:
        # the NFRA profile's balances and the siblings do not read the indicators: read while they are computed
        # (_Started); the briefing is written after
        nfra_result, siblings = _nfra_balances(wh, as_of, branch_id), _sibling_count(wh, as_of, top)

        def written(wh: Warehouse) -> _Out:
            from wupian.reports.briefing import write_briefing

            md, docx, _ = write_briefing(ready[0].values, top, _bank_name(ready[0]), out_dir,
                                         nfra=None if nfra_result is None else lazy(nfra_result),  # one branch read
                                         siblings=siblings)
            return _Out([md, docx])
        return written

    wanted = {"pboc": ("pboc",), "nfra": ("nfra",), "workbook": ("workbook",), "briefing": ("briefing",),
              "all": ("pboc", "nfra", "workbook", "briefing")}[kind]
    named = {"pboc": pboc, "reconcile": _Started(reconcile), "nfra": _Started(nfra), "workbook": workbook,
             "briefing": _Started(briefing)}
    return [("reconcile", named["reconcile"]), *((k, named[k]) for k in wanted)]


def _bank_name(p: _Prepared) -> str:
    """The 填报机构 of every file: the name of the report's top branch."""
    return str(p.tree[0]["name"])


def _top_name(wh: Warehouse, as_of: date, top: str, branch_id: str | None) -> str:
    """:func:`_bank_name` without the indicators: the name of ``top`` in the branch tree."""
    return str(next(r["name"] for r in branch_nodes(wh, as_of, branch_id).to_pylist() if r["branch_id"] == top))


# The threads of a concurrent run: each lane runs its phases in phase order on a cursor of its own (a phase that
# is not asked for is left out). DuckDB runs a statement without the interpreter lock; the Python of the PBOC files,
# the workbook and the briefing needs it: the PBOC files (the longest phase) in a lane of their own, the DuckDB-heavy
# reconciliation and NFRA tables in one each, the workbook and the briefing in one each. While two or more run,
# each statement has one DuckDB thread (``engine.core_share``): the lanes, not DuckDB, fill the cores (session 14,
# 2M loans: three lanes 9.3–9.6 s wall, four 9.1–9.3, the same CPU). Every phase but the PBOC files and the
# workbook is a ``_Started`` one: what it reads without the indicators — the NFRA tables and their files (session
# 16), the code contradictions and their worklist file, the booked balances, the NFRA profile's balances of the
# briefing (session 17) — is made while the indicators are computed; after them only the checks of the figures,
# the workbook and the writing of the briefing are left (≈ 0.5 s of Python at 2M loans), and no lane ends alone
# long after the others (session 17, 2M: 7.0 → 6.6 s wall in five interleaved pairs, bench/results/profile.md).
LANES = (("pboc",), ("reconcile",), ("nfra",), ("workbook",), ("briefing",))
# Phases that do not read the indicators: they start while the indicators are computed (as does the first part of
# a ``_Started`` phase).
EARLY = ("pboc",)


def _run_concurrently(wh: Warehouse, phases: list[tuple[str, Phase]], prepare: Callable[[], None],
                      lanes: tuple[tuple[str, ...], ...] = LANES, early: tuple[str, ...] = EARLY) -> list[_Out]:
    """``prepare()`` (the indicators) in this thread on ``wh``, and the phases in the threads of ``lanes``, each
    lane on its own cursor of ``wh``, the phases not ``early`` once ``prepare`` has returned (a :class:`_Started`
    phase: its first part at once, the rest once ``prepare`` has returned); their outputs in phase order. When
    ``prepare`` or phases fail, what comes after the first failure (``prepare`` first, then the phases in phase
    order) is interrupted or not started, every thread is waited for, and the first
    failure's exception is raised — what running them one after the other would have raised. While two or more of
    them run, DuckDB works on one thread per statement (``engine.core_share``): the threads of the run keep the
    cores busy."""
    order = {name: n for n, (name, _) in enumerate(phases)}
    # each lane in phase order: the phases after an interrupted one in its lane are after the failed one too
    plan = [sorted(order[name] for name in lane if name in order) for lane in lanes]
    plan = [lane for lane in plan if lane]
    assert sorted(n for lane in plan for n in lane) == list(range(len(phases))), "every phase in one lane"
    done: dict[int, _Out] = {}
    failed: dict[int, BaseException] = {}  # phase index → its exception; -1 for prepare
    current = [-1] * len(plan)  # the phase each lane runs now
    state = threading.Lock()
    stop = [len(phases)]  # phases from this index on are not started (the first failure + 1)
    prepared = threading.Event()  # set when prepare has returned or failed
    cursors: list[Warehouse] = []
    share = CoreShare(wh)
    try:
        for _ in plan:
            cursors.append(wh.cursor())
    except BaseException:
        for c in cursors:
            c.close()
        raise

    def interrupt_after(first: int) -> None:
        """Stop the phases after ``first``: not started, and the running ones' statements interrupted."""
        with state:  # held: no lane starts another phase meanwhile
            stop[0] = min(stop[0], first + 1)
            for c, now in zip(cursors, current, strict=True):
                if now > first:
                    c.interrupt()

    def started(lane: int, n: int) -> bool:
        """Whether phase ``n`` may run (no earlier phase has failed); it is ``lane``'s current one from here."""
        with state:
            if n >= stop[0]:
                return False
            current[lane] = n
            return True

    def run(lane: int) -> None:
        cursor = cursors[lane]
        try:
            for n in plan[lane]:
                name, phase = phases[n]
                if name not in early and not isinstance(phase, _Started):
                    prepared.wait()
                if not started(lane, n):
                    return
                try:
                    if isinstance(phase, _Started):
                        with share.busy(cursor):
                            rest = phase.first(cursor)
                        prepared.wait()  # counted as not busy meanwhile: the other threads may have DuckDB's
                        if not started(lane, n):
                            return
                    else:
                        rest = phase
                    with share.busy(cursor):
                        done[n] = rest(cursor)
                except BaseException as exc:  # noqa: BLE001 — kept, raised by the caller in phase order
                    failed[n] = exc
                    interrupt_after(n)
                    return
        finally:
            with state:
                current[lane] = -1

    threads = [threading.Thread(target=run, args=(lane,), name=f"wupian-report-{lane}") for lane in range(len(plan))]
    try:
        for t in threads:
            t.start()
        try:
            with share.busy(wh):
                prepare()
        except Exception as exc:  # noqa: BLE001 — the first failure of all: raised once the threads have ended
            failed[-1] = exc
            interrupt_after(-1)
        prepared.set()
        for t in threads:
            t.join()
    except BaseException:  # interrupted while waiting (Ctrl-C): stop every phase, wait for the threads, re-raise
        interrupt_after(-1)
        prepared.set()
        for t in threads:
            if t.ident is not None:
                t.join()
        raise
    finally:
        for c in cursors:  # every thread has ended: no statement runs on them any more
            c.close()
        share.restore(wh)
    if failed:
        raise failed[min(failed)]
    return [done[n] for n in range(len(phases))]
