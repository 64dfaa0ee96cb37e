"""SQL lives only in ``wupian.engine``, and nothing outside the engine touches a raw warehouse connection.

The source of every module outside ``src/wupian/engine`` is parsed and three things are looked for:

* SQL text in a string literal or f-string (SELECT … FROM, INSERT INTO, DELETE FROM, UPDATE … SET, CREATE/DROP
  TABLE|VIEW|…, ALTER TABLE, a WITH … AS ( CTE), docstrings excepted;
* the raw connection: any ``<expr>.con`` attribute (``wh.con``, ``self.wh.con``);
* a query through the Warehouse: ``wh.execute/arrow/rows/scalar/register/unregister(…)`` on a receiver named
  ``wh``/``warehouse`` (``wh.transaction()`` is a boundary, not a query, and stays allowed).

The few exceptions are listed with their reason; an exception that no longer applies fails too, so the list
shrinks with the code. The checker is tested on small sources, so it can be seen to fail.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import wupian

SRC = Path(wupian.__file__).parent

SQL_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\bselect\b[\s\S]*?\bfrom\s+[\w\"(]",
    r"\binsert\s+(or\s+\w+\s+)?into\b",
    r"\bdelete\s+from\b",
    r"\bupdate\s+[\w.\"]+\s+set\b",
    r"\b(create|drop)\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?"
    r"(table|view|macro|index|trigger|sequence|schema|function)\b",
    r"\balter\s+table\b",
    r"\bwith\s+\w+\s+as\s*\(",
))
QUERY_METHODS = frozenset({"execute", "arrow", "rows", "scalar", "register", "unregister", "sql"})
WAREHOUSE_NAMES = frozenset({"wh", "warehouse"})

# path (relative to src/wupian) → why it may hold SQL text outside the engine
SQL_ALLOWED = {
    "ops/migrations/versions/0001_initial.py": "the operational store's append-only triggers (SQLite and "
    "PostgreSQL DDL): SQLAlchemy Core has no trigger construct, Alembic runs the text. Not the warehouse.",
    "ops/migrations/versions/0002_cases.py": "the case history's append-only triggers, as in 0001 (SQLite and "
    "PostgreSQL DDL run by Alembic). Not the warehouse.",
}
# path → why it may use the raw connection or query the Warehouse directly
CONNECTION_ALLOWED: dict[str, str] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # the constant parts; each {…} counts as one word
        return "".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values)
    return None


def _receiver_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def sql_findings(source: str) -> list[str]:
    """Lines with SQL text in a string literal (docstrings and f-string parts included, docstrings skipped)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    out = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        text = _literal_text(node)
        if text and any(p.search(text) for p in SQL_PATTERNS):
            out.append(f"line {node.lineno}: {text.strip()[:70]!r}")
    return out


def connection_findings(source: str) -> list[str]:
    """Lines that touch ``<expr>.con`` or query a Warehouse (``wh.execute(…)`` …) directly."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "con":
            out.append(f"line {node.lineno}: raw connection .con")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS and _receiver_name(node.func.value) in WAREHOUSE_NAMES):
            out.append(f"line {node.lineno}: query through the Warehouse .{node.func.attr}()")
    return out


def outside_engine() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] != "engine")


def _scan(check: Callable[[str], list[str]]) -> dict[str, list[str]]:
    found = {}
    for path in outside_engine():
        hits = check(path.read_text(encoding="utf-8"))
        if hits:
            found[path.relative_to(SRC).as_posix()] = hits
    return found


@pytest.mark.parametrize("check, allowed, advice", [
    (sql_findings, SQL_ALLOWED, "SQL text outside wupian.engine: move the statement into an engine module of its "
                                "domain (docs/architecture.md)"),
    (connection_findings, CONNECTION_ALLOWED, "raw connection or direct Warehouse query outside wupian.engine: "
                                              "call an engine function instead"),
], ids=["sql-text", "raw-connection"])
def test_nothing_outside_the_engine(check: Callable[[str], list[str]], allowed: dict[str, str], advice: str) -> None:
    found = _scan(check)
    unexpected = {k: v for k, v in found.items() if k not in allowed}
    assert not unexpected, f"{advice}:\n{unexpected}"
    stale = sorted(set(allowed) - set(found))
    assert not stale, f"these files no longer need their exception: remove them from the allow-list: {stale}"


def test_the_scan_covers_the_packages_that_used_to_hold_sql() -> None:
    scanned = {p.relative_to(SRC).as_posix() for p in outside_engine()}
    assert {"rules/service.py", "metrics/compute.py", "reports/reconcile.py", "pipeline.py", "ingest/inventory.py",
            "monitor/screening/api.py", "monitor/screening/cases.py"} <= scanned
    assert not any(s.startswith("engine/") for s in scanned)


@pytest.mark.parametrize("source", [
    'n = wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [d])',
    'q = f"SELECT * FROM quarantine WHERE {where} ORDER BY line"',
    'q = "select id\\n  from t"',
    'wh.execute("DELETE FROM x WHERE a = ?")',
    'sql = "INSERT INTO snapshots VALUES (?)"',
    'sql = "UPDATE screening_cases SET band = ?"',
    'sql = "CREATE OR REPLACE TEMP TABLE t AS SELECT 1"',
    'sql = "WITH last AS (SELECT 1) SELECT 2"',
    'sql = "ALTER TABLE a ADD COLUMN b INT"',
])
def test_the_sql_check_finds_statements(source: str) -> None:
    assert sql_findings(source)


@pytest.mark.parametrize("source", [
    '"""Select the loans from one branch: SELECT … FROM in a docstring is prose."""',
    'help_text = "Select a branch."',
    'UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})',
    'rows = table.select(["a", "b"]).to_pylist()',
    'msg = "list at most N rows from the file"',
])
def test_the_sql_check_passes_prose_and_dataframe_code(source: str) -> None:
    assert not sql_findings(source)


@pytest.mark.parametrize("source, found", [
    ("score(wh.con, model)", True),
    ("sql.insert_case(self.wh.con, case_id)", True),
    ("n = wh.scalar(Q, [d])", True),
    ("t = self.warehouse.arrow(Q)", True),
    ("wh.register('t', table)", True),
    ("with wh.transaction():\n    pass", False),
    ("score(wh, model)", False),
    ("con.execute(select(users))", False),  # the operational store's SQLAlchemy connection
])
def test_the_connection_check(source: str, found: bool) -> None:
    assert bool(connection_findings(source)) is found
