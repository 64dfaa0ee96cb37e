"""The input data contract as data: tables, columns, types, enums, keys and references."""

from wupian.contract.schema import Column, ColumnType, EnumValue, Reference, Table
from wupian.contract.tables import ALL_TABLES, EVENT_TABLES, SNAPSHOT_TABLES, table

__all__ = [
    "ALL_TABLES",
    "EVENT_TABLES",
    "SNAPSHOT_TABLES",
    "Column",
    "ColumnType",
    "EnumValue",
    "Reference",
    "Table",
    "table",
]
