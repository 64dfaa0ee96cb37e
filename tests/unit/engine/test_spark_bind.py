"""Parameters of the Spark connection are bound on the statement text (sqlglot's DuckDB tokenizer misreads a
``$name`` placeholder followed later by ``''`` as a dollar-quoted string): each ``?``, ``$name`` or ``$N`` outside
string literals, quoted identifiers and comments becomes a typed literal written by sqlglot. Needs no Spark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from wupian.engine import dialect
from wupian.engine.spark_con import bind_text


def test_named_placeholder_before_empty_string_parses() -> None:
    sql = "SELECT count(*) FROM t e WHERE e.tag = $tag AND coalesce(e.bill_no, '') = ''"
    bound = bind_text(sql, {"tag": "tech"})
    assert bound == "SELECT count(*) FROM t e WHERE e.tag = 'tech' AND coalesce(e.bill_no, '') = ''"
    assert dialect.parse(bound)


def test_positional_in_order_and_typed() -> None:
    bound = bind_text("SELECT ?, ?, ?, ?, ?", [date(2024, 2, 29), Decimal("-0.10"), None, ["a", "b"], True])
    assert bound == "SELECT CAST('2024-02-29' AS DATE), -0.10, NULL, ['a', 'b'], TRUE"


def test_marks_inside_strings_identifiers_and_comments_are_text() -> None:
    sql = "SELECT '?', 'it''s $x', \"$col?\" -- $x ?\nFROM t WHERE a = ? AND b = $1"
    assert bind_text(sql, ["o'k"]) == ("SELECT '?', 'it''s $x', \"$col?\" -- $x ?\nFROM t WHERE a = 'o''k' "
                                       "AND b = 'o''k'")


def test_missing_values_are_errors() -> None:
    with pytest.raises(ValueError, match="no value bound"):
        bind_text("SELECT $a", {"b": 1})
    with pytest.raises(ValueError, match="too few"):
        bind_text("SELECT ?, ?", [1])
