"""月末处理 (the statistics desk): upload a month-end folder (files or a zip) or pick one under the allowed root
(``folders.py``), check it (located issues, what would be
quarantined), load it, run the month-end job with live progress, download the official files, workbook and
briefing. Loads and the month-end job run in the server's job runner, which then publishes a new copy."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from wupian import api
from wupian.ops import OpsCaseStore, Session
from wupian.pipeline import run_month_end
from wupian.reports.worklists import issue_counts
from wupian.web import folders
from wupian.web.case_sync import export_cases_to_warehouse
from wupian.web.errors import ApiError, not_found
from wupian.web.jobs import Progress
from wupian.web.pages import render
from wupian.web.params import parse_date
from wupian.web.security import audit, ctx, require

router = APIRouter()
SAFE_NAME = re.compile(r"^[\w\u4e00-\u9fff.\-（）()]+$")


def _report(rep: Any) -> dict[str, Any]:
    return {"rows": dict(rep.rows), "loaded": dict(rep.loaded), "rejected": dict(rep.rejected),
            "errors": rep.errors, "issues": [str(i) for i in rep.issues[:200]], "truncated": rep.truncated}


def _folder(request: Request, text: str) -> Path:
    s = ctx(request).settings
    return folders.resolve(text, uploads=s.uploads_dir, root=s.data_root)


def _downloads(reports_dir: Path) -> list[tuple[str, list[str]]]:
    """(month-end, [relative paths of its files]) newest first: official files, workbook and briefing."""
    if not reports_dir.is_dir():
        return []
    return [(d.name, sorted(str(f.relative_to(d)) for f in d.rglob("*") if f.is_file()))
            for d in sorted(reports_dir.iterdir(), reverse=True) if d.is_dir()]


@router.get("/month-end", response_class=HTMLResponse)
def desk(request: Request, session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    c = ctx(request)
    with c.data.reader() as wh:
        dates = [d.isoformat() for d in wh.snapshot_dates()]
    return _desk_page(request, session, dates)


def _desk_page(request: Request, session: Session, dates: list[str] | None = None, *, selected: str = "",
               message: str | None = None, error: str | None = None, status: int = 200) -> Response:
    c = ctx(request)
    if dates is None:
        with c.data.reader() as wh:
            dates = [d.isoformat() for d in wh.snapshot_dates()]
    page = render(request, "desk.html", session, dates=dates, jobs=[j.view() for j in c.jobs.jobs()[:10]],
                  downloads=_downloads(c.settings.reports_dir),
                  folders=folders.choices(uploads=c.settings.uploads_dir, root=c.settings.data_root),
                  has_root=c.settings.data_root is not None, selected=selected, message=message, error=error)
    page.status_code = status
    return page


@router.post("/month-end/upload", response_class=HTMLResponse)
async def upload(request: Request, session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    """Receive a month-end folder (several files, or one zip) into a new upload folder."""
    form = await request.form()
    received = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            received.append((item.filename, await item.read()))
    uploads = ctx(request).settings.uploads_dir
    try:
        folder = await run_in_threadpool(folders.save_upload, uploads, received)
    except ApiError as exc:
        message, code = exc.message, exc.status
        await run_in_threadpool(lambda: audit(request, "month_end.upload", outcome="refused", reason=message))
        return await run_in_threadpool(lambda: _desk_page(request, session, error=message, status=code))
    names = sorted(p.name for p in folder.iterdir())
    await run_in_threadpool(lambda: audit(request, "month_end.upload", object_type="folder", object_id=folder.name,
                                          files=names))
    return await run_in_threadpool(lambda: _desk_page(
        request, session, selected=folders.UPLOAD + folder.name,
        message=f"已上传 {len(names)} 个文件：{'、'.join(names)}"))


def _submit(request: Request, session: Session, kind: str, label: str, run: Any, writes: bool) -> Response:
    job = ctx(request).jobs.submit(kind, label, run, owner=session.user.username, writes=writes)
    audit(request, f"month_end.{kind}", object_type="job", object_id=str(job.id), label=label)
    return render(request, "job.html", session, job=job.view())


@router.post("/month-end/check", response_class=HTMLResponse)
def check(request: Request, folder: str = Form(...), as_of: str = Form(""),  # noqa: B008
          session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    path, day = _folder(request, folder), parse_date(as_of) if as_of else None

    def run(progress: Progress) -> dict[str, Any]:
        return _report(api.check_snapshot(path, day, progress=progress))

    return _submit(request, session, "check", f"检查 {folder.strip()}", run, writes=False)


@router.post("/month-end/load", response_class=HTMLResponse)
def load(request: Request, folder: str = Form(...), as_of: str = Form(...),  # noqa: B008
         session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    path, day = _folder(request, folder), parse_date(as_of)
    db = ctx(request).settings.db_path

    def run(progress: Progress) -> dict[str, Any]:
        with api.open_warehouse(str(db)) as wh:
            return _report(api.load_snapshot(wh, day, path, progress=progress))

    return _submit(request, session, "load", f"装载 {day} ← {folder.strip()}", run, writes=True)


@router.post("/month-end/run", response_class=HTMLResponse)
def month_end(request: Request, as_of: str = Form(...),  # noqa: B008
              session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    day = parse_date(as_of)
    c = ctx(request)
    out = c.settings.reports_dir / day.isoformat()

    def run(progress: Progress) -> dict[str, Any]:
        out.mkdir(parents=True, exist_ok=True)
        with api.open_warehouse(str(c.settings.db_path)) as wh:
            # the month-end fraud figures are computed in the warehouse: bring the web app's cases there first
            export_cases_to_warehouse(OpsCaseStore(c.store), wh)
            result = run_month_end(wh, day, out, uscc=c.settings.uscc, progress=progress)
        # the worklist files (among the files) hold every finding; the issues list their first ones
        return {"files": [str(Path(f).resolve().relative_to(out.resolve())) for f in result.files],
                "issues": [str(i) for i in result.issues[:200]],
                "counts": {f"{c} {lvl}": n for (c, lvl), n in sorted(issue_counts(result.issues, result.worklists).items())}}

    return _submit(request, session, "month_end", f"月末处理 {day}", run, writes=True)


@router.get("/month-end/jobs/{job_id}", response_class=HTMLResponse)
def job(request: Request, job_id: int, session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    found = ctx(request).jobs.get(job_id)
    if found is None:
        raise not_found()
    return render(request, "job.html", session, job=found.view())


@router.get("/downloads/{as_of}/{name:path}")
def download(request: Request, as_of: str, name: str,
             session: Session = Depends(require("reports.download"))) -> Response:  # noqa: B008
    day: date = parse_date(as_of)
    folder = (ctx(request).settings.reports_dir / day.isoformat()).resolve()
    parts = name.split("/")
    path = folder.joinpath(*parts)
    if (not all(SAFE_NAME.match(p) and p not in (".", "..") for p in parts) or not path.is_file()
            or not path.resolve().is_relative_to(folder)):
        audit(request, "download", outcome="not_found", object_type="report", object_id=f"{day}/{name}")
        raise not_found()
    audit(request, "download", object_type="report", object_id=f"{day}/{name}")
    return FileResponse(path, filename=parts[-1])
