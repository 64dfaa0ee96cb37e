"""One SQL text, two engines: the engine's SQL is written in DuckDB's dialect and transpiled here (sqlglot) to
Spark SQL, with the differences between the two engines handled as a table of rewrites (``SHIMS``).

Every rewrite keeps the DuckDB meaning exactly, or makes Spark fail loudly where it cannot (never a silently
different figure):

* ``HUGEINT`` → ``DECIMAL(38,0)`` (Spark has no 128-bit integer; both hold every value the engine makes);
* ``a // b`` (integer division) → ``a DIV b`` guarded by ``q·b + r = a`` — Spark's ``DIV`` on decimals returns a
  BIGINT that wraps silently on overflow even with ANSI on, so an overflowing quotient raises instead;
* ``list_has_any`` → ``arrays_overlap``; one-argument ``greatest(x)`` → ``x``;
* ``WITH x AS MATERIALIZED`` → ``WITH x AS`` (a planner hint only);
* ``OVER w`` with ``WINDOW w AS (…)`` → the spec written out in each OVER (Spark cannot extend a named window,
  ``OVER (w ORDER BY …)``, and the rewrites below must see the whole spec);
* ``row_number() OVER ()`` → ``OVER (ORDER BY monotonically_increasing_id())`` (Spark demands an order; the
  engine only numbers rows whose order does not matter) — only when neither the OVER nor the window it names
  orders the rows;
* ``list(x ORDER BY y)`` → ``transform(array_sort(collect_list(struct(y, x))), s -> s.x)`` (``collect_list`` has
  no order);
* ``list_position`` → ``nullif(array_position(…), 0)``; ``list_slice(l, a, b)`` → ``slice(l, a, b - a + 1)``;
* ``regexp_full_match(s, p)`` → ``s RLIKE '^(?:p)$'``;
* ``quantile_cont(x, q)`` (``q`` a fraction or a list of them) → ``percentile(x, q)`` (Spark's
  ``percentile_cont`` takes no list; both interpolate linearly — see the allow-list's note for when the doubles
  agree);
* ``date_diff('second'|'minute'|'hour', a, b)`` → the same on both ends truncated to the unit (DuckDB counts
  boundaries crossed, Spark whole units elapsed: 23:59:59.9 → 00:00:00.1 is 1 second on DuckDB, 0 on Spark);
* ``duckdb_tables()`` → the view ``wupian_catalog_tables`` that the Spark warehouse fills from its catalog.

Constructs whose meaning differs and that no rewrite can keep (``date_diff`` in months or years, which counts
boundaries on DuckDB and whole units on Spark; ``dayofweek``, 0- vs 1-based Sunday) are refused by
:func:`check_portable`, and the engine is written without them. Which functions the engine may use at all is the
allow-list in ``sql_functions.yaml`` (see :mod:`wupian.engine.sql_allow`).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp

READ = "duckdb"
WRITE = "spark"
CATALOG_VIEW = "wupian_catalog_tables"

# Functions whose DuckDB and Spark meanings differ with no exact rewrite: the engine must not use them.
NON_PORTABLE: dict[str, str] = {
    "DAYOFWEEK": "dayofweek() is 0-based on DuckDB and 1-based on Spark; use isodow()",
    "DAY_OF_WEEK": "dayofweek() is 0-based on DuckDB and 1-based on Spark; use isodow()",
}
_BOUNDARY_UNITS = {"MONTH", "MONTHS", "YEAR", "YEARS", "QUARTER", "QUARTERS", "WEEK", "WEEKS"}


class NotPortable(ValueError):
    """The SQL uses a construct that has no exact meaning on Spark."""


def parse(sql: str) -> list[exp.Expression]:
    return [e for e in sqlglot.parse(sql, read=READ) if e is not None]


def _unit(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    return (unit.name if unit is not None else "DAY").upper()


def check_portable(tree: exp.Expression) -> None:
    """Raise :class:`NotPortable` when ``tree`` uses a construct whose meaning differs between the engines."""
    for node in tree.walk():
        if isinstance(node, exp.DateDiff) and _unit(node) in _BOUNDARY_UNITS:
            raise NotPortable(f"date_diff('{_unit(node).lower()}', …) counts calendar boundaries on DuckDB and "
                              "whole units on Spark; compare year()/month() arithmetic instead")
        if isinstance(node, exp.RegexpReplace):
            mods = node.args.get("modifiers")
            pattern = node.expression
            anchored = isinstance(pattern, exp.Literal) and (pattern.this.startswith("^") or pattern.this.endswith("$"))
            if not (isinstance(mods, exp.Literal) and "g" in mods.this) and not anchored:
                raise NotPortable("regexp_replace without 'g' replaces the first match on DuckDB and every match on "
                                  "Spark; pass 'g' or anchor the pattern")
        if isinstance(node, exp.Func) and function_name(node) in NON_PORTABLE:
            raise NotPortable(NON_PORTABLE[function_name(node)])


def check_allowed(tree: exp.Expression) -> None:
    """Raise :class:`NotPortable` when ``tree`` calls a function that is not on the portable allow-list."""
    from wupian.engine.sql_allow import allow_list

    portable = allow_list().portable
    for node in tree.walk():
        if isinstance(node, exp.Func) and not isinstance(node, _NOT_FUNCTIONS):
            name = function_name(node)
            if name not in portable:
                raise NotPortable(f"{name}() is not on the portable allow-list (wupian/engine/sql_functions.yaml)")


def function_name(node: exp.Func) -> str:
    """The name a function is known by on the allow-list (upper case, as DuckDB would accept it)."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).upper()
    return node.sql_name().upper()


