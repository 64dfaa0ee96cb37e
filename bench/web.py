"""Bounded loopback load test of ``wupian serve``: N concurrent users (httpx asyncio), each with its own session,
alternating the cockpit's API call (``/api/indicators`` with the cockpit's indicator ids for one branch) and the
cockpit page (``/``) over the branches of the bank; p50/p95/p99 per kind, errors, throughput.

Goal (issue 13): cockpit API p95 < 200 ms and page p95 < 500 ms with 20 concurrent users on the demo bank.

    python bench/web.py --db wupian.duckdb [--users 20] [--seconds 30] [--max-requests 6000] [--out bench/results/web.md]

The server runs in its own process (``wupian serve`` on 127.0.0.1 and a free port) with a throw-away operational
store and one bench user with a random password. Every request goes to loopback; the run stops by itself after
``--seconds`` or ``--max-requests``. A warm pass over every branch (one request of each kind, sequential) comes
first and is reported separately: answers are cached per published copy, so the warm pass is what the first
visitor of each branch after a month-end load waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wupian.api import branch_tree, latest_as_of, open_warehouse  # noqa: E402
from wupian.ops import OpsStore  # noqa: E402
from wupian.web.cockpit import CATEGORIES, COLUMNS, REFERENCE  # noqa: E402

COCKPIT_IDS = [f"{s}.{m}" for s, _ in (*CATEGORIES, REFERENCE) for m, _, _ in COLUMNS]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def login(client: httpx.AsyncClient, password: str) -> None:
    r = await client.post("/api/session", json={"username": "bench", "password": password})
    r.raise_for_status()


async def one(client: httpx.AsyncClient, kind: str, branch: str, as_of: str) -> tuple[str, float, int]:
    start = time.perf_counter()
    if kind == "api":
        r = await client.get("/api/indicators", params={"as_of": as_of, "branch": branch, "id": COCKPIT_IDS})
    else:
        r = await client.get("/", params={"as_of": as_of, "branch": branch})
    return kind, (time.perf_counter() - start) * 1000, r.status_code


async def run(base: str, password: str, branches: list[str], as_of: str, users: int, seconds: float,
              max_requests: int) -> tuple[dict[str, list[float]], int, int, float, dict[str, list[float]]]:
    limits = httpx.Limits(max_connections=users + 2)
    warm: dict[str, list[float]] = {"api": [], "page": []}
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as c:
        await login(c, password)
        for b in branches:
            for kind in ("api", "page"):
                k, ms, status = await one(c, kind, b, as_of)
                if status != 200:
                    raise SystemExit(f"warm-up {kind} request for branch {b} answered {status}; not measuring")
                warm[k].append(ms)
    times: dict[str, list[float]] = {"api": [], "page": []}
    errors = 0
    sent = 0
    deadline = time.monotonic() + seconds
    rng = random.Random(13)

    async def user(n: int) -> None:
        nonlocal errors, sent
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
            await login(c, password)
            while time.monotonic() < deadline and sent < max_requests:
                sent += 1
                kind = "api" if rng.random() < 0.5 else "page"
                k, ms, status = await one(c, kind, rng.choice(branches), as_of)
                if status != 200:
                    errors += 1
                times[k].append(ms)

    start = time.monotonic()
    await asyncio.gather(*(user(n) for n in range(users)))
    return times, errors, sent, time.monotonic() - start, warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--max-requests", type=int, default=6000)
    ap.add_argument("--branches", type=int, default=40, help="Branches sampled (root, cities, outlets).")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with open_warehouse(args.db, read_only=True) as wh:
        day = latest_as_of(wh)
        tree = branch_tree(wh, day)
        loans = wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [day])
        months = len(wh.snapshot_dates())
    root = next(n["branch_id"] for n in tree if not n["parent_id"])
    others = [n["branch_id"] for n in tree if n["parent_id"]]
    branches = [root, *random.Random(5).sample(others, min(args.branches - 1, len(others)))]
    work = Path(tempfile.mkdtemp(prefix="wupian-bench-web-"))
    password = secrets.token_urlsafe(16)
    store = OpsStore.open(str(work / "ops.sqlite"))
    store.add_user("bench", ["analyst"], root, password)
    store.close()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-c", "from wupian.cli.main import main; main()", "serve", "--db",
                               args.db, "--ops-db", str(work / "ops.sqlite"), "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() - started > 1800:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        startup = time.monotonic() - started
        load_before = os.getloadavg()
        times, errors, sent, wall, warm = asyncio.run(run(base, password, branches, day.isoformat(), args.users,
                                                          args.seconds, args.max_requests))
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=60)
    rows = []
    for kind, label, goal in (("api", "cockpit API `/api/indicators`", 200), ("page", "cockpit page `/`", 500)):
        t = times[kind]
        p95 = pct(t, 0.95)
        rows.append(f"| {label} | {len(t)} | {statistics.median(t):.0f} | {p95:.0f} | {pct(t, 0.99):.0f} | "
                    f"{max(t):.0f} | {goal} | {'met' if p95 < goal else 'NOT met'} |")
    warm_rows = [f"| {k} | {len(v)} | {statistics.median(v):.0f} | {pct(v, 0.95):.0f} | {max(v):.0f} |"
                 for k, v in warm.items()]
    text = f"""## Web app under load (`bench/web.py`)

Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC on {platform.node()} ({os.cpu_count()} cores), warehouse
`{args.db}`: {months} month-ends, {loans:,} loans at {day}. Load average before/after the measured phase:
{load_before[0]:.1f} / {load_after[0]:.1f} (the machine was shared with other work; 8 helpers on 2 cores).
Server start (first publication of the warehouse copy, classification of missing month-ends): {startup:.0f} s.

Command: `python bench/web.py --db {args.db} --users {args.users} --seconds {args.seconds:g}`
— {args.users} concurrent users (httpx asyncio, one session each), {len(branches)} branches (root + sample), half
API / half page, {sent} requests in {wall:.1f} s ({sent / wall:.0f} req/s), **{errors} errors**.

| request | n | p50 ms | p95 ms | p99 ms | max ms | goal p95 ms | verdict |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Warm-up pass first (sequential, one request of each kind per branch; the first visitor of a branch after a new
copy is published computes its figures, later ones read them from the per-copy cache):

| kind | n | p50 ms | p95 ms | max ms |
|---|---|---|---|---|
{chr(10).join(warm_rows)}
"""
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
