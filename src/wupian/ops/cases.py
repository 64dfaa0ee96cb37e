"""``OpsCaseStore``: screening cases in the operational database (SQLite or PostgreSQL).

It implements the five methods of ``wupian.monitor.screening.cases.CaseRepository`` (create, attach, append,
cases, exemptions) plus what the web app needs: filters by branch and by the people who worked a case, the
decisions of a case, closings of ``high``/``block`` cases that wait for a second person, and the import of cases
kept in the warehouse (``wupian cases`` without an operational database, and the demo). The state machine itself
(``move``) stays in the monitor layer and runs unchanged over either store.

History is append-only: ``case_events`` and ``case_requests`` refuse UPDATE and DELETE by trigger (migration 0002).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from wupian.core.cases import Case, CaseEvent
from wupian.core.errors import UsageError
from wupian.ops import schema as s
from wupian.ops.store import OpsStore

BAND_ORDER = ("low", "medium", "high", "block")


class DecisionLike(Protocol):
    """What attaching an alert reads of a ``monitor.screening.Decision``."""

    request_id: str
    band: str
    score: int
    amount: Decimal

    def as_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class PendingClose:
    """A closing of a high/block case proposed by ``actor``, waiting for a second person's approval."""

    case_id: str
    actor: str
    outcome: str
    amount: Decimal | None
    note: str
    exempt_days: int | None
    at: datetime


