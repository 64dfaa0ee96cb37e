"""Payee normalisation: the channel prefixes stripped from statement names, and the Python twin of the SQL rule.

Statement summaries carry the payment channel before the payee ("财付通-中国移动", "支付宝 移动话费",
"银联代扣 保险费", "快捷支付 XXXX"). The detector keys a debit by merchant id, else counterparty account,
else this normalised name. The SQL version lives in ``wupian.engine.recurring_sql`` (``_wp_rec_norm``);
``normalise_name`` here gives the same answer and is used for evaluation and tests.
"""

from __future__ import annotations

import re
import unicodedata

CHANNEL_PREFIXES: tuple[str, ...] = (
    "财付通", "支付宝", "银联代扣", "银联在线", "银联无卡", "银联", "网联", "快捷支付", "微信支付", "微信",
    "云闪付", "京东支付", "美团支付", "批量代扣", "委托代扣", "代扣", "代收", "自动扣款", "扣款", "POS消费",
    "消费", "网上支付", "网银支付",
)
_SEPARATORS = r"[\s\-—_:：/]*"
# RE2- and Python-compatible: one or more channel prefixes (with separators) at the start.
PREFIX_PATTERN = "^(?:(?:" + "|".join(re.escape(p) for p in CHANNEL_PREFIXES) + ")" + _SEPARATORS + ")+"

_PREFIX_RE = re.compile(PREFIX_PATTERN)
_MASK_RE = re.compile(r"[Xx*＊]{2,}")


def _strip(text: str, drop_digits: bool) -> str:
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "PSZ" or ch.isspace():
            continue
        if drop_digits and ch in "0123456789０１２３４５６７８９":
            continue
        out.append(ch)
    return "".join(out).lower()


def normalise_name(text: str | None) -> str:
    """'财付通-中国移动' → '中国移动'; '快捷支付 XXXX' → '快捷支付xxxx' fallback; blank → '?'."""
    raw = text or ""
    cleaned = _strip(_MASK_RE.sub("", _PREFIX_RE.sub("", raw)), drop_digits=True)
    if cleaned:
        return cleaned
    fallback = _strip(raw, drop_digits=False)
    return fallback or "?"


def payee_key(merchant_id: str | None, counterparty_account: str | None, name: str | None) -> str:
    """The key the detector groups debits by: ``m:<merchant>``, ``a:<account>`` or ``n:<normalised name>``."""
    if merchant_id and merchant_id.strip():
        return "m:" + merchant_id.strip()
    if counterparty_account and counterparty_account.strip():
        return "a:" + counterparty_account.strip().replace(" ", "").replace("-", "")
    return "n:" + normalise_name(name)
