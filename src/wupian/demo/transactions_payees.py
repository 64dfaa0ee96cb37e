"""Statement identities of the generated transactions: who appears as counterparty, with which summary.

An ``Identities`` table holds each distinct (merchant id, counterparty name/account/bank, summary, channel)
once; events point at it by index, so a million transactions share a few thousand strings. ``Merchants``
collects the merchant register (商户登记) the detector uses to explain opaque summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wupian.demo.transactions_catalogue import (
    BANKS,
    GIVEN,
    KINDS,
    PI_CANCEL,
    PI_COMPANY,
    PI_SUMMARY,
    PI_ZH,
    SURNAMES,
    Biller,
)

CHANNEL_OF = {"tenpay": "快捷支付", "alipay": "快捷支付", "unionpay": "银联代扣", "bank": "批量代扣"}


@dataclass
class Identities:
    """Distinct statement identities; ``add`` returns the row index (de-duplicated)."""

    rows: list[tuple[str | None, ...]] = field(default_factory=list)
    index: dict[tuple[str | None, ...], int] = field(default_factory=dict)

    def add(
        self,
        merchant_id: str | None,
        name: str | None,
        account: str | None,
        bank: str | None,
        summary: str | None,
        channel: str | None,
    ) -> int:
        key = (merchant_id, name, account, bank, summary, channel)
        found = self.index.get(key)
        if found is None:
            found = len(self.rows)
            self.rows.append(key)
            self.index[key] = found
        return found


@dataclass
class Merchants:
    """The merchant register: merchant id → (name, payment institution, category, cancel hint)."""

    rows: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)

    def merchant_id(self, code: str, inst: str, name: str, category: str, cancel: str) -> str:
        """The id of ``code`` reached through ``inst`` (registered on first use)."""
        key = f"{code}@{inst}"
        mid = self.by_key.get(key)
        if mid is None:
            mid = f"8981{len(self.by_key) + 1:011d}"
            self.by_key[key] = mid
            hint = "；".join(x for x in (cancel, PI_CANCEL.get(inst, "")) if x)
            self.rows[mid] = (name, PI_ZH.get(inst, ""), category, hint)
        return mid


def person_name(rng: np.random.Generator) -> str:
    return SURNAMES[rng.integers(0, len(SURNAMES))] + "".join(
        GIVEN[rng.integers(0, len(GIVEN))] for _ in range(int(rng.integers(1, 3)))
    )


def account_number(rng: np.random.Generator) -> str:
    return "6222" + "".join(str(x) for x in rng.integers(0, 10, 15))


def biller_account(code: str) -> str:
    digits = "".join(str(ord(ch) % 10) for ch in code)
    return ("1100" + digits + "0000000000")[:19]


def stream_identity(
    rng: np.random.Generator,
    ids: Identities,
    merchants: Merchants,
    kind_index: int,
    biller_index: int,
    inst: str,
) -> tuple[int, str | None, str | None, str, str]:
    """Identity of one planted stream → (identity row, merchant id, counterparty account, payee name, kind)."""
    kind = KINDS[kind_index]
    if not kind.billers:  # a person: landlord, housekeeper — paid by transfer
        name = person_name(rng)
        account = account_number(rng)
        bank = BANKS[int(rng.integers(0, len(BANKS)))]
        word = "房租" if kind.kind == "rent" else "家政服务费"
        summary = word if rng.random() < 0.6 else f"转账 {word}"
        return ids.add(None, name, account, bank, summary, "手机银行"), None, account, name, kind.kind
    biller: Biller = kind.billers[biller_index]
    if inst == "summary_only":
        via = "支付宝" if rng.random() < 0.5 else "财付通"
        return ids.add(None, None, None, None, f"{via} {biller.short}", "快捷支付"), None, None, biller.short, kind.kind
    if inst == "bank":
        account = biller_account(biller.code)
        bank = BANKS[sum(map(ord, biller.code)) % len(BANKS)]
        template = PI_SUMMARY["bank"][int(rng.integers(0, len(PI_SUMMARY["bank"])))]
        summary = template.format(name=biller.name, short=biller.short, mask="")
        return ids.add(None, biller.name, account, bank, summary, "批量代扣"), None, account, biller.name, kind.kind
    mid = merchants.merchant_id(biller.code, inst, biller.name, biller.category, biller.cancel)
    templates = PI_SUMMARY[inst]
    template = templates[int(rng.integers(0, len(templates)))]
    summary = template.format(name=biller.name, short=biller.short, mask=mid[-4:])
    row = ids.add(mid, PI_COMPANY[inst], None, None, summary, CHANNEL_OF[inst])
    return row, mid, None, biller.name, kind.kind
