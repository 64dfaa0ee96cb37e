"""Immutable results of counter screening: a Decision with its Reasons, and the case records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# The case records are shared with the operational store (which depends on core only); defined once there.
from wupian.core.cases import CASE_STATE_ZH, CASE_STATES, OUTCOME_ZH, OUTCOMES, Case, CaseEvent

BANDS = ("low", "medium", "high", "block")
BAND_ZH = {"low": "低风险", "medium": "中风险", "high": "高风险", "block": "禁止"}


@dataclass(frozen=True, slots=True)
class Reason:
    """One fired rule: its code, label, points and the Chinese sentence with the evidence."""

    code: str
    kind: str  # history | observation | request | list
    label: str
    points: int
    text: str
    typologies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """The screen of one request. ``action`` is the law's vocabulary (反电信网络诈骗法 Art. 18) for the band."""

    request_id: str
    requested_at: datetime
    branch_id: str
    customer_id: str
    account_id: str
    request_type: str
    amount: Decimal
    band: str
    score: int
    action: str
    action_en: str
    typology: str | None
    typology_zh: str | None
    reasons: tuple[Reason, ...]
    context: tuple[str, ...]
    rulebook_version: str
    exempt: bool = False
    features: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def alert(self) -> bool:
        return self.band != "low"

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "requested_at": self.requested_at.isoformat(sep=" "),
            "branch_id": self.branch_id,
            "customer_id": self.customer_id,
            "account_id": self.account_id,
            "request_type": self.request_type,
            "amount": f"{self.amount:.2f}",
            "band": self.band,
            "band_zh": BAND_ZH[self.band],
            "score": self.score,
            "action": self.action,
            "action_en": self.action_en,
            "typology": self.typology,
            "typology_zh": self.typology_zh,
            "reasons": [
                {"code": r.code, "kind": r.kind, "label": r.label, "points": r.points, "text": r.text,
                 "typologies": list(r.typologies)}
                for r in self.reasons
            ],
            "context": list(self.context),
            "exempt": self.exempt,
            "rulebook_version": self.rulebook_version,
        }


__all__ = ["BANDS", "BAND_ZH", "CASE_STATES", "CASE_STATE_ZH", "OUTCOMES", "OUTCOME_ZH", "Case", "CaseEvent",
           "Decision", "Reason"]
