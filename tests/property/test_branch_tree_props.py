"""Property: any branch tree a bank may send (hypothesis draws the parent of every branch), through
``wupian load`` (``main()``):

* a proper tree (one head office, no cycle) loads with exit 0, and ``branch_closure`` holds exactly every
  (ancestor, descendant, depth) pair of the tree, the depth-0 self rows included;
* two heads, none, or a cycle: exit 1, nothing of the date is loaded, and the message names what is wrong —
  each cycle as its branches in order (``B → C → D → B``), the heads by their ids.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.cli_run import run
from wupian.api import open_warehouse

AS_OF = "2026-03-31"


def _names(n: int) -> list[str]:
    return [f"B{i:02d}" for i in range(n)]


@st.composite
def trees(draw: st.DrawFn) -> list[int | None]:
    """parent index (or None for a head office) of each of 1–9 branches; mostly proper trees, some broken."""
    n = draw(st.integers(1, 9))
    if draw(st.booleans()):  # a proper tree: every branch but the first hangs under an earlier one, then shuffle
        parents: list[int | None] = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
        order = draw(st.permutations(range(n)))
        where = {old: new for new, old in enumerate(order)}
        out: list[int | None] = [None] * n
        for old, p in enumerate(parents):
            out[where[old]] = None if p is None else where[p]
        return out
    return [draw(st.none() | st.integers(0, n - 1)) for _ in range(n)]


def _cycles(parents: list[int | None]) -> list[set[int]]:
    found: list[set[int]] = []
    for start in range(len(parents)):
        seen: list[int] = []
        node: int | None = start
        while node is not None and node not in seen:
            seen.append(node)
            node = parents[node]
        if node is not None:
            cycle = set(seen[seen.index(node):])
            if cycle not in found:
                found.append(cycle)
    return found


def _closure(parents: list[int | None]) -> set[tuple[str, str, int]]:
    names = _names(len(parents))
    out = set()
    for d in range(len(parents)):
        node: int | None = d
        depth = 0
        while node is not None:
            out.add((names[node], names[d], depth))
            node, depth = parents[node], depth + 1
    return out


def _write(folder: Path, parents: list[int | None]) -> None:
    names = _names(len(parents))
    folder.mkdir()
    (folder / "branches.csv").write_text("branch_id,name,parent_id\n" + "".join(
        f"{b},机构{b},{'' if p is None else names[p]}\n" for b, p in zip(names, parents, strict=True)),
        encoding="utf-8")
    (folder / "customers.csv").write_text("customer_id,name,customer_type\nK1,甲,individual\n", encoding="utf-8")
    (folder / "loans.csv").write_text(
        "loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
        f"interest_rate,five_class\nL1,K1,{names[-1]},personal,2024-01-01,100.00,2029-01-01,50.00,3.5,normal\n",
        encoding="utf-8")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(trees())
def test_a_tree_loads_with_its_closure_and_a_broken_one_loads_nothing(capsys: pytest.CaptureFixture[str],
                                                                      parents: list[int | None]) -> None:
    names = _names(len(parents))
    heads = [names[i] for i, p in enumerate(parents) if p is None]
    cycles = _cycles(parents)
    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "snap", str(Path(tmp) / "w.duckdb")
        _write(folder, parents)
        code, out, err = run(["--db", db, "load", str(folder), "--as-of", AS_OF], capsys)
        said = " ".join((out + err).split())
        with open_warehouse(db, read_only=True) as wh:
            dates = wh.snapshot_dates()
            closure = {(r["ancestor_id"], r["descendant_id"], r["depth"]) for r in wh.rows(
                "SELECT ancestor_id, descendant_id, depth FROM branch_closure WHERE as_of = CAST(? AS DATE)",
                [AS_OF])}
    if len(heads) == 1 and not cycles:
        assert code == 0, said
        assert closure == _closure(parents)
        return
    assert code == 1, (parents, said)
    assert not dates and not closure, parents  # nothing of the date
    assert "nothing was loaded" in said
    if len(heads) != 1:
        assert "WP-LOAD-024" in said and f"got {len(heads)}" in said, said
        assert all(h in said for h in heads)
    for cycle in cycles:
        assert "WP-LOAD-025" in said
        assert any(set(path.split(" → ")) == {names[i] for i in cycle} for path in _paths(said)), (cycle, said)


def _paths(text: str) -> list[str]:
    """The cycles printed as ``A → B → … → A``, without the repeated first branch."""
    out = []
    for part in text.split("cycle: ")[1:]:
        path = part.split(" (")[0].strip()
        out.append(" → ".join(path.split(" → ")[:-1]))
    return out
