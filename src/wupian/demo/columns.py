"""Vectorised helpers shared by the demo generators: seeded streams, dates, money columns, ids.

Money is generated as integer fen (int64) and turned into exact DECIMAL(38,2) Arrow arrays — never float
text. Dates are ``datetime64[D]``; NaT means blank.
"""

from __future__ import annotations

import zlib
from datetime import date
from functools import lru_cache

import chinese_calendar
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wupian.contract import table

MONEY_TYPE = pa.decimal128(38, 2)
NAT = np.datetime64("NaT", "D")


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible random stream for one part of the bank (changing one part leaves the others)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def day(value: date | str) -> np.datetime64:
    return np.datetime64(value if isinstance(value, str) else value.isoformat(), "D")


def month_ends(end: date, months: int) -> list[np.datetime64]:
    """``months`` consecutive month-ends ending at ``end`` (itself a month-end), oldest first."""
    last = np.datetime64(end.isoformat()[:7], "M")
    return [((last - k + 1).astype("datetime64[D]") - 1) for k in range(months - 1, -1, -1)]


def year_start(d: np.datetime64) -> np.datetime64:
    return d.astype("datetime64[Y]").astype("datetime64[D]")


def money(fen: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """int64 fen → exact decimal128(38,2) Arrow array (nulls where ``null`` is True)."""
    fen = np.ascontiguousarray(fen, dtype=np.int64)
    words = np.empty(fen.size * 2, dtype=np.int64)
    words[0::2] = fen
    words[1::2] = np.where(fen < 0, -1, 0)
    arr = pa.Array.from_buffers(MONEY_TYPE, fen.size, [None, pa.py_buffer(words.tobytes())])
    if null is not None and null.any():
        arr = pc.if_else(pa.array(null), pa.scalar(None, MONEY_TYPE), arr)
    return arr


def text(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Object/str numpy array → Arrow string array; '' and None become blank."""
    arr = pa.array(values.tolist() if values.dtype == object else values, type=pa.string())
    mask = pc.equal(arr, "")
    if null is not None:
        mask = pc.or_(mask, pa.array(null))
    return pc.if_else(mask, pa.scalar(None, pa.string()), arr)


def dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), type=pa.date32())


def timestamps(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s"))


def flags(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(bool), mask=null, type=pa.bool_())


def ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int64), mask=null, type=pa.int64())


def decimals(values: np.ndarray, scale: int, null: np.ndarray | None = None) -> pa.Array:
    """Float rates/shares rounded to ``scale`` places, emitted as exact decimals (e.g. 3.45, 0.5)."""
    unscaled = np.round(np.asarray(values, dtype=np.float64) * 10**scale).astype(np.int64)
    words = np.empty(unscaled.size * 2, dtype=np.int64)
    words[0::2] = unscaled
    words[1::2] = np.where(unscaled < 0, -1, 0)
    typ = pa.decimal128(18, scale)
    arr = pa.Array.from_buffers(typ, unscaled.size, [None, pa.py_buffer(words.tobytes())])
    if null is not None and null.any():
        arr = pc.if_else(pa.array(null), pa.scalar(None, typ), arr)
    return arr


def numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """['L000000001', …]: ``prefix`` + zero-padded numbers, as an object array."""
    return np.array([f"{prefix}{n:0{width}d}" for n in numbers.tolist()], dtype=object)


def pick(rng: np.random.Generator, options: list[str] | tuple[str, ...], size: int,
         p: list[float] | None = None) -> np.ndarray:
    """``size`` draws from ``options`` (object array), optionally weighted."""
    arr = np.array(options, dtype=object)
    weights = None if p is None else np.asarray(p, dtype=np.float64) / np.sum(p)
    return arr[rng.choice(arr.size, size=size, p=weights)]


def uniform_days(rng: np.random.Generator, start: np.datetime64, end: np.datetime64, size: int) -> np.ndarray:
    """Uniform dates in [start, end]."""
    span = int((end - start).astype(np.int64)) + 1
    return start + rng.integers(0, span, size=size).astype("timedelta64[D]")


def add_months(d: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Calendar month arithmetic, clamping the day to the target month's length (31 Jan + 1 → 28/29 Feb)."""
    d = d.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + months.astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(dom, length - 1).astype("timedelta64[D]")


def ordered(name: str, data: dict[str, pa.Array]) -> pa.Table:
    """An Arrow table with exactly the contract's columns for ``name``, in contract order."""
    cols = table(name).column_names
    missing = set(cols) - set(data)
    if missing:
        raise ValueError(f"{name}: generator does not fill {sorted(missing)}")
    return pa.table({c: data[c] for c in cols})


@lru_cache(maxsize=1)
def holidays() -> np.ndarray:
    """Chinese statutory holidays falling on weekdays, 2004–2026 (for business-day arithmetic)."""
    days = chinese_calendar.get_holidays(date(2004, 1, 1), date(2026, 12, 31), include_weekends=False)
    return np.array(days, dtype="datetime64[D]")


def next_workday(d: np.ndarray) -> np.ndarray:
    """Roll dates forward to the next working day (weekends and statutory holidays skipped); NaT stays NaT."""
    d = d.astype("datetime64[D]")
    ok = ~np.isnat(d)
    out = d.copy()
    out[ok] = np.busday_offset(d[ok], 0, roll="forward", holidays=holidays())
    return out
