"""The branch tree of one snapshot: structural checks and the (ancestor, descendant, depth) closure.

Checks (all set-based, recursive CTEs): every parent exists, exactly one root, no cycles. A broken tree is a
structural ERROR — no subtree figure could be trusted — so a load stops and leaves the warehouse untouched.
The closure includes depth-0 self rows, so "this subtree" is ``WHERE ancestor_id = ?`` for any branch.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue


def check_tree(con: duckdb.DuckDBPyConnection, as_of: dt.date, file_label: str) -> tuple[Issue, ...]:
    """Structural issues of the branches loaded for ``as_of`` (empty tuple when the tree is sound)."""
    issues: list[Issue] = []
    orphans = con.execute(
        "SELECT b.branch_id, b.parent_id FROM branches b WHERE b.as_of = ? AND b.parent_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM branches p WHERE p.as_of = b.as_of AND p.branch_id = b.parent_id) "
        "ORDER BY b.branch_id",
        [as_of],
    ).fetchall()
    for branch_id, parent_id in orphans:
        issues.append(
            make_issue(
                "WP-LOAD-026",
                f"parent_id {parent_id} of branch {branch_id} is not a loaded branch",
                file=file_label,
                key=f"branch_id={branch_id}",
                column="parent_id",
                suggestion="add the parent branch, fix the id, or see its own rejected row",
            )
        )
    roots = [
        r[0]
        for r in con.execute(
            "SELECT branch_id FROM branches WHERE as_of = ? AND parent_id IS NULL ORDER BY branch_id", [as_of]
        ).fetchall()
    ]
    if len(roots) != 1:
        shown = ", ".join(roots[:10]) + (" …" if len(roots) > 10 else "")
        issues.append(
            make_issue(
                "WP-LOAD-024",
                f"expected exactly one root branch (blank parent_id), got {len(roots)}" + (f": {shown}" if roots else ""),
                file=file_label,
                column="parent_id",
                suggestion="give every branch but the head office a parent",
            )
        )
    cycles = con.execute(
        """
        WITH RECURSIVE reach(branch_id) AS (
            SELECT branch_id FROM branches WHERE as_of = $1 AND parent_id IS NULL
            UNION
            SELECT b.branch_id FROM branches b JOIN reach r ON b.parent_id = r.branch_id WHERE b.as_of = $1
        ),
        stuck AS (
            SELECT branch_id, parent_id FROM branches b WHERE as_of = $1
              AND NOT EXISTS (SELECT 1 FROM reach r WHERE r.branch_id = b.branch_id)
              AND EXISTS (SELECT 1 FROM branches p WHERE p.as_of = $1 AND p.branch_id = b.parent_id)
        ),
        walk(start, node, path) AS (
            SELECT branch_id, parent_id, [branch_id] FROM stuck
            UNION ALL
            SELECT w.start, s.parent_id, list_append(w.path, w.node)
            FROM walk w JOIN stuck s ON s.branch_id = w.node
            WHERE NOT list_contains(w.path, w.node)
        )
        SELECT DISTINCT list_sort(list_slice(path, list_position(path, node), len(path))) AS members,
               list_append(list_slice(path, list_position(path, node), len(path)), node) AS loop
        FROM walk WHERE list_contains(path, node)
        """,
        [as_of],
    ).fetchall()
    # The walk meets each cycle once per member (one rotation per start), in no set order: the message gives the
    # rotation that starts at the member listed first in the branches file, so two loads of one file say the same.
    first = {b: n for n, (b,) in enumerate(con.execute(
        "SELECT branch_id FROM branches WHERE as_of = ? ORDER BY rowid", [as_of]).fetchall())} if cycles else {}
    seen: set[tuple[str, ...]] = set()
    for members, loop in sorted(cycles, key=lambda r: (r[0], first.get(r[1][0], len(first)), r[1])):
        if tuple(members) in seen:
            continue
        seen.add(tuple(members))
        issues.append(
            make_issue(
                "WP-LOAD-025",
                f"branches form a cycle: {' → '.join(loop)}",
                file=file_label,
                key=f"branch_id={loop[0]}",
                column="parent_id",
                suggestion="one of these branches must have a different parent",
            )
        )
    return tuple(issues)


def build_closure(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> int:
    """Replace ``branch_closure`` rows of ``as_of`` from the (sound) tree; return the number of pairs."""
    con.execute("DELETE FROM branch_closure WHERE as_of = ?", [as_of])
    con.execute(
        """
        INSERT INTO branch_closure
        WITH RECURSIVE c(ancestor_id, descendant_id, depth) AS (
            SELECT branch_id, branch_id, 0 FROM branches WHERE as_of = $1
            UNION ALL
            SELECT c.ancestor_id, b.branch_id, c.depth + 1
            FROM c JOIN branches b ON b.parent_id = c.descendant_id AND b.as_of = $1
            WHERE c.depth < 64
        )
        SELECT CAST($1 AS DATE), ancestor_id, descendant_id, depth FROM c
        """,
        [as_of],
    )
    return int(con.execute("SELECT count(*) FROM branch_closure WHERE as_of = ?", [as_of]).fetchone()[0])  # type: ignore[index]
