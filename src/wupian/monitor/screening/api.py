"""The Python API of counter screening (the CLI and the web app call these).

    screen_request(wh, request, observations=None, *, book=None, cases=None) -> Decision
    screen_all(wh, *, date_from=None, date_to=None, book=None, cases=None) -> list[Decision]
    screen_table(decisions) -> pyarrow.Table   (request_id, band, score, action, reason_codes, …)
    backtest(wh, *, date_from=None, date_to=None, book=None) -> Backtest
    open_or_join / move / WarehouseCaseStore (cases.py)

``cases`` is a ``CaseRepository``: its "verified, not fraud" exemptions switch the history rules off for that
customer until the exemption ends. Without one, the warehouse's own case store is read when it exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import pyarrow as pa

from wupian.core.errors import DataError
from wupian.core.issues import Issue
from wupian.engine.screening import (
    REQUEST_COLUMNS,
    observation_notes,
    score_given,
    score_loaded,
)
from wupian.engine.screening_backtest import backtest_tables
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening.cases import CaseRepository, WarehouseCaseStore
from wupian.monitor.screening.explain import decision_from_row
from wupian.monitor.screening.model import Decision
from wupian.monitor.screening.request import issue, parse_observations, parse_request
from wupian.rules.screening_book import ScreeningRulebook, load_screening_rulebook


@lru_cache(maxsize=1)
def default_rulebook() -> ScreeningRulebook:
    return load_screening_rulebook()


def _exemptions(wh: Warehouse, cases: CaseRepository | None) -> list[tuple[str, object, object]]:
    repo = cases if cases is not None else WarehouseCaseStore(wh)
    return list(repo.exemptions())


def screen_request(wh: Warehouse, request: Mapping[str, Any], observations: Sequence[Any] | None = None, *,
                   book: ScreeningRulebook | None = None, cases: CaseRepository | None = None) -> Decision:
    """Screen one live request (not necessarily loaded); DataError with located issues when it is invalid.

    ``observations`` are checklist codes (or zh labels, or {"code", "note"}); when None, ``request["observations"]``
    is used."""
    book = book or default_rulebook()
    req, issues = parse_request(request)
    obs_raw = observations if observations is not None else request.get("observations")
    obs, obs_issues = parse_observations(obs_raw, book.checklist, req.get("request_id"))
    issues += obs_issues
    if issues:
        raise DataError("the screening request is invalid", issues)
    table = pa.Table.from_pylist([{c: req[c] for c in REQUEST_COLUMNS}], schema=_request_schema())
    obs_table = pa.Table.from_pylist([{"request_id": req["request_id"], "code": c, "note": n} for c, n in obs],
                                     schema=pa.schema([("request_id", pa.string()), ("code", pa.string()),
                                                       ("note", pa.string())]))
    scored = score_given(wh, book.model, table, obs_table, _exemptions(wh, cases))
    row = scored.to_pylist()[0]
    missing = _reference_issues(req, row)  # the scoring statement also looks the ids up in the snapshots
    if missing:
        raise DataError("the screening request is invalid", missing)
    return decision_from_row(row, book, dict(obs))


def _request_schema() -> pa.Schema:
    types = {"requested_at": pa.timestamp("us"), "amount": pa.decimal128(38, 2)}
    return pa.schema([(c, types.get(c, pa.string())) for c in REQUEST_COLUMNS])


REFERENCES = (("branch_id", "branches", "branch_known"), ("customer_id", "customers", "customer_known"),
              ("account_id", "accounts", "account_known"))


def _reference_issues(req: dict[str, Any], row: dict[str, Any]) -> list[Issue]:
    return [issue(col, f"{col} {req[col]} not found in any loaded snapshot of {tbl}",
                  key=f"request_id={req['request_id']}")
            for col, tbl, known in REFERENCES if not row[known]]


def screen_all(wh: Warehouse, *, date_from: date | None = None, date_to: date | None = None,
               request_id: str | None = None, book: ScreeningRulebook | None = None,
               cases: CaseRepository | None = None) -> list[Decision]:
    """Screen the loaded requests (optionally a date range or one id) with their teller observations."""
    book = book or default_rulebook()
    scored = score_loaded(wh, book.model, date_from=date_from, date_to=date_to, request_id=request_id,
                          exemptions=_exemptions(wh, cases))
    notes = _notes(wh, scored)
    return [decision_from_row(row, book, notes.get(row["request_id"], {})) for row in scored.to_pylist()]


def scored_table(wh: Warehouse, *, date_from: date | None = None, date_to: date | None = None,
                 book: ScreeningRulebook | None = None, cases: CaseRepository | None = None) -> pa.Table:
    """The raw scored table (features, rule points, score, band, reason_codes) — for batch output and bench."""
    book = book or default_rulebook()
    return score_loaded(wh, book.model, date_from=date_from, date_to=date_to, exemptions=_exemptions(wh, cases))


def _notes(wh: Warehouse, scored: pa.Table) -> dict[str, dict[str, str]]:
    if scored.num_rows == 0:
        return {}
    return observation_notes(wh, scored.column("request_id").to_pylist())


CSV_COLUMNS = ("request_id", "requested_at", "branch_id", "customer_id", "account_id", "request_type", "amount",
               "band", "score", "typology", "action", "reason_codes")


def screen_table(decisions: Sequence[Decision]) -> pa.Table:
    """One row per decision; reason_codes joined with ';'."""
    return pa.table({
        "request_id": [d.request_id for d in decisions],
        "requested_at": [d.requested_at.isoformat(sep=" ") for d in decisions],
        "branch_id": [d.branch_id for d in decisions],
        "customer_id": [d.customer_id for d in decisions],
        "account_id": [d.account_id for d in decisions],
        "request_type": [d.request_type for d in decisions],
        "amount": pa.array([d.amount for d in decisions], pa.decimal128(38, 2)),
        "band": [d.band for d in decisions],
        "score": [d.score for d in decisions],
        "typology": [d.typology or "" for d in decisions],
        "action": [d.action for d in decisions],
        "reason_codes": [";".join(d.reason_codes) for d in decisions],
    })


@dataclass(frozen=True, slots=True)
class Backtest:
    """Rule and band quality against fraud_labels (per rule, typology, branch; recall against alert rate)."""

    rulebook_version: str
    overall: dict[str, Any]
    rules: tuple[dict[str, Any], ...]
    typologies: tuple[dict[str, Any], ...]
    branches: tuple[dict[str, Any], ...]
    curve: tuple[dict[str, Any], ...]

    def _ratio(self, num: str, den: str) -> float | None:
        d = self.overall[den]
        return None if not d else self.overall[num] / d

    @property
    def alert_rate(self) -> float | None:
        return self._ratio("alerts", "screened")

    @property
    def high_rate(self) -> float | None:
        return self._ratio("high_alerts", "screened")

    @property
    def recall(self) -> float | None:
        return self._ratio("alert_tp", "positives")

    @property
    def precision(self) -> float | None:
        return self._ratio("alert_tp", "alerts")

    @property
    def high_recall(self) -> float | None:
        return self._ratio("high_tp", "positives")


def backtest(wh: Warehouse, *, date_from: date | None = None, date_to: date | None = None,
             book: ScreeningRulebook | None = None, cases: CaseRepository | None = None) -> Backtest:
    book = book or default_rulebook()
    scored = scored_table(wh, date_from=date_from, date_to=date_to, book=book, cases=cases)
    t = backtest_tables(wh, scored.select(["request_id", "account_id", "branch_id", "score", "band",
                                                 "reason_codes"]))
    return Backtest(book.version, t["overall"][0], tuple(t["rules"]), tuple(t["typologies"]), tuple(t["branches"]),
                    tuple(t["curve"]))
