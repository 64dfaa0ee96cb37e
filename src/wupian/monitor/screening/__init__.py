"""Counter anti-fraud screening (柜面反诈筛查): decisions with Chinese reasons, cases, backtest.

Public API (see ``api.py`` and ``cases.py``; spec/screening.md; docs/screening.md)::

    screen_request(wh, request, observations=None, *, book=None, cases=None) -> Decision
    screen_all(wh, *, date_from=None, date_to=None, book=None, cases=None) -> list[Decision]
    screen_table(decisions) -> pyarrow.Table
    backtest(wh, *, date_from=None, date_to=None, book=None) -> Backtest
    open_or_join(repo, decision) -> Case | None ; move(repo, case_id, to_state, *, actor, ...) -> Case
    list_cases(repo, *, state=None, date_from=None, date_to=None, customer_id=None) -> list[Case]
    get_case(repo, case_id) -> Case
    reopen_due(repo, *, on, actor="system") -> list[Case]   (suspended cases whose return day has come)
    WarehouseCaseStore(wh) — the CaseRepository kept in the warehouse
"""

from wupian.monitor.screening.api import (
    Backtest,
    backtest,
    default_rulebook,
    scored_table,
    screen_all,
    screen_request,
    screen_table,
)
from wupian.monitor.screening.cases import (
    CaseRepository,
    WarehouseCaseStore,
    get_case,
    list_cases,
    move,
    open_or_join,
    reopen_due,
)
from wupian.monitor.screening.model import Case, CaseEvent, Decision, Reason

__all__ = [
    "Backtest",
    "Case",
    "CaseEvent",
    "CaseRepository",
    "Decision",
    "Reason",
    "WarehouseCaseStore",
    "backtest",
    "default_rulebook",
    "get_case",
    "list_cases",
    "move",
    "open_or_join",
    "reopen_due",
    "scored_table",
    "screen_all",
    "screen_request",
    "screen_table",
]