def functions_used(sql: str) -> set[str]:
    """Every SQL function the statement(s) call (aggregates and window functions included)."""
    names: set[str] = set()
    for tree in parse(sql):
        for node in tree.walk():
            if isinstance(node, exp.Func) and not isinstance(node, _NOT_FUNCTIONS):
                names.add(function_name(node))
    return names


# sqlglot models some operators and syntax as Func nodes; they are not functions a reader calls by name.
_NOT_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Cast, exp.TryCast, exp.Case, exp.If, exp.Array, exp.Struct, exp.Interval, exp.Paren, exp.Extract,
    exp.Explode, exp.Unnest, exp.Exists, exp.Values, exp.Connector, exp.Filter,
)


# -- the rewrites ------------------------------------------------------------------------------------------
def _hugeint(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.INT128, exp.DataType.Type.UINT128):
        return exp.DataType.build("DECIMAL(38,0)")
    return node


def _greatest_one(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Greatest | exp.Least) and not node.expressions:
        return node.this
    return node


def _list_has_any(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    return node


def _materialized(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


_WINDOW_PARTS = ("partition_by", "order", "spec")


def _window_parts(select: exp.Select) -> dict[str, dict[str, exp.Expression | list[exp.Expression]]]:
    """name → the whole spec (partition, order, frame) of each window the ``WINDOW`` clause of ``select`` names,
    a definition built on another name (``v AS (w ORDER BY b)``) resolved through it."""
    defined = {str(d.name).lower(): d for d in select.args.get("windows") or []}
    resolved: dict[str, dict[str, exp.Expression | list[exp.Expression]]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> dict[str, exp.Expression | list[exp.Expression]]:
        if name in resolved:
            return resolved[name]
        if name not in defined:
            raise NotPortable(f'window "{name}" is not defined in the WINDOW clause of its SELECT')
        if name in seen:
            raise NotPortable(f'window "{name}" is defined through itself')
        definition = defined[name]
        base = definition.args.get("alias")
        parts = _merged(resolve(str(base.name).lower(), (*seen, name)) if base is not None else {}, definition,
                        name)
        resolved[name] = parts
        return parts

    for name in defined:
        resolve(name, ())
    return resolved


def _merged(base: dict[str, exp.Expression | list[exp.Expression]], window: exp.Window,
            name: str) -> dict[str, exp.Expression | list[exp.Expression]]:
    """The parts of ``window`` over those of the named window ``base`` it refers to; a part both define is an
    error on DuckDB too (it cannot override an ORDER BY), so refused rather than guessed."""
    parts = dict(base)
    for key in _WINDOW_PARTS:
        own = window.args.get(key)
        if not own:
            continue
        if key in parts:
            raise NotPortable(f'an OVER clause overrides the {key.replace("_by", "")} of window "{name}"')
        parts[key] = own
    return parts


def _in_scope(select: exp.Select) -> Iterable[exp.Window]:
    """The window calls of ``select`` itself: not its WINDOW definitions, not those of nested queries (a WINDOW
    name is visible only in the SELECT that defines it)."""
    for node in select.walk(prune=lambda n: n is not select and isinstance(n, exp.Query)):
        if isinstance(node, exp.Window) and node.arg_key != "windows" and node.args.get("alias") is not None:
            yield node


def _named_windows(node: exp.Expression) -> exp.Expression:
    """``OVER w`` / ``OVER (w ORDER BY …)`` with ``WINDOW w AS (…)`` → each OVER carries its whole spec and the
    WINDOW clause goes. Spark accepts ``OVER w`` but not a spec that extends a name, and the rewrites below
    (``row_number()``'s order) must see what the name holds: a named window is a textual shorthand, so inlining it
    keeps the meaning exactly."""
    if not isinstance(node, exp.Select) or not node.args.get("windows"):
        return node
    named = _window_parts(node)
    for window in list(_in_scope(node)):
        name = str(window.args["alias"].name).lower()
        if name not in named:
            raise NotPortable(f'window "{name}" is not defined in the WINDOW clause of its SELECT')
        parts = _merged(named[name], window, name)
        for key in _WINDOW_PARTS:
            value = parts.get(key)
            window.set(key, [v.copy() for v in value] if isinstance(value, list) else
                       value.copy() if value is not None else None)
        window.set("alias", None)
        window.set("over", "OVER")
    node.set("windows", None)
    return node


def _row_number(node: exp.Expression) -> exp.Expression:
    """``row_number()`` with no order (the engine only numbers rows whose order does not matter) gets one, since
    Spark demands it; a frame is dropped (DuckDB ignores it for row_number, Spark refuses any but the default).
    Runs after :func:`_named_windows`, so an OVER still naming a window names one its SELECT does not define."""
    if not (isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber)):
        return node
    if node.args.get("alias") is not None:
        raise NotPortable(f'row_number() OVER {node.args["alias"].name}: the window is not defined in the WINDOW '
                          "clause of its SELECT")
    node.set("spec", None)
    if not node.args.get("order"):
        node.set("order", exp.Order(expressions=[exp.Ordered(this=exp.Anonymous(
            this="monotonically_increasing_id", expressions=[]))]))
    return node


def _ordered_list(node: exp.Expression) -> exp.Expression:
    """``list(x ORDER BY k)`` keeps its order on Spark through a sorted array of (k, x) structs."""
    if not isinstance(node, exp.ArrayAgg) or not isinstance(node.this, exp.Order):
        return node
    order: exp.Order = node.this
    value = order.this
    keys = [o.this for o in order.expressions]
    desc = any(o.args.get("desc") for o in order.expressions)
    fields = [exp.PropertyEQ(this=exp.to_identifier(f"k{i}"), expression=k.copy()) for i, k in enumerate(keys)]
    fields.append(exp.PropertyEQ(this=exp.to_identifier("v"), expression=value.copy()))
    collected = exp.Anonymous(this="collect_list", expressions=[exp.Struct(expressions=fields)])
    if desc:  # one direction for all keys: reverse the ascending sort
        if not all(o.args.get("desc") for o in order.expressions):
            raise NotPortable("list(… ORDER BY) with mixed directions is not supported on Spark")
        sorted_ = exp.Anonymous(this="reverse", expressions=[exp.Anonymous(this="array_sort",
                                                                          expressions=[collected])])
    else:
        sorted_ = exp.Anonymous(this="array_sort", expressions=[collected])
    return sqlglot.parse_one(f"transform({sorted_.sql(WRITE)}, s -> s.v)", read=WRITE)


def _regexp_full_match(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.RegexpFullMatch):
        subject, pattern = node.this, node.expression
        anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern.copy(), exp.Literal.string(")$")])
        return exp.RegexpLike(this=subject.copy(), expression=anchored)
    return node


