"""The input contract (``wupian.contract.tables``) is consistent with itself: every header spelling and every enum
spelling a bank may write names exactly one column / value (a collision would silently load a value into the wrong
column or as the wrong code), keys and references name real columns of matching types, bounds and patterns are
valid for the engine, and the accepted spellings survive the case and padding a bank's export adds."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.contract import ALL_TABLES, EVENT_TABLES, SNAPSHOT_TABLES, table
from wupian.contract.schema import Column, ColumnType, Table

COLUMNS = [(t, c) for t in ALL_TABLES for c in t.columns]


def _ids(t: Table) -> str:
    return t.name


def test_table_names_are_unique_and_every_table_is_snapshot_or_event() -> None:
    names = [t.name for t in ALL_TABLES]
    assert len(names) == len(set(names))
    assert {t.name for t in SNAPSHOT_TABLES} | {t.name for t in EVENT_TABLES} == set(names)
    assert all(t.kind in ("snapshot", "keyed", "event") for t in ALL_TABLES)
    assert all(t.kind == "event" for t in EVENT_TABLES)
    assert all(table(n) is t for n, t in zip(names, ALL_TABLES, strict=True))


@pytest.mark.parametrize("t", ALL_TABLES, ids=_ids)
def test_every_header_spelling_names_one_column(t: Table) -> None:
    spellings = Counter(alias.strip().casefold() for c in t.columns for alias in c.aliases)
    assert not [s for s, n in spellings.items() if n > 1], t.name
    assert len(t.header_map()) == sum(len(c.aliases) for c in t.columns)
    assert all(c.name == c.name.strip() and re.fullmatch("[a-z][a-z0-9_]*", c.name) for c in t.columns)


@pytest.mark.parametrize("t", ALL_TABLES, ids=_ids)
def test_keys_references_and_alternatives_name_real_columns(t: Table) -> None:
    names = set(t.column_names)
    assert set(t.key) <= names, t.key
    for group in t.one_of:
        assert set(group) <= names and len(group) >= 2
    for ref in t.references:
        target = table(ref.target_table)
        assert set(ref.columns) <= names and set(ref.target_columns) <= set(target.column_names)
        assert len(ref.columns) == len(ref.target_columns)
        for mine, theirs in zip(ref.columns, ref.target_columns, strict=True):
            assert t.column(mine).type.sql_type == target.column(theirs).type.sql_type, (t.name, mine, theirs)


@pytest.mark.parametrize(("t", "c"), [(t, c) for t, c in COLUMNS if c.enum], ids=lambda x: getattr(x, "name", ""))
def test_every_enum_spelling_names_one_value(t: Table, c: Column) -> None:
    assert c.type is ColumnType.ENUM, (t.name, c.name)
    values = [ev.value for ev in c.enum]
    assert len(values) == len(set(values))
    owners: dict[str, set[str]] = {}
    for ev in c.enum:
        for spelling in ev.accepted():
            owners.setdefault(spelling.strip().casefold(), set()).add(ev.value)
    clashes = {s: v for s, v in owners.items() if len(v) > 1}
    assert not clashes, (t.name, c.name, clashes)
    assert set(c.enum_map().values()) == set(values)


def test_enum_columns_have_values_and_other_columns_none() -> None:
    for t, c in COLUMNS:
        assert bool(c.enum) == (c.type is ColumnType.ENUM), (t.name, c.name)


@pytest.mark.parametrize(("t", "c"), [(t, c) for t, c in COLUMNS if c.min_value or c.max_value],
                         ids=lambda x: getattr(x, "name", ""))
def test_bounds_are_decimal_text_on_numeric_columns(t: Table, c: Column) -> None:
    assert c.type in (ColumnType.INT, ColumnType.MONEY, ColumnType.RATE, ColumnType.SHARE), (t.name, c.name)
    low = Decimal(c.min_value) if c.min_value is not None else None
    high = Decimal(c.max_value) if c.max_value is not None else None
    assert low is None or high is None or low <= high
    with duckdb.connect() as con:  # the check casts the bound to the column's storage type
        for bound in (c.min_value, c.max_value):
            if bound is not None:
                assert con.execute(f"SELECT CAST(? AS {c.type.sql_type})", [bound]).fetchone()[0] == Decimal(bound)


@pytest.mark.parametrize(("t", "c"), [(t, c) for t, c in COLUMNS if c.pattern], ids=lambda x: getattr(x, "name", ""))
def test_patterns_compile_on_python_and_duckdb_alike(t: Table, c: Column) -> None:
    assert c.type.base is ColumnType.STR, (t.name, c.name)
    re.compile(c.pattern or "")
    with duckdb.connect() as con:
        assert con.execute("SELECT regexp_full_match('', ?)", [c.pattern]).fetchone() is not None


ENUM_COLUMNS = [c for _, c in COLUMNS if c.enum]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ENUM_COLUMNS).flatmap(
    lambda c: st.tuples(st.just(c), st.sampled_from([(s, ev.value) for ev in c.enum for s in ev.accepted()]))),
    st.sampled_from([str.upper, str.lower, str.title, lambda s: s]), st.sampled_from(["", " ", "\u3000", "  "]))
def test_an_accepted_spelling_with_any_case_and_padding_maps_to_its_value(
        pick: tuple[Column, tuple[str, str]], case: object, pad: str) -> None:
    column, (spelling, value) = pick
    written = pad + case(spelling) + pad  # type: ignore[operator]
    assert column.enum_map()[written.strip().casefold()] == value
