"""Moving cases between the warehouse and the operational store (no web framework here; the CLI uses it too).

* ``import_warehouse_cases``: the warehouse's cases that the operational store lacks are copied in (once, by case
  id) — cases made by ``wupian demo`` or by ``wupian cases`` before a web app existed.
* ``export_cases_to_warehouse``: before a month-end job, the operational store's cases, alerts and new history
  events are appended to the warehouse's case tables, so the month-end ``fraud.*`` figures (computed in the
  warehouse) include the cases worked in the web app. Append-only on both sides: an event already in the
  warehouse (same case and sequence number) is never rewritten.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import WarehouseCaseStore
from wupian.ops import OpsCaseStore


def import_warehouse_cases(ops: OpsCaseStore, wh: Warehouse) -> int:
    """Copy the warehouse's cases that the operational store lacks; how many were copied."""
    source = WarehouseCaseStore(wh)
    return ops.import_cases(source.cases(), source.decisions)


class _StoredDecision:
    """A decision as the operational store kept it (JSON), in the shape ``attach`` reads."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.request_id = str(doc["request_id"])
        self.band = str(doc["band"])
        self.score = int(doc["score"])
        self.amount = Decimal(str(doc["amount"]))

    def as_json(self) -> dict[str, Any]:
        return self.doc


def export_cases_to_warehouse(ops: OpsCaseStore, wh: Warehouse) -> int:
    """Append the operational store's cases, alerts and events that the warehouse lacks (in one transaction);
    how many rows (cases + alerts + events) were added."""
    target = WarehouseCaseStore(wh)
    have = {c.case_id: c for c in target.cases()}
    added = 0
    with wh.transaction():
        for case in ops.cases():
            known = have.get(case.case_id)
            if known is None:
                target.create(case.case_id, case.customer_id, case.case_day, case.branch_id, case.band,
                              case.opened_at)
                added += 1
            seen = set(known.request_ids) if known else set()
            for doc in ops.decisions(case.case_id):
                if doc["request_id"] not in seen:
                    target.attach(case.case_id, _StoredDecision(doc),  # type: ignore[arg-type]
                                  datetime.fromisoformat(str(doc["requested_at"])))
                    added += 1
            last = known.history[-1].seq if known and known.history else 0
            for event in case.history:
                if event.seq > last:
                    target.append(event)
                    added += 1
    return added
