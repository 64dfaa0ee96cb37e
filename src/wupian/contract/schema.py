"""The vocabulary of the input contract: column types, enums with their accepted codes, columns and tables.

These records are pure data. The loader, the checks, the generated docs and the demo generator all read
the same definitions from ``tables.py``; nothing else in wupian restates a column.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ColumnType(enum.Enum):
    """Logical column types. Each member is distinct; ``sql_type`` is the engine type it is stored as and
    ``base`` the type it is parsed as (a share is parsed like a rate, an enum like text)."""

    STR = "str"
    INT = "int"
    MONEY = "money"  # yuan, exact
    RATE = "rate"  # annual percent, 3.45 = 3.45%
    SHARE = "share"  # fraction 0..1
    DATE = "date"
    DATETIME = "datetime"  # China time (UTC+8), stored naive
    BOOL = "bool"
    ENUM = "enum"  # canonical English value

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self]

    @property
    def base(self) -> ColumnType:
        return {ColumnType.SHARE: ColumnType.RATE, ColumnType.ENUM: ColumnType.STR}.get(self, self)


_SQL_TYPES = {
    ColumnType.STR: "VARCHAR",
    ColumnType.INT: "BIGINT",
    ColumnType.MONEY: "DECIMAL(38,2)",
    ColumnType.RATE: "DECIMAL(18,6)",
    ColumnType.SHARE: "DECIMAL(18,6)",
    ColumnType.DATE: "DATE",
    ColumnType.DATETIME: "TIMESTAMP",
    ColumnType.BOOL: "BOOLEAN",
    ColumnType.ENUM: "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class EnumValue:
    """One allowed value: canonical English value, zh label, and other codes accepted for it (PBOC codes)."""

    value: str
    zh: str
    codes: tuple[str, ...] = ()

    def accepted(self) -> tuple[str, ...]:
        return (self.value, self.zh, *self.codes)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an input table."""

    name: str
    type: ColumnType
    zh: str = ""
    required: bool = False
    description: str = ""
    enum: tuple[EnumValue, ...] = ()
    min_value: str | None = None  # inclusive, as decimal text
    max_value: str | None = None  # inclusive, as decimal text
    pattern: str | None = None  # regular expression the text must match (after trimming)

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.name, self.zh) if self.zh else (self.name,)

    def enum_map(self) -> dict[str, str]:
        """Every accepted spelling (case-folded) → canonical value."""
        out: dict[str, str] = {}
        for ev in self.enum:
            for code in ev.accepted():
                out[code.strip().casefold()] = ev.value
        return out


@dataclass(frozen=True, slots=True)
class Reference:
    """A foreign key: ``columns`` of this table must exist as ``target_columns`` of ``target_table``."""

    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    nullable: bool = True  # a blank value is not a broken reference


@dataclass(frozen=True, slots=True)
class Table:
    """One input table: a month-end snapshot table or an append-only event table."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    required: bool = False
    # "snapshot": rows belong to one as-of date and are replaced when that date is loaded again;
    # "keyed": rows carry their own dates (targets, peers) and are upserted on the key from any snapshot folder;
    # "event": append-only events (transactions, mandates, merchants) loaded by load-events, de-duplicated on key.
    kind: str = "snapshot"
    description: str = ""
    # Alternatives where "at least one of these columns" is required (e.g. id_code or customer_id).
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def header_map(self) -> dict[str, str]:
        """Every accepted header spelling (English or Chinese, case-folded, trimmed) → column name."""
        out: dict[str, str] = {}
        for col in self.columns:
            for alias in col.aliases:
                out[alias.strip().casefold()] = col.name
        return out
