"""The working-day calendar (``wupian.reference.calendar``) behind 办理时长 (working days): the State Council's
holiday and make-up-day notices for the years the package covers, the weekend-only fallback (recorded, so that
reports say so) beyond them, and the arithmetic the engine relies on — working days are additive over adjacent
spans, and the SQL's difference of two cumulative indices equals the Python count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.reference.calendar import WorkCalendar, calendar_note

COVERED = (date(2005, 1, 1), date(2026, 4, 30))  # spans of ≤ 240 days stay within 2004–2026 (chinesecalendar 1.11)


@pytest.mark.parametrize(("day", "work"), [
    (date(2025, 10, 1), False), (date(2025, 10, 8), False),  # 国庆节、中秋节 10月1日至8日放假
    (date(2025, 9, 28), True), (date(2025, 10, 11), True),  # 9月28日（周日）、10月11日（周六）上班
    (date(2026, 2, 16), False), (date(2026, 2, 23), False),  # 2026 春节 2月15日至23日放假
    (date(2026, 2, 14), True), (date(2026, 2, 28), True),  # 2月14日（周六）、2月28日（周六）上班
    (date(2026, 1, 1), False), (date(2024, 2, 29), True), (date(2026, 3, 31), True),
])
def test_the_official_notices(day: date, work: bool) -> None:
    cal = WorkCalendar()
    assert cal.is_workday(day) is work
    assert cal.fallback_years() == ()


spans = st.tuples(st.dates(*COVERED), st.integers(0, 120), st.integers(0, 120)).map(
    lambda t: (t[0], t[0] + timedelta(days=t[1]), t[0] + timedelta(days=t[1] + t[2])))


@settings(max_examples=60, deadline=None)
@given(spans)
def test_working_days_add_up_over_adjacent_spans(span: tuple[date, date, date]) -> None:
    a, b, c = span
    cal = WorkCalendar()
    ab, bc, ac = cal.working_days_between(a, b), cal.working_days_between(b, c), cal.working_days_between(a, c)
    assert ab + bc == ac
    assert 0 <= ac <= (c - a).days
    assert cal.working_days_between(c, a) == 0  # a finish before (or on) the start counts nothing
    assert cal.fallback_years() == ()


@settings(max_examples=60, deadline=None)
@given(spans)
def test_the_sql_index_difference_is_the_python_count(span: tuple[date, date, date]) -> None:
    start, _, end = span
    cal = WorkCalendar()
    index = dict(cal.cumulative_index(start, end))
    assert len(index) == (end - start).days + 1
    assert [index[d] for d in sorted(index)] == sorted(index.values())  # never decreases
    for day in (start, start + (end - start) // 2, end):
        assert index[day] - index[start] == cal.working_days_between(start, day)


@settings(max_examples=40, deadline=None)
@given(st.dates(date(2030, 1, 1), date(2099, 12, 31)), st.integers(0, 40))
def test_beyond_the_notices_monday_to_friday_and_the_year_is_recorded(start: date, length: int) -> None:
    cal = WorkCalendar()
    end = start + timedelta(days=length)
    counted = [start + timedelta(days=n) for n in range(1, length + 1)]  # after the start, through the end
    assert cal.working_days_between(start, end) == sum(1 for d in counted if d.weekday() < 5)
    assert cal.fallback_years() == tuple(sorted({d.year for d in counted}))
    if length:
        note = calendar_note(cal.fallback_years())
        assert note is not None and f"{end.year}年" in note and "周一至周五" in note
