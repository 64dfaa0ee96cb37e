"""Profile one wupian CLI command statement by statement: DuckDB's JSON profile of every SQL statement it runs.

Runs ``wupian <args>`` in this process with ``duckdb.connect`` wrapped so that every connection has DuckDB
profiling on (``enable_profiling='json'``) and each statement writes its own profile file. Prints (and with
``--out`` writes as Markdown) the statements by latency with their share of the command's wall time, and for
the heaviest ones the operators that took the time. Python-side time (imports, loops, string building) is
what the statements do not cover; use ``py-spy record`` on the same command for that.

Usage: ``python bench/profile_core.py --top 15 --out bench/results/profile-load.md -- --db W load DIR --as-of D``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

_real_connect = duckdb.connect
_WRAP = ("execute", "executemany", "sql", "query")


class _Profiled:
    """A DuckDB connection that gives every statement its own JSON profile file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, folder: Path, log: list[dict[str, Any]]) -> None:
        self._con, self._folder, self._log = con, folder, log
        con.execute("PRAGMA enable_profiling='json'")
        con.execute("SET profiling_mode='detailed'")

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._con, name)
        if name not in _WRAP:
            return attr

        def run(sql: Any, *args: Any, **kw: Any) -> Any:
            path = self._folder / f"{len(self._log):05d}.json"
            self._con.execute(f"SET profiling_output='{path}'")
            t0, c0 = time.perf_counter(), _cpu()
            result = attr(sql, *args, **kw)
            self._log.append({"sql": str(sql), "wall": time.perf_counter() - t0, "cpu": _cpu() - c0,
                              "file": str(path)})
            return self if result is self._con else result

        return run

    def __enter__(self) -> _Profiled:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


def _cpu() -> float:
    """User + system CPU seconds of this process, every thread (DuckDB's workers) included."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _operators(node: dict[str, Any], out: list[tuple[float, str]]) -> None:
    name = node.get("operator_name") or node.get("operator_type") or ""
    if name:
        extra = node.get("extra_info") or {}
        label = name.strip()
        if isinstance(extra, dict):
            for key in ("Table", "Join Type", "Conditions", "Groups", "Aggregates", "Function"):
                if key in extra:
                    label += f" {key}={str(extra[key])[:60]}"
        out.append((float(node.get("operator_timing", 0.0)), label))
    for child in node.get("children", []):
        _operators(child, out)


def _short(sql: str, width: int = 110) -> str:
    text = re.sub(r"\s+", " ", sql).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--ops", type=int, default=4, help="operators shown per top statement")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--title", default="")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    folder = Path(tempfile.mkdtemp(prefix="wupian-prof-"))
    log: list[dict[str, Any]] = []
    duckdb.connect = lambda *a, **kw: _Profiled(_real_connect(*a, **kw), folder, log)  # type: ignore[assignment]
    t_import = time.perf_counter()
    from wupian.cli.main import main as wupian_main

    t0, c0 = time.perf_counter(), _cpu()
    code = 0
    sys.argv = ["wupian", *args]
    try:
        wupian_main()
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    total, total_cpu = time.perf_counter() - t0, _cpu() - c0
    rows = []
    for entry in log:
        latency, ops = entry["wall"], []
        if os.path.exists(entry["file"]):
            prof = json.loads(Path(entry["file"]).read_text())
            latency = float(prof.get("latency", latency) or latency)
            for child in prof.get("children", []):
                _operators(child, ops)
        rows.append((entry["wall"], entry["cpu"], entry["sql"], sorted(ops, reverse=True)[: ns.ops]))
    in_sql = sum(r[0] for r in rows)
    in_sql_cpu = sum(r[1] for r in rows)
    lines = [f"### {ns.title or 'wupian ' + ' '.join(args)}", "",
             f"Exit {code}; imports {t0 - t_import:.2f} s; command {total:.2f} s wall, of which "
             f"{in_sql:.2f} s in {len(rows)} SQL statements and {total - in_sql:.2f} s in Python around them; "
             f"CPU (user+sys, all threads) {total_cpu:.2f} s, of which {in_sql_cpu:.2f} s in the statements. "
             f"Load average {os.getloadavg()[0]:.2f}. Ranked by CPU time (steadier than wall on a shared machine).",
             "",
             "| # | CPU s | CPU share | wall s | statement (first 110 chars) | heaviest operators (s, summed over threads) |",
             "|---:|---:|---:|---:|---|---|"]
    ranked = sorted(enumerate(rows), key=lambda x: -x[1][1])[: ns.top]
    for i, (wall, cpu, sql, ops) in ranked:
        op_text = "; ".join(f"{label[:70]} {t:.2f}" for t, label in ops if t >= 0.01) or "–"
        lines.append(f"| {i} | {cpu:.2f} | {cpu / max(total_cpu, 1e-9):.0%} | {wall:.2f} | "
                     f"`{_short(sql).replace('|', '/')}` | {op_text.replace('|', '/')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if ns.out:
        with ns.out.open("a", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
