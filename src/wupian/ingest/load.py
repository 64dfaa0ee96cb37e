"""The Python API of ingestion: ``check_snapshot``, ``load_snapshot`` and ``load_events``.

A run reads every table file of the folder (``read.py``), stages it typed and row-checked in DuckDB
(``engine.stage``: one statement per clean file; outside the transaction, so a refused strict read can fall
back to the careful reader), then — inside one warehouse transaction — checks keys and references, inserts,
quarantines and records the snapshot. Any exception, or a structural ERROR
(missing required table or column, unreadable file, broken branch tree), rolls everything back and raises
``DataError`` with the issues: the previous state of the warehouse is untouched.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wupian.contract import EVENT_TABLES, SNAPSHOT_TABLES, Table, table
from wupian.core.errors import DataError, UsageError
from wupian.core.issues import Issue
from wupian.engine.load_codes import is_structural, make_issue
from wupian.engine.load_session import LoadSession
from wupian.engine.stage import RawInput, RawReadError, StagedTable
from wupian.engine.warehouse import Warehouse
from wupian.ingest.files import find_table_files, folder_date_issue
from wupian.ingest.read import read_table_file
from wupian.ingest.report import CheckReport, LoadReport, frozen_map

Progress = Callable[[str, int, int], None]
DEFAULT_ISSUE_LIMIT = 1000
CHECK_AS_OF = dt.date(1900, 1, 1)  # placeholder date used inside the throw-away check warehouse


@dataclass(frozen=True, slots=True)
class _Staged:
    table: Table
    raw: RawInput
    st: StagedTable

    @property
    def rows(self) -> int:
        return self.st.rows


def _tick(progress: Progress | None, label: str, done: int, total: int) -> None:
    if progress is not None:
        progress(label, done, total)


def _stage_all(
    ses: LoadSession, directory: Path, tables: Sequence[Table], workdir: Path, *, require: bool, progress: Progress | None,
    as_of: dt.date | None = None,
) -> tuple[list[_Staged], list[Issue]]:
    files, folder_issues = find_table_files(directory, tables, require=require)
    issues = list(folder_issues)
    staged: list[_Staged] = []
    todo = [t for t in tables if t.name in files]
    for n, t in enumerate(todo):
        _tick(progress, f"read {files[t.name].name}", n, len(todo) * 2)
        prepared = read_table_file(files[t.name], t, workdir)
        issues.extend(prepared.issues)
        st = None
        while prepared.raw is not None and not any(is_structural(i) for i in prepared.issues):
            try:
                st = ses.stage(prepared.raw, t.name, as_of)
                break
            except RawReadError:  # refused by DuckDB's strict reader: the reader's next, more careful way
                if prepared.reread is None:
                    raise
                issues = [i for i in issues if i not in prepared.issues]
                prepared = prepared.reread()
                issues.extend(prepared.issues)
        raw = prepared.raw
        if st is None or raw is None:
            continue
        if t.required and st.rows == 0 and not raw.rejects:
            issues.append(make_issue("WP-LOAD-034", f"table {t.name} has a header but no data rows", file=raw.file_label))
            ses.drop(st)
            continue
        staged.append(_Staged(t, raw, st))
        if any(r.target_table == t.name for later in todo[n + 1 :] for r in later.references):
            ses.check_early(t, st, len(staged) - 1)  # on the critical path: its rows come before later checks
    return staged, issues


def _process(
    ses: LoadSession,
    staged: list[_Staged],
    *,
    as_of: dt.date,
    warn_as_of: dt.date | None,
    events: bool,
    strict: bool,
    issues: list[Issue],
    progress: Progress | None,
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    loaded: dict[str, int] = {}
    rejected: dict[str, int] = {}
    skipped: dict[str, int] = {}
    names = {s.table.name: s.st.typed for s in staged}
    ses.start([(s.table, s.st) for s in staged])
    for seq, st in enumerate(staged):
        t, label = st.table, st.raw.file_label
        _tick(progress, f"check {label}", len(staged) + seq, len(staged) * 2)
        ses.check_rows(st.raw, st.st, label, seq, as_of=warn_as_of)
        for ref in t.references:
            if ref.target_table == t.name:
                continue  # the branch tree is checked as a whole below
            target = table(ref.target_table)
            if not events and ref.target_table not in names:
                continue  # target refused (check mode only): its own issues say why
            ses.check_reference(
                t, label, seq, ref.columns[0], target, ref.target_columns[0],
                as_of=None if events else as_of, staged_target=names.get(ref.target_table),
            )
        n_rejected = ses.close_rejections(t)
        if t.kind == "snapshot":
            loaded[t.name] = ses.insert_snapshot(t, as_of, n_rejected, st.st)
        elif t.kind == "keyed":
            loaded[t.name] = ses.upsert_keyed(t, st.st)
        else:
            loaded[t.name] = ses.append_events(t, label, seq, st.st)
            skipped[t.name] = ses.skipped_events(t)
        rejected[t.name] = ses.quarantine_rejected(st.raw, st.st, label, None if events else as_of)
        if not any(r.target_table == t.name for later in staged[seq + 1 :] for r in later.table.references):
            ses.drop(st.st)  # free its memory now: no later table of this run refers to it
        if t.name == "branches":
            tree = ses.check_tree(as_of, label)
            issues.extend(tree)
            if strict and tree:
                raise DataError(f"branch tree of {label} is broken; nothing was loaded", tuple(issues))
            if not tree:
                ses.build_closure(as_of)
    return loaded, rejected, skipped


def _finish(
    ses: LoadSession, issues: list[Issue], limit: int
) -> tuple[tuple[Issue, ...], dict[tuple[str, str], int], bool]:
    counts: Counter[tuple[str, str]] = Counter((i.code, str(i.level)) for i in issues)
    sql_counts = ses.issue_counts()
    counts.update(sql_counts)
    room = max(limit - len(issues), 0)
    listed = issues[:limit] + ses.fetch_issues(room)
    total = sum(counts.values())
    return tuple(listed), dict(counts), len(listed) < total


def _check_dir(directory: Path) -> Path:
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"not a folder: {directory}")
    return directory


def _run(
    wh: Warehouse,
    directory: Path,
    *,
    as_of: dt.date,
    warn_as_of: dt.date | None,
    strict: bool,
    progress: Progress | None,
    issue_limit: int,
    report_cls: type[CheckReport],
    record_snapshot: bool,
) -> CheckReport:
    directory = _check_dir(directory)
    # Kept until the end: rows rejected later (keys, references) are re-read from transcoded/repaired copies.
    work = tempfile.TemporaryDirectory(prefix="wupian-load-")
    ses = LoadSession(wh)
    try:
        staged, issues = _stage_all(ses, directory, SNAPSHOT_TABLES, Path(work.name), require=True,
                                    progress=progress, as_of=as_of)
    except BaseException:
        ses.stop_lanes()
        raise
    folder = folder_date_issue(directory, warn_as_of) if warn_as_of is not None else None
    if folder is not None:
        issues.insert(0, folder)
    try:
        structural = [i for i in issues if is_structural(i)]
        if strict and structural:
            raise DataError(f"snapshot folder {directory} refused: {len(structural)} structural problem(s)", issues)
        with wh.transaction():
            ses.clear_date(as_of, SNAPSHOT_TABLES)
            loaded, rejected, _ = _process(
                ses, staged, as_of=as_of, warn_as_of=warn_as_of, events=False, strict=strict,
                issues=issues, progress=progress,
            )
            listed, counts, truncated = _finish(ses, issues, issue_limit)
            if record_snapshot:
                # with the new load id, everything derived from this date (and later dates) becomes stale
                ses.record_snapshot(as_of, str(directory.resolve()), loaded, rejected, counts)
    finally:
        for st in staged:
            ses.drop(st.st)
        work.cleanup()
    return report_cls(
        directory=str(directory),
        as_of=warn_as_of,
        rows={s.table.name: s.rows + len(s.raw.rejects) for s in staged},
        loaded=frozen_map(loaded),
        rejected=frozen_map(rejected),
        issues=listed,
        issue_counts=frozen_map(counts),
        truncated=truncated,
    )


def check_snapshot(
    directory: Path, as_of: dt.date | None = None, *, issue_limit: int = DEFAULT_ISSUE_LIMIT,
    progress: Progress | None = None,
) -> CheckReport:
    """Validate a snapshot folder without touching any warehouse (a throw-away in-memory DuckDB)."""
    with Warehouse(":memory:") as wh:
        return _run(
            wh, directory, as_of=as_of or CHECK_AS_OF, warn_as_of=as_of, strict=False, progress=progress,
            issue_limit=issue_limit, report_cls=CheckReport, record_snapshot=False,
        )


def load_snapshot(
    wh: Warehouse, as_of: dt.date, directory: Path, *, progress: Progress | None = None,
    issue_limit: int = DEFAULT_ISSUE_LIMIT,
) -> LoadReport:
    """Load (or atomically replace) the snapshot ``as_of`` from ``directory``; DataError when refused."""
    report = _run(
        wh, directory, as_of=as_of, warn_as_of=as_of, strict=True, progress=progress,
        issue_limit=issue_limit, report_cls=LoadReport, record_snapshot=True,
    )
    assert isinstance(report, LoadReport)
    return report


def load_events(
    wh: Warehouse, directory: Path, *, progress: Progress | None = None, issue_limit: int = DEFAULT_ISSUE_LIMIT
) -> LoadReport:
    """Append transactions, mandates and merchants from ``directory``, de-duplicated on their ids."""
    directory = _check_dir(directory)
    work = tempfile.TemporaryDirectory(prefix="wupian-events-")  # kept until the end, as in ``_run``
    ses = LoadSession(wh)
    staged, issues = _stage_all(ses, directory, EVENT_TABLES, Path(work.name), require=False, progress=progress)
    try:
        structural = [i for i in issues if is_structural(i)]
        if structural:
            raise DataError(f"events folder {directory} refused: {len(structural)} structural problem(s)", issues)
        if not staged and not issues:
            raise UsageError(f"no event files ({', '.join(t.name for t in EVENT_TABLES)}) in {directory}")
        with wh.transaction():
            loaded, rejected, skipped = _process(
                ses, staged, as_of=CHECK_AS_OF, warn_as_of=None, events=True, strict=True,
                issues=issues, progress=progress,
            )
            listed, counts, truncated = _finish(ses, issues, issue_limit)
    finally:
        for st in staged:
            ses.drop(st.st)
        work.cleanup()
    return LoadReport(
        directory=str(directory),
        as_of=None,
        rows={s.table.name: s.rows + len(s.raw.rejects) for s in staged},
        loaded=frozen_map(loaded),
        rejected=frozen_map(rejected),
        skipped=frozen_map(skipped),
        issues=listed,
        issue_counts=frozen_map(counts),
        truncated=truncated,
    )
