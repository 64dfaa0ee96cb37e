"""The allow-list of SQL functions (``sql_functions.yaml``), loaded once and validated (closed schema, located
issues): which functions the engine may call on both engines (``portable``, each with its literal edge cases)
and which only in the load's DuckDB staging (``staging``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from wupian.core.yamldoc import Field, ListOf, Record, Text, load_document, raise_if_errors

FILE = Path(__file__).with_name("sql_functions.yaml")
PREFIX = "WP-SQLFN"

_ENTRY = Record({"name": Field(Text(), required=True), "note": Field(Text()), "cases": Field(ListOf(Text()))},
                key_field="name")
_SCHEMA = Record({"portable": Field(ListOf(_ENTRY), required=True), "staging": Field(ListOf(_ENTRY))},
                 key_field=None)


@dataclass(frozen=True, slots=True)
class SqlFunction:
    name: str
    portable: bool
    note: str = ""
    cases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AllowList:
    functions: tuple[SqlFunction, ...]

    @property
    def portable(self) -> frozenset[str]:
        return frozenset(f.name for f in self.functions if f.portable)

    @property
    def all(self) -> frozenset[str]:
        return frozenset(f.name for f in self.functions)


def parse(text: str, file: str = FILE.name) -> AllowList:
    """The allow-list in ``text``; DataError with every located issue when it is malformed."""
    value, issues = load_document(text, file, _SCHEMA, PREFIX)
    value = raise_if_errors(file, value, issues)
    out: list[SqlFunction] = []
    for section, portable in (("portable", True), ("staging", False)):
        for e in value.get(section) or []:
            out.append(SqlFunction(str(e["name"]).upper(), portable, str(e.get("note") or ""),
                                   tuple(e.get("cases") or ())))
    names = [f.name for f in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        from wupian.core.errors import DataError

        raise DataError(f"{file}: listed twice: {', '.join(dupes)}")
    return AllowList(tuple(out))


@cache
def allow_list() -> AllowList:
    return parse(FILE.read_text(encoding="utf-8"))
