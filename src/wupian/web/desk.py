"""月末处理 (the statistics desk): point to a month-end folder, check it (located issues, what would be
quarantined), load it, run the month-end job with live progress, download the official files, workbook and
briefing. Loads and the month-end job run in the server's job runner, which then publishes a new copy."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

from wupian import api
from wupian.ops import Session
from wupian.pipeline import run_month_end
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


def _folder(text: str) -> Path:
    folder = Path(text.strip()).expanduser()
    if not text.strip() or not folder.is_dir():
        raise ApiError(422, f"文件夹不存在：{text.strip() or '（空）'}", code="invalid")
    return folder


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
    return render(request, "desk.html", session, dates=dates, jobs=[j.view() for j in c.jobs.jobs()[:10]],
                  downloads=_downloads(c.settings.reports_dir))


def _submit(request: Request, session: Session, kind: str, label: str, run: Any, writes: bool) -> Response:
    job = ctx(request).jobs.submit(kind, label, run, owner=session.user.username, writes=writes)
    audit(request, f"month_end.{kind}", object_type="job", object_id=str(job.id), label=label)
    return render(request, "job.html", session, job=job.view())


@router.post("/month-end/check", response_class=HTMLResponse)
def check(request: Request, folder: str = Form(...), as_of: str = Form(""),  # noqa: B008
          session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    path, day = _folder(folder), parse_date(as_of) if as_of else None

    def run(progress: Progress) -> dict[str, Any]:
        return _report(api.check_snapshot(path, day, progress=progress))

    return _submit(request, session, "check", f"检查 {path}", run, writes=False)


@router.post("/month-end/load", response_class=HTMLResponse)
def load(request: Request, folder: str = Form(...), as_of: str = Form(...),  # noqa: B008
         session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    path, day = _folder(folder), parse_date(as_of)
    db = ctx(request).settings.db_path

    def run(progress: Progress) -> dict[str, Any]:
        with api.open_warehouse(str(db)) as wh:
            return _report(api.load_snapshot(wh, day, path, progress=progress))

    return _submit(request, session, "load", f"装载 {day} ← {path}", run, writes=True)


@router.post("/month-end/run", response_class=HTMLResponse)
def month_end(request: Request, as_of: str = Form(...),  # noqa: B008
              session: Session = Depends(require("month_end.run"))) -> Response:  # noqa: B008
    day = parse_date(as_of)
    c = ctx(request)
    out = c.settings.reports_dir / day.isoformat()

    def run(progress: Progress) -> dict[str, Any]:
        out.mkdir(parents=True, exist_ok=True)
        with api.open_warehouse(str(c.settings.db_path)) as wh:
            result = run_month_end(wh, day, out, uscc=c.settings.uscc, progress=progress)
        return {"files": [str(Path(f).resolve().relative_to(out.resolve())) for f in result.files],
                "issues": [str(i) for i in result.issues[:200]]}

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
