"""Property (issue 9 §1): for any sequence of loads (of randomly altered small snapshots, several dates) and reads,
every figure read equals a fresh computation from the current data in a new warehouse."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.lineage_bank import Row, altered_copy, clear_green, demo_folders, double_balance
from wupian.api import compute_indicators, load_snapshot, open_warehouse
from wupian.engine.warehouse import Warehouse

DATES = (date(2025, 12, 31), date(2026, 1, 31), date(2026, 3, 31))
PROFILES = ("pboc_2025", "nfra_1104_2025")


def _sample(row: Row) -> Row | None:
    """About one loan in sixteen (by loan id, so the same loans every month): a small bank."""
    return row if zlib.crc32(row["loan_id"].encode()) % 16 == 0 else None


def _drop_half(row: Row) -> Row | None:
    return row if zlib.crc32(row["loan_id"].encode()) % 32 == 0 else None


VARIANTS: dict[str, Callable[[Row], Row | None]] = {
    "base": lambda r: r,
    "no_green": clear_green,
    "double": double_balance,
    "fewer": _drop_half,
}

UNUSED = ("accounts", "activities", "processes", "service_activations")  # not read by loan figures: faster loads
_WORK = Path(tempfile.mkdtemp(prefix="wupian-lineage-props-"))
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)
_FOLDERS: dict[tuple[date, str], Path] = {}
_FRESH: dict[tuple[frozenset[tuple[date, str]], date, str], list[tuple[str, str, object, object]]] = {}


def _folder(day: date, variant: str) -> Path:
    if not _FOLDERS:
        demo = demo_folders(_WORK / "bank")
        for d in DATES:
            small = altered_copy(demo[d], _WORK / f"{d}-small", _sample)
            for extra in UNUSED:
                (small / f"{extra}.csv").unlink(missing_ok=True)
            for name, change in VARIANTS.items():
                _FOLDERS[(d, name)] = altered_copy(small, _WORK / f"{d}-{name}", change)
    return _FOLDERS[(day, variant)]


def _figures(wh: Warehouse, day: date, profile: str) -> list[tuple[str, str, object, object]]:
    result = compute_indicators(wh, day, profile=profile)
    return [(r.branch_id, r.indicator_id, r.value, r.unavailable_reason) for r in result.rows]


load_step = st.tuples(st.sampled_from(DATES), st.sampled_from(sorted(VARIANTS)))
read_step = st.tuples(st.sampled_from(DATES), st.sampled_from(PROFILES))
first_loads = st.lists(st.sampled_from(DATES), min_size=1, max_size=3, unique=True)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first_loads, st.lists(st.tuples(read_step, load_step, read_step), min_size=1, max_size=2))
def test_every_figure_read_equals_a_fresh_computation(
    first: list[date], steps: list[tuple[tuple[date, str], tuple[date, str], tuple[date, str]]]
) -> None:
    """A few dates loaded, then rounds of (read, load an altered snapshot, read)."""
    current: dict[date, str] = {}
    with tempfile.TemporaryDirectory() as tmp, open_warehouse(str(Path(tmp) / "w.duckdb")) as wh:

        def load(day: date, variant: str) -> None:
            load_snapshot(wh, day, _folder(day, variant))
            current[day] = variant

        def read(day: date, profile: str) -> None:
            if day not in current:
                return
            key = (frozenset(current.items()), day, profile)
            if key not in _FRESH:  # the same data gives the same figures: compute each state once
                with Warehouse(":memory:") as fresh:
                    for d, variant in sorted(current.items()):
                        load_snapshot(fresh, d, _folder(d, variant))
                    _FRESH[key] = _figures(fresh, day, profile)
            assert _figures(wh, day, profile) == _FRESH[key], (first, steps, day, profile)

        for day in first:
            load(day, "base")
        for before, (day, variant), after in steps:
            read(*before)
            load(day, variant)
            read(*after)
