"""A timeline of one ``wupian month-end``: when each step ran, on which thread, and how many of the process's threads
were runnable every ≈ 50 ms — where fewer cores than the machine has were busy, and for how long.

Runs ``wupian month-end`` as the console script would (``wupian.cli.main.main()`` as the process's entry point:
the system Arrow pool, the same ending) in a child process on a copy of a loaded warehouse. A sampler thread in the
child reads, every ``--every`` seconds, the process's CPU time (``/proc/self/stat``) and each thread's time on a
core and waiting for one (``/proc/self/task/*/schedstat``, ns); wrappers log the start and end of the imports, the
classifications, the indicators, every report phase (with its lane) and each ``SET threads`` of ``CoreShare``.
The parent notes when the process ended (the teardown after the last exit handler).

Per sample, "runnable" is the threads' (on a core + waiting) time over the interval: on a loaded machine a thread
waiting for a core counts as work, so the figure is what the run asked of the cores, not what it got. "Idle core s"
sums max(0, cores − runnable) × interval: the wall a perfectly filled machine would not have spent.

Usage: ``python bench/timeline_month_end.py WAREHOUSE [--workdir DIR] [--src SRC] [--every 0.05]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

USCC = "91110000100000000X"
AS_OF = "2026-03-31"
# modules whose import is logged as a step (the nesting shows in the start times)
# (module, function) logged as steps besides the phases: the classification's own steps
STEPS = (("wupian.rules.service", "_issues"), ("wupian.rules.service", "rulebook"), ("wupian.rules.service", "plan_for"),
         ("wupian.rules.service", "check_counts"), ("wupian.engine.classify", "run_plans"),
         ("wupian.engine.classify", "tag_counts"), ("wupian.engine.classify", "drop_work_tables"),
         ("wupian.pipeline", "dates_to_classify"), ("wupian.reports.run", "root_branch"),
         ("wupian.cli.context", "open_warehouse"), ("wupian.cli.case_store", "export_to_warehouse"))
IMPORTS = ("duckdb", "pyarrow", "numpy", "typer", "xlsxwriter", "docx", "PIL", "PIL.Image", "wupian.pipeline",
           "wupian.reports.run", "wupian.reports.workbook", "wupian.reports.briefing", "wupian.reports.pboc",
           "wupian.rules", "wupian.api", "wupian.cli.app")


def child(out: Path, every: float, argv: list[str]) -> None:
    import atexit
    import threading

    t_start = time.monotonic()
    events: list[tuple[float, int, str, str]] = []  # (t, native thread id, label, "B" | "E" | "I")
    samples: list[tuple[float, float, dict[int, tuple[int, int]]]] = []
    names: dict[int, str] = {}
    tick = os.sysconf("SC_CLK_TCK")
    running = [True]

    def log(label: str, kind: str) -> None:
        events.append((time.monotonic(), threading.get_native_id(), label, kind))

    def sample() -> None:
        with open("/proc/self/stat") as fh:
            f = fh.read().rsplit(")", 1)[1].split()
        cpu = (int(f[11]) + int(f[12])) / tick
        tasks: dict[int, tuple[int, int]] = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/schedstat") as fh:
                    run, wait, _ = fh.read().split()
                tasks[int(tid)] = (int(run), int(wait))
            except (OSError, ValueError):
                continue
        samples.append((time.monotonic(), cpu, tasks))

    def sampler() -> None:
        me = threading.get_native_id()
        names[me] = "sampler"
        while running[0]:
            sample()
            for t in threading.enumerate():
                if t.native_id is not None and t.native_id not in names:
                    names[t.native_id] = t.name
            time.sleep(every)

    def dump() -> None:  # the first exit handler registered: the last to run
        log("last atexit handler", "I")
        running[0] = False
        sample()
        names[threading.main_thread().native_id] = "main"
        out.write_text(json.dumps({"start": t_start, "events": events, "samples": samples,
                                   "names": {str(k): v for k, v in names.items()}}))

    atexit.register(dump)
    threading.Thread(target=sampler, name="sampler", daemon=True).start()

    import functools
    import importlib.abc
    import importlib.machinery

    def wrap(mod: object, name: str, label: object) -> None:
        fn = getattr(mod, name)

        @functools.wraps(fn)
        def wrapper(*a: object, **k: object) -> object:
            text = label(*a, **k) if callable(label) else str(label)
            log(text, "B")
            try:
                return fn(*a, **k)
            finally:
                log(text, "E")
        setattr(mod, name, wrapper)

    def patch(name: str, mod: object) -> None:
        for module, fn in STEPS:
            if module == name and hasattr(mod, fn):
                wrap(mod, fn, fn)
        if name == "wupian.pipeline":
            wrap(mod, "classify_snapshots", lambda wh, d, profiles, **k: f"classify {d} {'+'.join(profiles)}")
            wrap(mod, "generate_reports", "generate_reports")
            wrap(mod, "run_month_end", "run_month_end")
        elif name == "wupian.reports.run":
            wrap(mod, "ensure_fresh", "ensure_fresh")
            fn = mod._run_concurrently

            def concurrently(wh, phases, prepare, *a, **k):  # noqa: ANN001, ANN202
                def named(label, f):  # noqa: ANN001, ANN202
                    if hasattr(f, "first"):  # a phase started before the indicators (reports.run._Started)
                        return type(f)(lambda wh: named(label, named(f"{label} (first part)", f.first)(wh)))

                    def g(*x):  # noqa: ANN002, ANN202
                        log(label, "B")
                        try:
                            return f(*x)
                        finally:
                            log(label, "E")
                    return g
                return fn(wh, [(n, named(n, f)) for n, f in phases], named("prepare (indicators)", prepare), *a, **k)
            mod._run_concurrently = concurrently
            for sub in ("compute_indicators", "_nfra_balances", "_sibling_count", "write_pboc_findings",
                        "self_check_findings", "compute_tables", "write_nfra_xlsx", "reconcile_parts", "reconcile_reads",
                        "figure_issues", "keep"):
                if hasattr(mod, sub):
                    wrap(mod, sub, sub)
        elif name == "wupian.reports.workbook":
            wrap(mod, "write_workbook", "write_workbook")
        elif name == "wupian.reports.briefing":
            wrap(mod, "write_briefing", "write_briefing")
        elif name == "wupian.engine.core_share":
            move = mod.CoreShare._move

            def _move(self, on, step):  # noqa: ANN001, ANN202
                before = self._single
                move(self, on, step)
                if self._single != before:
                    log(f"SET threads = {1 if self._single else self._threads}", "I")
            mod.CoreShare._move = _move
        elif name == "wupian.engine.warehouse":
            pass

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201
            watched = fullname in IMPORTS or fullname in ("wupian.engine.core_share", *(m for m, _ in STEPS))
            if not watched:
                return None
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is None or spec.loader is None:
                return spec
            loader = spec.loader
            exec_module = loader.exec_module

            def run(module):  # noqa: ANN001, ANN202
                log(f"import {fullname}", "B")
                try:
                    exec_module(module)
                finally:
                    log(f"import {fullname}", "E")
                patch(fullname, module)
            loader.exec_module = run
            return spec

    sys.meta_path.insert(0, Finder())
    log("import wupian.cli.main", "B")
    from wupian.cli.main import main
    log("import wupian.cli.main", "E")
    sys.modules["__main__"].main = main  # the process's own entry point (wupian.cli.main._is_process_entry)
    sys.argv = ["wupian", *argv]
    log("main", "B")
    try:
        main()
    finally:
        log("main", "E")  # not reached when main ends with os._exit


def report(data: dict, t_spawn: float, t_end: float, cores: int, every: float) -> str:
    names = {int(k): v for k, v in data["names"].items()}
    t0 = t_spawn
    lines = [f"process: spawned 0.000, python at {data['start'] - t0:.3f}, ended {t_end - t0:.3f} s", ""]
    # steps: match B/E per (label, thread)
    open_: dict[tuple[str, int], float] = {}
    steps: list[tuple[float, float, str, str]] = []
    for t, tid, label, kind in data["events"]:
        if kind == "B":
            open_[(label, tid)] = t
        elif kind == "E":
            b = open_.pop((label, tid), None)
            if b is not None:
                steps.append((b, t, label, names.get(tid, str(tid))))
        else:
            steps.append((t, t, label, names.get(tid, str(tid))))
    steps.sort()
    lines += ["| step | thread | start s | end s | wall s |", "|---|---|---:|---:|---:|"]
    lines += [f"| {label} | {th} | {b - t0:.3f} | {e - t0:.3f} | {e - b:.3f} |" for b, e, label, th in steps]
    # samples: runnable threads and CPU per interval
    s = data["samples"]
    rows, idle_total = [], 0.0
    per_bucket: list[tuple[float, float, float, float, str]] = []
    for (ta, _, xa), (tb, _, xb) in zip(s, s[1:], strict=False):
        dt = tb - ta
        if dt <= 0:
            continue
        run = sum(xb[k][0] - xa.get(k, (0, 0))[0] for k in xb if k in xa) / 1e9 / dt
        wait = sum(xb[k][1] - xa.get(k, (0, 0))[1] for k in xb if k in xa) / 1e9 / dt
        runnable = min(run + wait, float(cores) + 4)
        busy = [names.get(int(k), str(k)) for k in xb if k in xa and (xb[k][0] - xa[k][0]) / 1e9 / dt > 0.3]
        idle = max(0.0, cores - runnable) * dt
        idle_total += idle
        # the interval's length on an idle machine: its CPU over the cores its runnable threads could use (the
        # part of it with nothing runnable — waiting on a file, a lock — stays as it was)
        est = run * dt / min(runnable, cores) if runnable >= 1 else run * dt + (1 - runnable) * dt
        per_bucket.append((ta - t0, tb - t0, run, runnable, ",".join(sorted(busy)), est))
        rows.append(idle)
    cpu_total = s[-1][1] - s[0][1]
    span = s[-1][0] - s[0][0]
    est_total = sum(b[5] for b in per_bucket)
    lines += ["", f"sampled {span:.2f} s, CPU {cpu_total:.2f} s ({cpu_total / span:.2f} cores); idle core s "
              f"(cores {cores} − runnable) {idle_total:.2f}; not sampled: start {s[0][0] - t0:.3f} s, after the last "
              f"sample {t_end - s[-1][0]:.3f} s",
              f"as on an idle machine (each interval's CPU over min(runnable, cores)): wall {est_total:.2f} s, idle "
              f"core s {cores * est_total - cpu_total:.2f}", ""]
    # idle per step window (top-level steps)
    lines += ["| window | wall s | on a core (cores) | runnable | idle core s | idle-machine wall s | "
              "idle-machine idle core s |", "|---|---:|---:|---:|---:|---:|---:|"]

    def window(a: float, b: float) -> tuple[float, float, float, float]:
        on = rn = idle = est = 0.0
        for sa, sb, run, runnable, _, e in per_bucket:
            ov = min(b, sb) - max(a, sa)
            if ov > 0:
                on += run * ov
                rn += runnable * ov
                idle += max(0.0, cores - runnable) * ov
                est += e * ov / (sb - sa)
        return on, rn, idle, est
    def at(label: str, end: bool = False, last: bool = False) -> float:
        hits = [(e if end else b) - t0 for b, e, lab, _ in steps if lab == label]
        return (max(hits) if last else min(hits)) if hits else float("nan")
    lanes = [(e - t0, lab) for b, e, lab, th in steps if th.startswith("wupian-report")
             and lab in ("reconcile", "pboc", "nfra", "workbook", "briefing")]
    lanes.sort()
    marks = [("python start → main()", data["start"] - t0, at("main")),
             ("main() → run_month_end (imports, open, checks)", at("main"), at("run_month_end")),
             ("run_month_end → generate_reports (classification)", at("run_month_end"), at("generate_reports"))]
    for b, e, label, th in steps:
        if label.startswith(("classify", "prepare")) or label in ("reconcile", "pboc", "nfra", "workbook",
                                                                      "briefing"):
            marks.append((f"{label} [{th}]", b - t0, e - t0))
    if lanes:
        marks += [("prepare end → last lane end", at("prepare (indicators)", end=True), lanes[-1][0]),
                  (f"one lane left ({lanes[-1][1]})", lanes[-2][0] if len(lanes) > 1 else lanes[-1][0], lanes[-1][0])]
    marks += [("generate_reports (all)", at("generate_reports"), at("generate_reports", end=True)),
              ("generate_reports end → last atexit handler", at("generate_reports", end=True),
               at("last atexit handler")),
              ("last atexit handler → process end (teardown, not sampled)", at("last atexit handler"), t_end - t0),
              ("whole process", 0.0, t_end - t0)]
    for label, a, b in marks:
        on, rn, idle, est = window(a, b)
        w = max(b - a, 1e-9)
        lines.append(f"| {label} | {b - a:.3f} | {on / w:.2f} | {rn / w:.2f} | {idle:.3f} | {est:.3f} | "
                     f"{cores * est - on:.3f} |")
    lines += ["", "| from s | to s | on a core | runnable | busy threads (>0.3 core) |", "|---:|---:|---:|---:|---|"]
    lines += [f"| {a:.2f} | {b:.2f} | {r:.2f} | {n:.2f} | {busy} |" for a, b, r, n, busy, _ in per_bucket]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/wupian-timeline"))
    ap.add_argument("--src", default=str(Path(__file__).resolve().parent.parent / "src"))
    ap.add_argument("--every", type=float, default=0.05)
    ap.add_argument("--json", type=Path, help="keep the raw timeline here")
    ns = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from phases_month_end import copy_warehouse

    ns.workdir.mkdir(parents=True, exist_ok=True)
    db, out, raw = ns.workdir / "tl.duckdb", ns.workdir / "out", ns.json or ns.workdir / "timeline.json"
    copy_warehouse(ns.warehouse, db)
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": ns.src}
    load = os.getloadavg()[0]
    t_spawn = time.monotonic()
    child_ = subprocess.Popen([sys.executable, __file__, "--child", str(raw), str(ns.every), "--db", str(db),
                               "month-end", "--as-of", AS_OF, "--uscc", USCC, "--out", str(out)],
                              stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child_.pid, 0)
    t_end = time.monotonic()
    print(f"exit {os.waitstatus_to_exitcode(status)}; wall {t_end - t_spawn:.2f} s CPU "
          f"{usage.ru_utime + usage.ru_stime:.2f} s; load avg {load:.1f} → {os.getloadavg()[0]:.1f}")
    print(report(json.loads(raw.read_text()), t_spawn, t_end, os.cpu_count() or 2, ns.every))


if __name__ == "__main__":
    main()