class OpsCaseStore:
    """Cases in the operational store; pass it wherever a ``CaseRepository`` is taken."""

    def __init__(self, store: OpsStore) -> None:
        self.store = store
        self.engine = store.engine

    # -- the CaseRepository interface -------------------------------------------------------------------
    def create(self, case_id: str, customer_id: str, day: date, branch_id: str, band: str, at: datetime) -> None:
        with self.engine.begin() as con:
            con.execute(insert(s.cases).values(case_id=case_id, customer_id=customer_id, case_day=day,
                                               branch_id=branch_id, band=band, opened_at=at))

    def attach(self, case_id: str, decision: DecisionLike, at: datetime) -> bool:
        """Attach an alert (idempotent: False when it was attached before) and raise the case's band to it."""
        with self.engine.begin() as con:
            band = con.execute(select(s.cases.c.band).where(s.cases.c.case_id == case_id)).scalar()
            if band is not None and BAND_ORDER.index(band) < BAND_ORDER.index(decision.band):
                con.execute(update(s.cases).where(s.cases.c.case_id == case_id).values(band=decision.band))
            seen = con.execute(select(func.count()).select_from(s.case_requests).where(and_(
                s.case_requests.c.case_id == case_id, s.case_requests.c.request_id == decision.request_id))).scalar()
            if seen:
                return False
            con.execute(insert(s.case_requests).values(
                case_id=case_id, request_id=decision.request_id, band=decision.band, score=int(decision.score),
                amount=decision.amount, decision_json=json.dumps(decision.as_json(), ensure_ascii=False),
                added_at=at))
        return True

    def append(self, event: CaseEvent) -> None:
        """Record one transition (dropping any closing proposal, now settled or outdated); a second writer racing
        for the same sequence number gets a UsageError."""
        try:
            with self.engine.begin() as con:
                con.execute(insert(s.case_events).values(
                    case_id=event.case_id, seq=event.seq, at=event.at, actor=event.actor,
                    from_state=event.from_state, to_state=event.to_state, note=event.note, outcome=event.outcome,
                    amount=event.amount, second_actor=event.second_actor, reopen_on=event.reopen_on,
                    exempt_days=event.exempt_days))
                # any transition settles (closed) or outdates (another state) a proposed closing
                con.execute(delete(s.case_pending_close).where(s.case_pending_close.c.case_id == event.case_id))
        except IntegrityError:
            raise UsageError(f"case {event.case_id} changed meanwhile; reload it and try again") from None

    def cases(self, *, case_id: str | None = None, customer_id: str | None = None, day: date | None = None,
              state: str | None = None, date_from: date | None = None, date_to: date | None = None,
              branch_ids: Collection[str] | None = None, actor: str | None = None,
              limit: int | None = None) -> list[Case]:
        """Cases (oldest day first) with their current state; ``branch_ids`` restricts to those branches,
        ``actor`` to cases somebody recorded a transition of (a teller's own cases)."""
        e, c = s.case_events, s.cases
        last = select(e.c.case_id, func.max(e.c.seq).label("seq")).group_by(e.c.case_id).subquery()
        cur = (select(e.c.case_id, e.c.to_state, e.c.outcome)
               .join(last, and_(e.c.case_id == last.c.case_id, e.c.seq == last.c.seq)).subquery())
        q = select(c, cur.c.to_state, cur.c.outcome).join(cur, c.c.case_id == cur.c.case_id)
        for column, value in ((c.c.case_id, case_id), (c.c.customer_id, customer_id), (c.c.case_day, day),
                              (cur.c.to_state, state)):
            if value is not None:
                q = q.where(column == value)
        if date_from is not None:
            q = q.where(c.c.case_day >= date_from)
        if date_to is not None:
            q = q.where(c.c.case_day <= date_to)
        if branch_ids is not None:
            q = q.where(c.c.branch_id.in_(list(branch_ids)))
        if actor is not None:
            q = q.where(exists().where(and_(e.c.case_id == c.c.case_id, e.c.actor == actor)))
        q = q.order_by(c.c.case_day, c.c.case_id)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as con:
            rows = con.execute(q).all()
            ids = [r.case_id for r in rows]
            requests: dict[str, list[Any]] = {}
            events: dict[str, list[CaseEvent]] = {}
            for chunk in _chunks(ids, 500):
                for r in con.execute(select(s.case_requests.c.case_id, s.case_requests.c.request_id,
                                            s.case_requests.c.amount)
                                     .where(s.case_requests.c.case_id.in_(chunk))
                                     .order_by(s.case_requests.c.added_at, s.case_requests.c.request_id)):
                    requests.setdefault(r.case_id, []).append(r)
                for r in con.execute(select(e).where(e.c.case_id.in_(chunk)).order_by(e.c.case_id, e.c.seq)):
                    events.setdefault(r.case_id, []).append(_event(r))
        out = []
        for r in rows:
            reqs = requests.get(r.case_id, [])
            out.append(Case(r.case_id, r.customer_id, r.case_day, r.branch_id, r.band, r.opened_at,
                            tuple(x.request_id for x in reqs), sum((_money(x.amount) for x in reqs), Decimal("0.00")),
                            r.to_state, r.outcome if r.to_state == "closed" else None,
                            tuple(events.get(r.case_id, ()))))
        return out

    def exemptions(self) -> list[tuple[str, datetime, date]]:
        """(customer_id, closed at, exempt until) of every case closed as not_fraud with an exemption."""
        e, c = s.case_events, s.cases
        q = (select(c.c.customer_id, e.c.at, e.c.exempt_days).join(c, c.c.case_id == e.c.case_id)
             .where(e.c.to_state == "closed", e.c.outcome == "not_fraud", e.c.exempt_days > 0)
             .order_by(c.c.customer_id, e.c.at))
        with self.engine.connect() as con:
            return [(r.customer_id, r.at, r.at.date() + timedelta(days=int(r.exempt_days))) for r in con.execute(q)]

    # -- beyond the interface ----------------------------------------------------------------------------
    def decisions(self, case_id: str) -> list[dict[str, Any]]:
        """The decisions (as JSON) of the alerts that opened or joined the case, in order."""
        q = (select(s.case_requests.c.decision_json).where(s.case_requests.c.case_id == case_id)
             .order_by(s.case_requests.c.added_at, s.case_requests.c.request_id))
        with self.engine.connect() as con:
            return [json.loads(t) for t in con.execute(q).scalars()]

    def counts(self, *, branch_ids: Collection[str] | None = None, actor: str | None = None) -> dict[str, int]:
        """Number of cases per current state (for the queue's tabs)."""
        out: dict[str, int] = {}
        for case in self.cases(branch_ids=branch_ids, actor=actor):
            out[case.state] = out.get(case.state, 0) + 1
        return out

    def propose_close(self, pending: PendingClose) -> None:
        """Record (or replace) the closing proposal of a high/block case until a second person approves it."""
        with self.engine.begin() as con:
            con.execute(delete(s.case_pending_close).where(s.case_pending_close.c.case_id == pending.case_id))
            con.execute(insert(s.case_pending_close).values(
                case_id=pending.case_id, actor=pending.actor, outcome=pending.outcome, amount=pending.amount,
                note=pending.note, exempt_days=pending.exempt_days, at=pending.at))

    def pending_close(self, case_id: str) -> PendingClose | None:
        with self.engine.connect() as con:
            r = con.execute(select(s.case_pending_close).where(s.case_pending_close.c.case_id == case_id)).first()
        if r is None:
            return None
        return PendingClose(r.case_id, r.actor, r.outcome, None if r.amount is None else _money(r.amount), r.note,
                            r.exempt_days, r.at)

    def import_cases(self, cases: Iterable[Case], decisions: Any) -> int:
        """Copy cases (with their history and, via ``decisions(case_id)``, their alerts) that this store does
        not have yet; returns how many were copied. Used to move the warehouse's cases here."""
        with self.engine.connect() as con:
            have = set(con.execute(select(s.cases.c.case_id)).scalars())
        n = 0
        with self.engine.begin() as con:
            for case in cases:
                if case.case_id in have:
                    continue
                con.execute(insert(s.cases).values(case_id=case.case_id, customer_id=case.customer_id,
                                                   case_day=case.case_day, branch_id=case.branch_id, band=case.band,
                                                   opened_at=case.opened_at))
                for d in decisions(case.case_id):
                    con.execute(insert(s.case_requests).values(
                        case_id=case.case_id, request_id=d["request_id"], band=d["band"], score=int(d["score"]),
                        amount=Decimal(d["amount"]), decision_json=json.dumps(d, ensure_ascii=False),
                        added_at=datetime.fromisoformat(d["requested_at"])))
                for ev in case.history:
                    con.execute(insert(s.case_events).values(
                        case_id=ev.case_id, seq=ev.seq, at=ev.at, actor=ev.actor, from_state=ev.from_state,
                        to_state=ev.to_state, note=ev.note, outcome=ev.outcome, amount=ev.amount,
                        second_actor=ev.second_actor, reopen_on=ev.reopen_on, exempt_days=ev.exempt_days))
                n += 1
        return n


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _event(r: Any) -> CaseEvent:
    return CaseEvent(r.case_id, r.seq, r.at, r.actor, r.from_state, r.to_state, r.note or "", r.outcome,
                     None if r.amount is None else _money(r.amount), r.second_actor, r.reopen_on, r.exempt_days)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