def _quantile_cont(node: exp.Expression) -> exp.Expression:
    """DuckDB's ``quantile_cont(x, q)`` (not the ``WITHIN GROUP`` form) → Spark's ``percentile(x, q)``."""
    if isinstance(node, exp.PercentileCont) and node.expression is not None and \
            not isinstance(node.parent, exp.WithinGroup):
        return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
    return node


def _list_functions(node: exp.Expression) -> exp.Expression:
    """``list_position`` (NULL when absent on DuckDB, 0 on Spark) and ``list_slice`` (inclusive end on DuckDB,
    a length on Spark), both 1-based; negative positions are not used by the engine."""
    if not isinstance(node, exp.Anonymous):
        return node
    name, args = str(node.name).upper(), [a.sql(WRITE) for a in node.expressions]
    if name == "LIST_POSITION" and len(args) == 2:
        return sqlglot.parse_one(f"nullif(array_position({args[0]}, {args[1]}), 0)", read=WRITE)
    if name == "LIST_SLICE" and len(args) == 3:
        return sqlglot.parse_one(f"slice({args[0]}, {args[1]}, ({args[2]}) - ({args[1]}) + 1)", read=WRITE)
    return node


def _catalog(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and \
            str(node.this.name).upper() == "DUCKDB_TABLES":
        return exp.Table(this=exp.to_identifier(CATALOG_VIEW), alias=node.args.get("alias"))
    return node


_SUB_DAY_UNITS = {"SECOND", "SECONDS", "MINUTE", "MINUTES", "HOUR", "HOURS", "MILLISECOND", "MILLISECONDS",
                  "MICROSECOND", "MICROSECONDS"}


def _sub_day_diff(node: exp.Expression) -> exp.Expression:
    """``date_diff('second'|'minute'|'hour', a, b)`` counts unit boundaries crossed on DuckDB (0.9 s → 1.1 s is
    1 second) and whole units elapsed on Spark (0): both ends truncated to the unit first, the whole units between
    them are the boundaries crossed, on both engines."""
    if not isinstance(node, exp.DateDiff) or _unit(node) not in _SUB_DAY_UNITS:
        return node
    unit = _unit(node).rstrip("S")
    a, b = (exp.Anonymous(this="date_trunc", expressions=[exp.Literal.string(unit), e.copy()])
            for e in (node.expression, node.this))
    return exp.DateDiff(this=b, expression=a, unit=exp.var(unit))


def _int_div(node: exp.Expression) -> exp.Expression:
    """``a // b`` → Spark ``a DIV b`` checked by ``a - q·b`` lying in (-|b|, |b|): never a wrapped BIGINT."""
    if not isinstance(node, exp.IntDiv):
        return node
    a, b = node.this, node.expression
    q = f"({a.sql(WRITE)} DIV {b.sql(WRITE)})"
    dec = f"CAST({q} AS DECIMAL(38,0))"
    check = (f"CASE WHEN {q} IS NULL THEN NULL WHEN abs(({a.sql(WRITE)}) - {dec} * ({b.sql(WRITE)})) < abs({b.sql(WRITE)}) THEN {dec} "
             f"ELSE CAST(raise_error('integer division overflows BIGINT on Spark') AS DECIMAL(38,0)) END")
    return exp.Paren(this=sqlglot.parse_one(check, read=WRITE))


SHIMS = (_named_windows, _hugeint, _greatest_one, _list_has_any, _materialized, _row_number, _ordered_list,
         _regexp_full_match, _quantile_cont, _list_functions, _catalog, _int_div, _sub_day_diff)


def to_spark_tree(tree: exp.Expression) -> exp.Expression:
    check_portable(tree)
    check_allowed(tree)
    for shim in SHIMS:
        tree = tree.transform(shim)
    return tree


def to_spark(sql: str) -> list[str]:
    """The Spark SQL statements of one DuckDB SQL text (usually one statement)."""
    return [to_spark_tree(t).sql(WRITE) for t in parse(sql)]


def transpile_all(statements: Iterable[str]) -> list[str]:
    out: list[str] = []
    for s in statements:
        out.extend(to_spark(s))
    return out
