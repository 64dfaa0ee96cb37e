"""Render ``docs/data-contract.md`` from the contract definitions, so the reference page never drifts.

``python -m wupian.contract.docs > docs/data-contract.md`` regenerates it; a test asserts the committed file
equals ``render()``.
"""

from __future__ import annotations

from wupian.contract.schema import Column, ColumnType, Table
from wupian.contract.tables import ALL_TABLES

KIND_TEXT = {
    "snapshot": "snapshot table: rows belong to the as-of date and are replaced when that date is loaded again",
    "keyed": "keyed table: rows carry their own dates and are upserted on the key from any snapshot folder",
    "event": "event table: append-only, loaded with `wupian load-events`, de-duplicated on the key",
}


def _type_text(col: Column) -> str:
    if col.enum:
        return "enum"
    if col.type is ColumnType.SHARE:
        return "share (0–1)"
    names = {
        ColumnType.STR: "text",
        ColumnType.INT: "integer",
        ColumnType.MONEY: "money (yuan, ≤ 2 decimals)",
        ColumnType.RATE: "rate (annual %)",
        ColumnType.DATE: "date",
        ColumnType.DATETIME: "date-time",
        ColumnType.BOOL: "boolean",
    }
    return names[col.type]


def _accepted(col: Column) -> str:
    parts = []
    if col.enum:
        parts.append("; ".join(" / ".join(f"`{a}`" for a in ev.accepted()) for ev in col.enum))
    if col.min_value is not None or col.max_value is not None:
        lo = f"≥ {col.min_value}" if col.min_value is not None else ""
        hi = f"≤ {col.max_value}" if col.max_value is not None else ""
        parts.append(" and ".join(p for p in (lo, hi) if p))
    if col.pattern:
        parts.append(f"format `{col.pattern}`")
    if col.description:
        parts.append(col.description)
    return "; ".join(parts).replace("|", "\\|")


def render_table(table: Table) -> list[str]:
    out = [f"## {table.name} — {table.zh}", ""]
    out.append(f"- {'required' if table.required else 'optional'} {KIND_TEXT[table.kind]}")
    if table.key:
        out.append(f"- key: {', '.join(f'`{k}`' for k in table.key)}")
    for ref in table.references:
        blank = "blank allowed" if ref.nullable else "must be filled"
        out.append(
            f"- reference: {', '.join(ref.columns)} → {ref.target_table}.{', '.join(ref.target_columns)} ({blank})"
        )
    for group in table.one_of:
        out.append(f"- at least one of: {', '.join(group)}")
    if table.description:
        out.append(f"- {table.description}")
    out += ["", "| column | 中文 | type | required | accepted values / rules |", "|---|---|---|---|---|"]
    for col in table.columns:
        req = "yes" if col.required else ""
        out.append(f"| `{col.name}` | {col.zh} | {_type_text(col)} | {req} | {_accepted(col)} |")
    out.append("")
    return out


def render() -> str:
    """The whole reference page as Markdown."""
    lines = [
        "# Data contract reference",
        "",
        "Generated from `src/wupian/contract/tables.py` by `python -m wupian.contract.docs`; do not edit by hand.",
        "The normative description of the contract is `shared/spec/data-contract.md`; this page lists exactly",
        "what the loader accepts. Headers may be the English name or the Chinese alias (trimmed, case-insensitive);",
        "enum values may be the English value, the Chinese label or any listed PBOC code (case-insensitive).",
        "Dates are `YYYY-MM-DD` or `YYYYMMDD`; date-times ISO 8601 or `YYYY-MM-DD HH:MM:SS` (China time unless an",
        "offset is given); booleans `1/0`, `Y/N`, `是/否`, `true/false`; money may use `,` thousands separators.",
        "",
    ]
    for table in ALL_TABLES:
        lines += render_table(table)
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
