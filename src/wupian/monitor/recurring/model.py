"""Records returned by recurring-debit discovery: ``RecurringStream`` and ``StaleMandate`` (immutable)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class RecurringStream:
    """One recurring outgoing stream on one account, with its mandate, merchant and a Chinese explanation.

    Amounts are positive yuan (Decimal). ``mandate_id`` is None when no debit mandate (代扣协议) is known:
    ``unexplained`` is then True — the case a teller must check with the customer.
    """

    account_id: str
    stream_key: str
    payee: str
    payee_key: str
    counterparty_name: str | None
    counterparty_account: str | None
    counterparty_bank: str | None
    merchant_id: str | None
    summary: str | None
    channel: str | None
    cadence: str
    amount_pattern: str
    typical_amount: Decimal
    last_amount: Decimal
    min_amount: Decimal
    max_amount: Decimal
    price_change_date: date | None
    previous_amount: Decimal | None
    first_date: date
    last_date: date
    occurrences: int
    skipped: int
    anchor_day: int
    month_end: bool
    next_expected_date: date
    next_nominal_date: date
    holiday_adjusted: bool
    status: str
    mandate_id: str | None
    mandate_on_file: bool
    mandate_signed_at: date | None
    mandate_revoked_at: date | None
    mandate_purpose: str | None
    mandate_channel: str | None
    mandate_amount_limit: Decimal | None
    merchant_name: str | None
    payment_institution: str | None
    merchant_category: str | None
    cancel_hint: str | None
    regularity: float
    mean_abs_residual_days: float
    confidence: float
    explanation: str

    @property
    def unexplained(self) -> bool:
        """No known mandate behind this stream."""
        return self.mandate_id is None

    @classmethod
    def from_row(cls, row: dict[str, Any], explanation: str) -> RecurringStream:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in row.items() if k in names}
        values["explanation"] = explanation
        return cls(**values)


@dataclass(frozen=True, slots=True)
class StaleMandate:
    """An active debit mandate not used for a long time: a candidate to close."""

    mandate_id: str
    account_id: str
    payee_name: str | None
    merchant_id: str | None
    purpose: str | None
    signed_at: date
    channel: str | None
    amount_limit: Decimal | None
    last_used: date | None
    uses: int
    idle_days: int
    merchant_name: str | None
    payment_institution: str | None
    cancel_hint: str | None
    explanation: str

    @classmethod
    def from_row(cls, row: dict[str, Any], explanation: str) -> StaleMandate:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in row.items() if k in names}
        values["explanation"] = explanation
        return cls(**values)
