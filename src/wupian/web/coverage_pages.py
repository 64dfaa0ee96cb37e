"""名单覆盖: coverage of each registry by attribute for the user's subtree, the worklist of uncovered members,
and its xlsx export (a download, audited)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from wupian import api
from wupian.metrics import CoverageResult
from wupian.ops import Session
from wupian.reports.worklist_xlsx import write_worklist
from wupian.web.errors import ApiError
from wupian.web.pages import render
from wupian.web.params import branch_in_scope, parse_date
from wupian.web.security import audit, ctx, require

router = APIRouter()


def _coverage(request: Request, session: Session, registry: str | None, as_of: str | None,
              branch: str | None) -> tuple[date, str, list[str], str | None, CoverageResult | None]:
    data = ctx(request).data
    with data.reader() as wh:
        day = parse_date(as_of, wh)
        node = branch_in_scope(wh, day, session, branch)
        names = api.registries(wh, day)
    if registry is not None and registry not in names:
        raise ApiError(404, "没有该名录", code="not_found")
    chosen = registry or (names[0] if names else None)
    result = None if chosen is None else data.cached(("coverage", chosen, day, node),
                                                     lambda wh: api.coverage(wh, chosen, day, node))
    return day, node, names, chosen, result


@router.get("/coverage")
def coverage_page(request: Request, registry: str | None = None, as_of: str | None = None,
                  branch: str | None = None, session: Session = Depends(require("coverage.read"))) -> Response:  # noqa: B008
    day, node, names, chosen, result = _coverage(request, session, registry, as_of, branch)
    rows: list[dict[str, Any]] = result.nodes.to_pylist() if result else []
    work = result.worklist.slice(0, 200).to_pylist() if result else []
    labels = {n: api.indicator_label(f"coverage.{n}.members").removesuffix("企业数").removesuffix("数")
              for n in names}
    return render(request, "coverage.html", session, day=day, node=node, registries=names, registry=chosen,
                  labels=labels,
                  rows=rows, work=work, work_columns=result.worklist.column_names if result else [],
                  work_total=result.worklist.num_rows if result else 0)


@router.get("/coverage/worklist.xlsx")
def worklist_xlsx(request: Request, registry: str, as_of: str | None = None, branch: str | None = None,
                  session: Session = Depends(require("coverage.read"))) -> Response:  # noqa: B008
    day, node, _, chosen, result = _coverage(request, session, registry, as_of, branch)
    assert result is not None and chosen is not None
    buf = io.BytesIO()
    write_worklist(result.worklist, buf)
    name = f"worklist_{chosen}_{node}_{day.isoformat()}.xlsx"
    audit(request, "download", object_type="worklist", object_id=name, rows=result.worklist.num_rows)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
