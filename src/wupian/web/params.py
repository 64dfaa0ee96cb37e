"""Request parameters shared by the API and the pages: dates, profiles, JSON-ready values, scope checks."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from wupian.api import PROFILES, Warehouse, in_subtree, latest_as_of
from wupian.ops import Session
from wupian.web.errors import ApiError


def parse_date(text: str | None, wh: Warehouse | None = None) -> date:
    """``2026-03-31`` or ``20260331``; None → the newest loaded month-end (needs ``wh``)."""
    if not text:
        day = latest_as_of(wh) if wh is not None else None
        if day is None:
            raise ApiError(404, "仓库中还没有月末数据", code="no_data")
        return day
    try:
        return date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise ApiError(422, f"日期格式应为 2026-03-31，收到 {text[:20]!r}", code="invalid") from None


def parse_profile(text: str | None) -> str:
    profile = text or PROFILES[0]
    if profile not in PROFILES:
        raise ApiError(422, f"profile 应为 {'、'.join(PROFILES)} 之一", code="invalid")
    return profile


def branch_in_scope(wh: Warehouse | None, day: date, session: Session, branch: str | None,
                    data: Any = None) -> str:
    """The branch to answer for: the user's own by default; 403 for an explicit branch outside the subtree.
    With ``data`` (the DataSource) the answer is cached per published copy."""
    if branch is None or branch == session.user.branch_id:
        return session.user.branch_id
    ancestor = session.user.branch_id
    if data is not None:
        inside = data.cached(("in_subtree", day, ancestor, branch), lambda w: in_subtree(w, day, ancestor, branch))
    else:
        assert wh is not None
        inside = in_subtree(wh, day, ancestor, branch)
    if not inside:
        raise ApiError(403, "该机构不在您的管辖范围内")
    return branch


def jsonable(value: Any) -> Any:
    """Decimals as exact strings, dates as ISO text, dataclasses and containers recursively."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value
