"""Measured quality of the detector against planted ground truth (``recurring_truth.csv`` of the demo bank).

A detected stream matches a true one when both are on the same account with the same payee key and
overlapping dates; when several could match (two streams to one payee) the closest typical amount wins,
one-to-one. Reported: overall precision/recall, strict per cadence (the cadence must agree too), per amount
pattern (recall by the true pattern, precision by the detected one), per kind, and label accuracies.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from wupian.monitor.recurring.cadence import CADENCE_NAMES


@dataclass(frozen=True, slots=True)
class Score:
    """Precision and recall for one slice."""

    slice: str
    truth: int
    detected: int
    matched_truth: int
    matched_detected: int

    @property
    def recall(self) -> float | None:
        return self.matched_truth / self.truth if self.truth else None

    @property
    def precision(self) -> float | None:
        return self.matched_detected / self.detected if self.detected else None


@dataclass(frozen=True, slots=True)
class QualityReport:
    overall: Score
    by_cadence: tuple[Score, ...]
    by_pattern: tuple[Score, ...]
    by_kind: tuple[Score, ...]
    cadence_accuracy: float
    pattern_accuracy: float
    status_accuracy: float

    def to_markdown(self) -> str:
        def fmt(x: float | None) -> str:
            return "—" if x is None else f"{x:.3f}"

        lines = ["| slice | truth | detected | recall | precision |", "|---|---:|---:|---:|---:|"]
        for s in (self.overall, *self.by_cadence, *self.by_pattern, *self.by_kind):
            lines.append(f"| {s.slice} | {s.truth} | {s.detected} | {fmt(s.recall)} | {fmt(s.precision)} |")
        lines.append("")
        lines.append(
            f"Label accuracy on matched streams: cadence {self.cadence_accuracy:.3f}, "
            f"amount pattern {self.pattern_accuracy:.3f}, status {self.status_accuracy:.3f}."
        )
        return "\n".join(lines)


def read_truth(path: Path) -> pa.Table:
    """``recurring_truth.csv`` with its columns typed."""
    types = {"typical_amount": pa.decimal128(38, 2), "occurrences": pa.int64(), "first_date": pa.date32(),
             "last_date": pa.date32(), "account_id": pa.string(), "mandate_id": pa.string(),
             "merchant_id": pa.string(), "counterparty_account": pa.string()}
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))


def _closeness(a: Decimal, b: Decimal) -> float:
    if a <= 0 or b <= 0:
        return math.inf
    return abs(math.log(float(a) / float(b)))


def match(detected: list[dict[str, Any]], truth: list[dict[str, Any]]) -> dict[int, int]:
    """detected index → truth index, one-to-one."""
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for ti, t in enumerate(truth):
        by_key[(t["account_id"], t["payee_key"])].append(ti)
    pairs: list[tuple[float, int, int]] = []
    for di, d in enumerate(detected):
        for ti in by_key.get((d["account_id"], d["payee_key"]), ()):
            t = truth[ti]
            if d["first_date"] <= t["last_date"] and t["first_date"] <= d["last_date"]:
                pairs.append((_closeness(d["typical_amount"], t["typical_amount"]), di, ti))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, di, ti in sorted(pairs):
        if di not in out and ti not in used:
            out[di] = ti
            used.add(ti)
    return out


def evaluate(detected_table: pa.Table, truth_table: pa.Table) -> QualityReport:
    """Compare the detector's batch output with the planted truth."""
    detected = detected_table.select(
        ["account_id", "payee_key", "cadence", "amount_pattern", "status", "typical_amount", "first_date",
         "last_date"]).to_pylist()
    truth = truth_table.to_pylist()
    m = match(detected, truth)
    truth_hit = {ti: di for di, ti in m.items()}

    def score(name: str, t_sel: list[int], d_sel: list[int], strict: str | None = None) -> Score:
        mt = sum(1 for ti in t_sel if ti in truth_hit
                 and (strict is None or detected[truth_hit[ti]][strict] == truth[ti][strict]))
        md = sum(1 for di in d_sel if di in m and (strict is None or truth[m[di]][strict] == detected[di][strict]))
        return Score(name, len(t_sel), len(d_sel), mt, md)

    all_t, all_d = list(range(len(truth))), list(range(len(detected)))
    by_cadence = tuple(
        score(f"cadence={c}", [i for i in all_t if truth[i]["cadence"] == c],
              [i for i in all_d if detected[i]["cadence"] == c], strict="cadence")
        for c in CADENCE_NAMES)
    patterns = ("fixed", "near_fixed", "variable")
    by_pattern = tuple(
        score(f"pattern={p}", [i for i in all_t if truth[i]["amount_pattern"] == p],
              [i for i in all_d if detected[i]["amount_pattern"] == p])
        for p in patterns)
    kinds = sorted({t["kind"] for t in truth})
    by_kind = tuple(score(f"kind={k}", [i for i in all_t if truth[i]["kind"] == k], []) for k in kinds)

    def accuracy(field: str) -> float:
        return sum(detected[di][field] == truth[ti][field] for di, ti in m.items()) / len(m) if m else 0.0

    return QualityReport(
        overall=score("overall", all_t, all_d),
        by_cadence=tuple(s for s in by_cadence if s.truth or s.detected),
        by_pattern=by_pattern,
        by_kind=by_kind,
        cadence_accuracy=accuracy("cadence"),
        pattern_accuracy=accuracy("amount_pattern"),
        status_accuracy=accuracy("status"),
    )
