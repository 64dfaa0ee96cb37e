"""``build_demo``: generate the whole demo bank and write it as month-end snapshot folders plus event files.

Layout of the output folder::

    README.txt
    snapshots/2025-03-31/branches.csv, customers.csv (GBK, Chinese headers), loans.csv, …
    snapshots/2025-04-30/…            one folder per month-end, 13 in all, ending 2026-03-31
    events/transactions.csv, mandates.csv, merchants.csv, recurring_truth.csv
    screening/screening_requests.csv, teller_observations.csv, fraud_labels.csv, watchlist.csv, transactions.csv,
              screening_truth.csv (counter anti-fraud requests with planted, labelled stories)

Everything is a pure function of ``seed`` and ``scale``: the same arguments give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from wupian.demo import readme
from wupian.demo.acceptances import code_acceptances_table
from wupian.demo.branches import branch_usccs, build_tree
from wupian.demo.columns import month_ends, numbered, ordered, stream, text
from wupian.demo.customers import build_customers
from wupian.demo.events import write_events
from wupian.demo.flagship import calibrate_flagship_green
from wupian.demo.loan_codes import assign_codes, credit_history
from wupian.demo.loanbook import build_book
from wupian.demo.monthly import customers_table, loans_table, static_customer_columns, static_loan_columns
from wupian.demo.plans import build_targets, peers_table
from wupian.demo.refdata import green_items, industries
from wupian.demo.registries import build_registries, registries_table
from wupian.demo.screening import write_screening
from wupian.demo.services import (
    accounts_table,
    activations_table,
    activities_table,
    build_accounts,
    build_activations,
    build_activities,
    build_processes,
    processes_table,
)
from wupian.demo.writer import write_csv, write_legacy_gbk

Progress = Callable[[str, int, int], None]
END = date(2026, 3, 31)
MONTHS = 13
DEFAULT_SEED = 20260331
LEGACY_GBK = "customers"  # written as an older GBK branch export in the first month-end folder
EVENT_ACCOUNTS = 5_000


@dataclass(frozen=True)
class PlantedError:
    """A row deliberately wrong at ERROR level, which the loader must quarantine (and nothing else)."""

    as_of: str
    table: str
    key: str
    problem: str


# Planted into the last month-end's loans.csv (ids outside the generated numbering).
PLANTED = (
    PlantedError("2026-03-31", "loans", "L999999901", "customer_id C99999999 does not exist (broken reference)"),
    PlantedError("2026-03-31", "loans", "L999999902", "interest_rate 450 (percent typed without the decimal point)"),
    PlantedError("2026-03-31", "loans", "L999999903", "five_class FQ09 is not a 贷款质量 code"),
)


@dataclass(frozen=True)
class DemoManifest:
    """What ``build_demo`` wrote."""

    out_dir: Path
    seed: int
    scale: float
    month_ends: tuple[date, ...]
    branches: int
    customers: int  # at the last month-end
    loans: tuple[int, ...]  # rows of loans.csv per month-end (planted rows included)
    snapshot_dirs: tuple[Path, ...]
    events_dir: Path
    event_accounts: int
    planted: tuple[PlantedError, ...]
    screening_dir: Path | None = None  # counter-screening events (requests, observations, labels, watchlist)
    screening_requests: int = 0


def _tick(progress: Progress | None, label: str, done: int, total: int) -> None:
    if progress is not None:
        progress(label, done, total)


def _plant(loans: pa.Table) -> pa.Table:
    rows = loans.slice(0, 3).to_pylist()
    for row, bad in zip(rows, PLANTED, strict=True):
        row["loan_id"], row["contract_id"] = bad.key, "HT" + bad.key
    rows[0]["customer_id"] = "C99999999"
    rows[1]["interest_rate"] = rows[1]["interest_rate"].__class__("450.00")
    rows[2]["five_class"] = "FQ09"
    return pa.concat_tables([loans, pa.Table.from_pylist(rows, schema=loans.schema)])


def build_demo(out_dir: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0,
               progress: Progress | None = None, months: int = MONTHS) -> DemoManifest:
    """Generate the demo bank into ``out_dir`` (created if needed) and return what was written.

    ``months`` writes only the last N month-ends (tests use 2); the bank itself is the same.
    """
    if not 0 < scale <= 10:
        raise ValueError(f"scale must be in (0, 10], got {scale}")
    if not 1 <= months <= MONTHS:
        raise ValueError(f"months must be in 1..{MONTHS}, got {months}")
    out_dir = Path(out_dir)
    dates_ = month_ends(END, MONTHS)[MONTHS - months:]
    steps = 7 + len(dates_) + 1
    _tick(progress, "branches and customers", 0, steps)
    ind, green = industries(), green_items()
    tree = build_tree(stream(seed, "branches"))
    cus = build_customers(stream(seed, "customers"), tree, ind, scale)
    _tick(progress, "registries", 1, steps)
    reg = build_registries(stream(seed, "registries"), tree, cus, ind, scale)
    _tick(progress, "loan book", 2, steps)
    book = build_book(stream(seed, "loans"), cus, scale)
    _tick(progress, "five-priority codes", 3, steps)
    codes = assign_codes(stream(seed, "codes"), book, cus, ind, green)
    book = calibrate_flagship_green(book, codes, cus, tree, scale)
    is_bill = np.isin(book.business_type(), ["bill_direct", "bill_rediscount"])
    numbers = np.arange(1, len(book) + 1)
    loan_ids = np.where(is_bill, numbered("PJ", numbers, 12), numbered("L", numbers, 9))
    contract_ids = np.where(is_bill, "", numbered("HT", numbers, 9))
    _, first_credit = credit_history(book, cus)
    _tick(progress, "accounts and services", 4, steps)
    acc = build_accounts(stream(seed, "accounts"), cus)
    act = build_activations(stream(seed, "activations"), reg, cus)
    proc = build_processes(stream(seed, "processes"), book, cus, acc)
    activities = build_activities(stream(seed, "activities"), tree)
    years = sorted({int(str(d)[:4]) for d in dates_})
    targets = {y: build_targets(stream(seed, f"targets{y}"), tree, book, codes, cus, acc, y) for y in years}
    branches = ordered("branches", {"branch_id": text(tree.branch_id), "name": text(tree.name),
                                    "parent_id": text(tree.parent_id), "level": text(tree.level),
                                    "region_code": text(tree.region_code),
                                    "uscc": text(branch_usccs(stream(seed, "branch-uscc"), tree))})
    loan_static = static_loan_columns(book, codes, cus, loan_ids, contract_ids)
    cus_static = static_customer_columns(cus)
    snap_dirs, loan_rows = [], []
    customers_last = 0
    for k, as_of in enumerate(dates_):
        label = str(as_of)
        _tick(progress, f"month-end {label}", 5 + k, steps)
        folder = out_dir / "snapshots" / label
        folder.mkdir(parents=True, exist_ok=True)
        customers = customers_table(cus, cus_static, first_credit, as_of)
        customers_last = customers.num_rows
        loans = loans_table(book, codes, loan_static, as_of)
        if k == len(dates_) - 1:
            loans = _plant(loans)
        loan_rows.append(loans.num_rows)
        write_csv(branches, folder / "branches.csv")
        if k == 0:
            write_legacy_gbk(customers, LEGACY_GBK, folder / f"{LEGACY_GBK}.csv")
        else:
            write_csv(customers, folder / "customers.csv")
        write_csv(loans, folder / "loans.csv")
        write_csv(code_acceptances_table(loans, as_of), folder / "code_acceptances.csv")
        write_csv(registries_table(reg, as_of), folder / "registries.csv")
        write_csv(accounts_table(acc, cus, as_of), folder / "accounts.csv")
        write_csv(activations_table(act, as_of), folder / "service_activations.csv")
        write_csv(processes_table(proc, as_of), folder / "processes.csv")
        write_csv(activities_table(activities, as_of), folder / "activities.csv")
        write_csv(targets[int(label[:4])], folder / "targets.csv")
        write_csv(peers_table(stream(seed, f"peers{label}"), book, codes, cus, as_of), folder / "peers.csv")
        snap_dirs.append(folder)
    _tick(progress, "transactions, mandates, merchants", steps - 2, steps)
    debit = np.flatnonzero((acc.account_type == "personal_debit") & (acc.opened <= np.datetime64("2025-03-01"))
                           & np.isnat(acc.closed))
    n_ev = min(debit.size, max(int(round(EVENT_ACCOUNTS * scale)), 50))
    chosen = np.sort(stream(seed, "event-accounts").choice(debit, size=n_ev, replace=False))
    event_ids = [str(a) for a in acc.account_id[chosen].tolist()]
    events_dir = write_events(out_dir / "events", event_ids, seed=seed, end=END, months=MONTHS)
    screening = write_screening(out_dir / "screening", cus, acc, seed=seed, scale=scale, end=END)
    manifest = DemoManifest(
        out_dir=out_dir, seed=seed, scale=scale, month_ends=tuple(date.fromisoformat(str(d)) for d in dates_),
        branches=len(tree), customers=customers_last, loans=tuple(loan_rows), snapshot_dirs=tuple(snap_dirs),
        events_dir=events_dir, event_accounts=len(event_ids), planted=PLANTED,
        screening_dir=screening.folder, screening_requests=screening.requests,
    )
    (out_dir / "README.txt").write_text(readme.render(manifest), encoding="utf-8")
    _tick(progress, "done", steps, steps)
    return manifest
