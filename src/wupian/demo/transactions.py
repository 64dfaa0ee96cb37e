"""The demo bank's transactions, mandates and merchants, with the planted recurring streams as ground truth.

``generate_event_files(out_dir, account_ids, seed=…, end=…)`` writes ``transactions.csv``, ``mandates.csv``
and ``merchants.csv`` (contract column names, UTF-8) for ``wupian load-events``, plus
``recurring_truth.csv``: one row per planted recurring debit stream, used to measure the detector's
precision and recall. ``generate_event_tables`` returns the same as Arrow tables (for benchmarks).
Fully deterministic for a seed; vectorised with numpy (no loop over transactions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from wupian.demo.transactions_calendar import DayGrid, build_grid
from wupian.demo.transactions_catalogue import KINDS
from wupian.demo.transactions_noise import generate_noise
from wupian.demo.transactions_payees import Identities, Merchants, stream_identity
from wupian.demo.transactions_streams import Streams, plant_streams
from wupian.monitor.recurring.normalise import payee_key

MONEY = pa.decimal128(38, 2)
TRUTH_COLUMNS = (
    "account_id", "stream_id", "payee_key", "payee_name", "kind", "cadence", "amount_pattern",
    "typical_amount", "first_date", "last_date", "occurrences", "status", "mandate_id", "has_mandate",
    "price_change", "skipped", "twin_stream_id", "merchant_id", "counterparty_account",
)


@dataclass(frozen=True, slots=True)
class EventTables:
    """Generated tables (Arrow): transactions, mandates, merchants and the recurring ground truth."""

    transactions: pa.Table
    mandates: pa.Table
    merchants: pa.Table
    truth: pa.Table


@dataclass(frozen=True, slots=True)
class EventFiles:
    """Paths written by ``generate_event_files`` and their row counts."""

    transactions: Path
    mandates: Path
    merchants: Path
    truth: Path
    transaction_rows: int
    mandate_rows: int
    merchant_rows: int
    truth_rows: int


def fen_to_decimal(fen: np.ndarray) -> pa.Array:
    """Exact int64 fen → decimal128(38, 2) yuan, without going through floats."""
    lo = fen.astype(np.int64)
    words = np.empty((lo.size, 2), dtype=np.int64)
    words[:, 0] = lo
    words[:, 1] = np.where(lo < 0, -1, 0)
    return pa.Array.from_buffers(MONEY, lo.size, [None, pa.py_buffer(words.tobytes())])


def _txn_ids(n: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), 10, "0")
    return pc.binary_join_element_wise("T", digits, "")


def _stream_tables(rng: np.random.Generator, g: DayGrid, st: Streams, account_ids: Sequence[str],
                   ids: Identities, merchants: Merchants) -> tuple[np.ndarray, np.ndarray, pa.Table, pa.Table]:
    """Identity per stream, mandates, and the truth table."""
    n = st.acc.size
    ident = np.full(n, -1, dtype=np.int64)
    keys: list[str] = [""] * n
    names: list[str] = [""] * n
    mids: list[str | None] = [None] * n
    caccs: list[str | None] = [None] * n
    for i in range(n):
        if st.status[i] == "dropped":
            continue
        twin = int(st.twin_of[i])
        if twin >= 0 and ident[twin] >= 0:
            ident[i], keys[i], names[i], mids[i], caccs[i] = ident[twin], keys[twin], names[twin], mids[twin], caccs[twin]
            continue
        row, mid, cacc, name, _kind = stream_identity(rng, ids, merchants, int(st.kind[i]), int(st.biller[i]),
                                                      str(st.inst[i]))
        ident[i], names[i], mids[i], caccs[i] = row, name, mid, cacc
        summary = ids.rows[row][4]
        keys[i] = payee_key(mid, cacc, ids.rows[row][1] or summary)
    count = np.bincount(st.occ_stream, minlength=n)
    first = np.full(n, -1)
    last = np.full(n, -1)
    order = np.argsort(st.occ_stream, kind="stable")
    starts = np.cumsum(count) - count
    alive = count > 0
    day_sorted = st.occ_day[order]
    first[alive] = day_sorted[starts[alive]]
    last[alive] = day_sorted[starts[alive] + count[alive] - 1]
    last_fen = np.zeros(n, dtype=np.int64)
    last_fen[alive] = st.occ_fen[order][starts[alive] + count[alive] - 1]
    by_amount = st.occ_fen[np.lexsort((st.occ_fen, st.occ_stream))]
    med_fen = np.zeros(n, dtype=np.int64)
    med_fen[alive] = by_amount[starts[alive] + (count[alive] - 1) // 2]  # lower median, an actual debit
    typical = np.where(st.pattern == "fixed", last_fen, med_fen)
    mandate_ids = np.array([f"DK{2024000000 + i:010d}" if st.has_mandate[i] and alive[i] else "" for i in range(n)],
                           dtype=object)
    live = np.flatnonzero(alive)
    start = np.datetime64(g.start, "D")
    stream_ids = np.array([f"S{i:07d}" for i in range(n)], dtype=object)
    truth = pa.table({
        "account_id": pa.array(np.asarray(account_ids, dtype=object)[st.acc[live]], pa.string()),
        "stream_id": pa.array(stream_ids[live], pa.string()),
        "payee_key": pa.array([keys[i] for i in live], pa.string()),
        "payee_name": pa.array([names[i] for i in live], pa.string()),
        "kind": pa.array([KINDS[int(k)].kind for k in st.kind[live]], pa.string()),
        "cadence": pa.array(st.cadence[live].astype(str), pa.string()),
        "amount_pattern": pa.array(st.pattern[live].astype(str), pa.string()),
        "typical_amount": fen_to_decimal(typical[live]),
        "first_date": pa.array(start + first[live].astype("timedelta64[D]"), pa.date32()),
        "last_date": pa.array(start + last[live].astype("timedelta64[D]"), pa.date32()),
        "occurrences": pa.array(count[live], pa.int64()),
        "status": pa.array(st.status[live].astype(str), pa.string()),
        "mandate_id": pa.array([m or None for m in mandate_ids[live]], pa.string()),
        "has_mandate": pa.array(st.has_mandate[live], pa.bool_()),
        "price_change": pa.array(st.price_change[live], pa.bool_()),
        "skipped": pa.array(st.skipped[live], pa.int64()),
        "twin_stream_id": pa.array([stream_ids[t] if t >= 0 else None for t in st.twin_of[live]], pa.string()),
        "merchant_id": pa.array([mids[i] for i in live], pa.string()),
        "counterparty_account": pa.array([caccs[i] for i in live], pa.string()),
    })
    mandates = _mandates(rng, g, st, account_ids, ident, ids, mandate_ids, first, last, typical)
    return ident, mandate_ids, truth, mandates


def _mandates(rng: np.random.Generator, g: DayGrid, st: Streams, account_ids: Sequence[str], ident: np.ndarray,
              ids: Identities, mandate_ids: np.ndarray, first: np.ndarray, last: np.ndarray,
              typical: np.ndarray) -> pa.Table:
    rows: dict[str, list[object]] = {c: [] for c in (
        "mandate_id", "account_id", "payee_name", "merchant_id", "purpose", "signed_at", "revoked_at", "channel",
        "amount_limit")}
    channels = ("手机银行", "柜面", "网上银行", "支付机构")

    def add(mid: str, acc: int, payee: str | None, merchant: str | None, purpose: str, signed: date,
            revoked: date | None, limit_fen: int | None) -> None:
        rows["mandate_id"].append(mid)
        rows["account_id"].append(account_ids[acc])
        rows["payee_name"].append(payee)
        rows["merchant_id"].append(merchant)
        rows["purpose"].append(purpose)
        rows["signed_at"].append(signed)
        rows["revoked_at"].append(revoked)
        rows["channel"].append(channels[int(rng.integers(0, len(channels)))])
        rows["amount_limit"].append(limit_fen)

    for i in np.flatnonzero(mandate_ids != ""):
        identity = ids.rows[int(ident[i])]
        kind = KINDS[int(st.kind[i])]
        payee = kind.billers[int(st.biller[i])].name if kind.billers else identity[1]
        signed = g.start + timedelta(days=int(first[i]) - int(rng.integers(5, 700)))
        revoked = None
        if st.status[i] == "ended" and rng.random() < 0.5:
            revoked = g.start + timedelta(days=int(last[i]) + int(rng.integers(3, 20)))
        limit = None if rng.random() < 0.3 else int(typical[i] * 3 // 10000 * 10000 + 10000)
        purpose = kind.billers[int(st.biller[i])].short if kind.billers else "代扣"
        add(str(mandate_ids[i]), int(st.acc[i]), payee, identity[0], purpose, signed, revoked, limit)
    # Stale mandates: signed long ago, never (or long not) used.
    stale = np.flatnonzero(rng.random(len(account_ids)) < 0.06)
    for j, acc in enumerate(stale):
        kind = KINDS[int(rng.integers(0, 3))]
        biller = kind.billers[int(rng.integers(0, len(kind.billers)))]
        add(f"DK{2019000000 + j:010d}", int(acc), biller.name, None, biller.short,
            g.start - timedelta(days=int(rng.integers(200, 2000))), None, None)
    table = pa.table({k: v for k, v in rows.items() if k != "amount_limit"})
    limits = np.array([v if v is not None else 0 for v in rows["amount_limit"]], dtype=np.int64)
    limit_arr = fen_to_decimal(limits)
    mask = pa.array([v is None for v in rows["amount_limit"]])
    limit_arr = pc.if_else(mask, pa.scalar(None, MONEY), limit_arr)
    table = table.append_column("amount_limit", limit_arr)
    return table.cast(pa.schema([
        ("mandate_id", pa.string()), ("account_id", pa.string()), ("payee_name", pa.string()),
        ("merchant_id", pa.string()), ("purpose", pa.string()), ("signed_at", pa.date32()),
        ("revoked_at", pa.date32()), ("channel", pa.string()), ("amount_limit", MONEY)]))


def generate_event_tables(
    account_ids: Sequence[str],
    *,
    seed: int,
    end: date,
    months: int = 13,
    spend_per_month: float = 8.0,
) -> EventTables:
    """Generate the event tables in memory (see module docstring)."""
    if not account_ids:
        raise ValueError("no account ids given")
    rng = np.random.default_rng(seed)
    g = build_grid(end, months)
    n_acc = len(account_ids)
    ids, merchants = Identities(), Merchants()
    st = plant_streams(rng, g, n_acc)
    ident, mandate_ids, truth, mandates = _stream_tables(rng, g, st, account_ids, ids, merchants)
    noise = generate_noise(rng, g, n_acc, ids, merchants, spend_per_month)
    # Planted debits + noise → one event list, sorted by account and time.
    occ = st.occ_stream
    on_txn = np.where(st.mandate_on_txn[occ], np.arange(occ.size), -1)
    acc = np.concatenate([st.acc[occ], noise.acc])
    day = np.concatenate([st.occ_day, noise.day])
    sec = np.concatenate([st.occ_sec, noise.sec])
    fen = np.concatenate([-st.occ_fen, noise.fen])
    row = np.concatenate([ident[occ], noise.ident])
    mand = np.concatenate([np.where(on_txn >= 0, occ, -1), np.full(noise.acc.size, -1)])
    order = np.lexsort((fen, sec, day, acc))
    acc, day, sec, fen, row, mand = acc[order], day[order], sec[order], fen[order], row[order], mand[order]
    # Balances: an opening balance that keeps every account above zero, then running sums.
    per_acc = np.bincount(acc, minlength=n_acc)
    starts = np.cumsum(per_acc) - per_acc
    run = np.cumsum(fen)
    base = np.where(per_acc > 0, run[np.maximum(starts - 1, 0)] * (starts > 0), 0)
    run_in_acc = run - np.repeat(base, per_acc)
    low = np.zeros(n_acc, dtype=np.int64)
    nz = per_acc > 0
    low[nz] = np.minimum.reduceat(run_in_acc, starts[nz])
    opening = np.maximum(0, -low) + rng.integers(200, 5000, n_acc) * 1000
    balance = run_in_acc + np.repeat(opening, per_acc)
    stamps = (np.datetime64(g.start, "s") + (day * 86400 + sec).astype("timedelta64[s]"))
    id_cols = list(zip(*ids.rows, strict=True)) if ids.rows else [()] * 6
    id_tables = [pa.array(list(col), pa.string()) for col in id_cols]
    take = pa.array(row)
    mandate_arr = pa.array([m or None for m in mandate_ids], pa.string()).take(
        pa.array(np.where(mand >= 0, mand, 0), mask=mand < 0))
    transactions = pa.table({
        "txn_id": _txn_ids(acc.size),
        "account_id": pa.array(list(account_ids), pa.string()).take(pa.array(acc)),
        "booked_at": pa.array(stamps, pa.timestamp("s")),
        "amount": fen_to_decimal(fen),
        "balance_after": fen_to_decimal(balance),
        "channel": id_tables[5].take(take),
        "counterparty_name": id_tables[1].take(take),
        "counterparty_account": id_tables[2].take(take),
        "counterparty_bank": id_tables[3].take(take),
        "merchant_id": id_tables[0].take(take),
        "summary": id_tables[4].take(take),
        "mandate_id": mandate_arr,
        # the two optional columns of issue 11: debits are payments out, credits payments in; no region known
        "kind": pa.array(np.where(fen < 0, "transfer_out", "transfer_in").astype(object), pa.string()),
        "counterparty_region": pa.nulls(acc.size, pa.string()),
    })
    merchant_rows = sorted(merchants.rows.items())
    merchants_table = pa.table({
        "merchant_id": [m for m, _ in merchant_rows],
        "name": [r[0] for _, r in merchant_rows],
        "payment_institution": [r[1] or None for _, r in merchant_rows],
        "category": [r[2] for _, r in merchant_rows],
        "cancel_hint": [r[3] or None for _, r in merchant_rows],
    })
    return EventTables(transactions, mandates, merchants_table, truth)


def generate_event_files(
    out_dir: Path,
    account_ids: Sequence[str],
    *,
    seed: int,
    end: date,
    months: int = 13,
    spend_per_month: float = 8.0,
) -> EventFiles:
    """Write transactions.csv, mandates.csv, merchants.csv and recurring_truth.csv into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t = generate_event_tables(account_ids, seed=seed, end=end, months=months, spend_per_month=spend_per_month)
    paths = {name: out_dir / f"{name}.csv" for name in ("transactions", "mandates", "merchants")}
    truth_path = out_dir / "recurring_truth.csv"
    options = pacsv.WriteOptions(include_header=True)
    pacsv.write_csv(t.transactions, paths["transactions"], options)
    pacsv.write_csv(t.mandates, paths["mandates"], options)
    pacsv.write_csv(t.merchants, paths["merchants"], options)
    pacsv.write_csv(t.truth.select(list(TRUTH_COLUMNS)), truth_path, options)
    return EventFiles(
        transactions=paths["transactions"],
        mandates=paths["mandates"],
        merchants=paths["merchants"],
        truth=truth_path,
        transaction_rows=t.transactions.num_rows,
        mandate_rows=t.mandates.num_rows,
        merchant_rows=t.merchants.num_rows,
        truth_rows=t.truth.num_rows,
    )

