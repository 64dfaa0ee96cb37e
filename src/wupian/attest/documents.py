"""Trade-document log entries: what the attestation log records about a letter of credit (信用证) event.

An entry says *which* LC, *what* happened (issued 开证, sent 发送, received 收到, amended 修改, paid 付款),
*when* (ISO 8601 in China Standard Time, UTC+8), and *which document* (SHA-256 of the file's bytes — the
document itself is never stored), plus free-form string metadata. Its bytes in the log are canonical JSON:
keys sorted, no insignificant whitespace, UTF-8 (non-ASCII kept as is), so anyone can rebuild them from the
JSON object in a receipt and recompute the leaf hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO

from wupian.attest.errors import InvalidRequestError

EVENTS: tuple[str, ...] = ("issued", "sent", "received", "amended", "paid")
EVENT_LABELS_ZH: dict[str, str] = {
    "issued": "开证", "sent": "发送", "received": "收到", "amended": "修改", "paid": "付款",
}
CHINA_TZ = timezone(timedelta(hours=8), "UTC+08:00")
ENTRY_KEYS = frozenset({"lc_no", "event", "time", "document_sha256", "meta"})
_LC_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.\-]{0,63}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_META_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def canonical_json(obj: object) -> bytes:
    """Canonical JSON bytes: sorted keys, compact separators, UTF-8 without escaping non-ASCII."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    with open(path, "rb") as f:
        return sha256_stream(f)


def sha256_stream(stream: BinaryIO) -> str:
    h = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def china_now() -> datetime:
    return datetime.now(CHINA_TZ).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """ISO 8601 with an explicit +08:00 offset; naive datetimes are taken as China Standard Time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)
    return aware.astimezone(CHINA_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class TradeEntry:
    """One LC event as recorded in the log."""

    lc_no: str
    event: str
    time: str
    document_sha256: str
    meta: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "lc_no": self.lc_no,
            "event": self.event,
            "time": self.time,
            "document_sha256": self.document_sha256,
            "meta": dict(self.meta),
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: object) -> TradeEntry:
        """Validate and build an entry from its JSON object; raises ``InvalidRequestError``."""
        if not isinstance(obj, dict):
            raise InvalidRequestError("entry must be a JSON object")
        unknown = set(obj) - ENTRY_KEYS
        missing = ENTRY_KEYS - set(obj) - {"meta"}
        if unknown or missing:
            raise InvalidRequestError(f"entry keys: unknown {sorted(unknown)}, missing {sorted(missing)}")
        meta = obj.get("meta", {})
        if not isinstance(meta, dict):
            raise InvalidRequestError("entry meta must be an object")
        return make_entry(obj["lc_no"], obj["event"], obj["document_sha256"], time=obj["time"], meta=meta)

    @classmethod
    def from_bytes(cls, data: bytes) -> TradeEntry:
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidRequestError(f"entry is not JSON: {exc}") from None
        return cls.from_json(obj)


def validate_lc_no(lc_no: object) -> str:
    if not isinstance(lc_no, str) or not _LC_NO.match(lc_no):
        raise InvalidRequestError(
            f"LC number {lc_no!r}: use 1-64 letters, digits, '/', '_', '.' or '-', starting with a letter or digit")
    return lc_no


def parse_meta(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Parse ``k=v`` strings (as given on the command line) into a dict; repeated keys are an error."""
    meta: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidRequestError(f"meta {pair!r}: expected key=value")
        key = key.strip()
        if key in meta:
            raise InvalidRequestError(f"meta key {key!r} given twice")
        meta[key] = value
    return meta


def make_entry(
    lc_no: object,
    event: object,
    document_sha256: object,
    *,
    time: datetime | str | None = None,
    meta: Mapping[str, object] | None = None,
) -> TradeEntry:
    """Build a validated entry. ``time`` defaults to now (UTC+8); a string must be ISO 8601 with offset."""
    validate_lc_no(lc_no)
    if event not in EVENTS:
        raise InvalidRequestError(f"event {event!r}: expected one of {', '.join(EVENTS)}")
    if not isinstance(document_sha256, str) or not _SHA256_HEX.match(document_sha256):
        raise InvalidRequestError("document_sha256 must be 64 lowercase hex digits")
    if time is None:
        stamp = format_time(china_now())
    elif isinstance(time, datetime):
        stamp = format_time(time)
    elif isinstance(time, str):
        try:
            parsed = datetime.fromisoformat(time)
        except ValueError:
            raise InvalidRequestError(f"time {time!r} is not ISO 8601") from None
        if parsed.tzinfo is None:
            raise InvalidRequestError(f"time {time!r} has no UTC offset")
        stamp = time
    else:
        raise InvalidRequestError("time must be a datetime or an ISO 8601 string")
    items: list[tuple[str, str]] = []
    for key, value in sorted((meta or {}).items()):
        if not isinstance(key, str) or not _META_KEY.match(key):
            raise InvalidRequestError(f"meta key {key!r}: use 1-64 letters, digits, '_', '.' or '-'")
        if not isinstance(value, str) or len(value) > 1024:
            raise InvalidRequestError(f"meta value for {key!r} must be a string of at most 1024 characters")
        items.append((key, value))
    return TradeEntry(str(lc_no), str(event), stamp, document_sha256, tuple(items))
