"""Assemble BENCHMARKS.md from the per-benchmark result files under bench/results/.

Each benchmark writes its measured figures (machine, command, date, numbers, honest assessment) to
``bench/results/<name>.md``; this script puts them together in a fixed order behind a short index, so the
numbers in BENCHMARKS.md are always the ones a benchmark run produced. Usage: ``python bench/collect.py``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ORDER = ("core", "profile", "load", "demo", "classify", "indicators", "recurring_run", "recurring", "screening",
         "attest", "web", "spark")
TITLES = {
    "spark": "The same engine SQL on Spark (local master) vs DuckDB (issue 12)",
    "web": "Web app under load: 20 users on loopback (issue 13)",
    "screening": "Counter anti-fraud screening: quality on planted truth, teller latency, batch (issue 11)",
    "core": "Core pipeline vs the shared yardstick (issue 14)",
    "profile": "Where the core pipeline's time goes: profile (issue 14)",
    "load": "Checked snapshot load vs DuckDB's bare read (issue 2)",
    "demo": "`wupian demo` end to end (issue 2)",
    "classify": "Classification vs hand-written SQL (issue 3)",
    "indicators": "Indicators vs hand-written SQL and pandas (issue 4)",
    "recurring_run": "Recurring batch and teller view: latest goal run (issue 14)",
    "recurring": "Recurring-debit discovery: quality and speed (issues 5, 14)",
    "attest": "Attestation log vs pymerkle (issues 6, 14; audit: issue 9)",
}

HEADER = """# Benchmarks

Measured results of the benchmarks under `bench/`, assembled by `python bench/collect.py` from
`bench/results/*.md`. Every figure was produced by running the named command on the project's machine
(2 cores, 24 GiB). Unless a section says otherwise the machine was shared with other work during the run, so
wall-clock times are inflated and noisy; the sections give CPU times and load averages where they matter,
and say plainly which goals are met and which are not.

"""


def main() -> None:
    names = [n for n in ORDER if (RESULTS / f"{n}.md").exists()]
    names += sorted(p.stem for p in RESULTS.glob("*.md") if p.stem not in ORDER)
    parts = [HEADER, "| section | file |\n|---|---|\n"]
    parts += [f"| {TITLES.get(n, n)} | `bench/results/{n}.md` |\n" for n in names]
    for n in names:
        body = (RESULTS / f"{n}.md").read_text(encoding="utf-8").strip()
        lines = body.splitlines()
        if lines and lines[0].startswith("#"):
            lines = lines[1:]
        parts.append(f"\n---\n\n## {TITLES.get(n, n)}\n\n" + "\n".join(lines).strip() + "\n")
    (ROOT / "BENCHMARKS.md").write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
