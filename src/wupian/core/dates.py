"""The one parser of dates typed by people, for both shells (CLI options, web query parameters):
``2026-03-31``, ``20260331`` or ``2026/03/31``. A wrong value is a ``UsageError`` naming the option/field."""

from __future__ import annotations

import datetime as dt
import re

from wupian.core.errors import UsageError

_FORMS = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})|(\d{4})/(\d{1,2})/(\d{1,2})")


def parse_date(text: str, option: str = "--as-of") -> dt.date:
    """A calendar date from an option value; UsageError naming the option otherwise."""
    m = _FORMS.fullmatch(text.strip())
    if m is not None:
        y, mo, d = (int(g) for g in m.groups() if g is not None)
        try:
            return dt.date(y, mo, d)
        except ValueError as exc:
            raise UsageError(f"{option}: {text!r} is not a calendar date ({exc})") from exc
    raise UsageError(f"{option} expects a date YYYY-MM-DD (e.g. 2026-03-31), got {text!r}")


def parse_optional_date(text: str | None, option: str = "--as-of") -> dt.date | None:
    """``parse_date`` for options that may be omitted."""
    return None if text is None else parse_date(text, option)
