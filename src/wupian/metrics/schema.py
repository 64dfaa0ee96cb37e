"""Indicator definitions as data: the closed schemas of the YAML files under ``definitions/`` and their loader.

Four documents: ``scopes.yaml`` (loan scopes), ``loan_measures.yaml`` (measures computed for every scope),
``families.yaml`` (coverage, accounts, processes, activities, services, ranks, targets) and
``citations.yaml``. Every key is checked against a closed list; an unknown key, a missing key, an unknown
kind or a dangling citation is an Issue located at its file and line. ``load_definitions`` raises
``DataError`` with all the issues at once when any is an ERROR.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wupian.core.errors import DataError
from wupian.core.issues import Issue, Level, Source

LOAN_KINDS = ("sum", "distinct_customers", "weighted_avg", "ratio", "change", "growth", "gap")
FAMILY_KINDS = ("coverage", "service", "accounts", "process", "activity", "fraud", "rank", "target")
UNITS = (
    "yuan", "percent", "percent_points", "rate_percent", "households", "entities", "accounts",
    "working_days", "minutes", "cases", "times", "people", "rank",
)
VALUE_NAMES = ("amount", "flow_amount")
FILTER_NAMES = ("has_balance", "ytd_flow", "npl", "mid_long_term", "credit", "first_loan")
PRIORS = ("year_end", "year_ago")

# decimals kept for each unit (values are exact decimals quantised half-up to this many places)
UNIT_PLACES = {
    "yuan": 2, "percent": 4, "percent_points": 4, "rate_percent": 5, "households": 0, "entities": 0,
    "accounts": 0, "working_days": 2, "minutes": 2, "cases": 0, "times": 0, "people": 0, "rank": 0,
}

_SCOPE_KEYS = {"id": True, "label": True, "source": True}
_MEASURE_KEYS = {
    "id": True, "label": True, "description": True, "unit": True, "kind": True, "formula": True,
    "cites": True, "value": False, "where": False, "numerator": False, "denominator": False,
    "measure": False, "prior": False, "effective_from": False, "effective_to": False,
}
_FAMILY_KEYS = {
    "id": True, "pattern": True, "label": True, "unit": True, "kind": True, "formula": True, "cites": True,
    "effective_from": False, "effective_to": False,
}
_CITATION_KEYS = {"id": True, "document": True, "number": True, "clause": True, "quote": True, "status": True}


@dataclass(frozen=True, slots=True)
class Citation:
    id: str
    document: str
    number: str
    clause: str
    quote: str
    status: str


@dataclass(frozen=True, slots=True)
class Scope:
    id: str
    label: str
    source: str  # "loans" or "loan_tags"


@dataclass(frozen=True, slots=True)
class LoanMeasure:
    id: str
    label: str
    description: str
    unit: str
    kind: str
    formula: str
    cites: tuple[str, ...]
    value: str | None = None
    where: tuple[str, ...] = ()
    numerator: str | None = None
    denominator: str | None = None
    measure: str | None = None
    prior: str | None = None


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    pattern: str
    label: str
    unit: str
    kind: str
    formula: str
    cites: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Definitions:
    scopes: tuple[Scope, ...]
    measures: tuple[LoanMeasure, ...]
    families: tuple[Family, ...]
    citations: tuple[Citation, ...]

    def scope(self, scope_id: str) -> Scope:
        for s in self.scopes:
            if s.id == scope_id:
                return s
        raise KeyError(scope_id)

    def measure(self, measure_id: str) -> LoanMeasure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def family(self, family_id: str) -> Family:
        for f in self.families:
            if f.id == family_id:
                return f
        raise KeyError(family_id)


def _nodes(path: str, text: str) -> list[tuple[dict[str, Any], dict[str, int], int]]:
    """Parse a YAML list of mappings keeping each key's 1-based line number."""
    root = yaml.compose(text)
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise DataError(f"{path}: expected a list of definitions", ())
    out = []
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            raise DataError(f"{path}:{item.start_mark.line + 1}: expected a mapping", ())
        lines = {k.value: k.start_mark.line + 1 for k, _ in item.value}
        data = yaml.safe_load(yaml.serialize(item))
        out.append((data, lines, item.start_mark.line + 1))
    return out


def _check_keys(
    path: str, data: dict[str, Any], lines: dict[str, int], line: int, schema: dict[str, bool]
) -> list[Issue]:
    issues = []
    key = f"id={data.get('id')}"
    for name in data:
        if name not in schema:
            close = difflib.get_close_matches(str(name), list(schema), n=1)
            issues.append(Issue(
                "WP-METRIC-001", Level.ERROR, f"unknown key {name!r}",
                Source(path, lines.get(name, line), key, str(name)),
                f"did you mean {close[0]!r}?" if close else None,
            ))
    for name, required in schema.items():
        if required and name not in data:
            issues.append(Issue("WP-METRIC-002", Level.ERROR, f"missing key {name!r}", Source(path, line, key)))
    return issues


def _check_in(
    path: str, data: dict[str, Any], lines: dict[str, int], line: int, name: str, allowed: tuple[str, ...]
) -> list[Issue]:
    values = data.get(name)
    if values is None:
        return []
    seq = values if isinstance(values, list) else [values]
    return [
        Issue("WP-METRIC-003", Level.ERROR, f"{name} {v!r} is not one of {', '.join(allowed)}",
              Source(path, lines.get(name, line), f"id={data.get('id')}", name))
        for v in seq if v not in allowed
    ]


def parse_definitions(texts: dict[str, str]) -> tuple[Definitions | None, list[Issue]]:
    """Validate the four documents (file name → YAML text); return definitions and every issue found."""
    issues: list[Issue] = []
    parsed = {name: _nodes(name, text) for name, text in texts.items()}
    citations = []
    for data, lines, line in parsed.get("citations.yaml", []):
        issues += _check_keys("citations.yaml", data, lines, line, _CITATION_KEYS)
        issues += _check_in("citations.yaml", data, lines, line, "status", ("verified", "unverified"))
        citations.append(Citation(*(str(data.get(k, "")) for k in _CITATION_KEYS)))
    cite_ids = {c.id for c in citations}
    scopes = []
    for data, lines, line in parsed.get("scopes.yaml", []):
        issues += _check_keys("scopes.yaml", data, lines, line, _SCOPE_KEYS)
        issues += _check_in("scopes.yaml", data, lines, line, "source", ("loans", "loan_tags"))
        scopes.append(Scope(str(data.get("id")), str(data.get("label")), str(data.get("source"))))
    measures = []
    for data, lines, line in parsed.get("loan_measures.yaml", []):
        f = "loan_measures.yaml"
        issues += _check_keys(f, data, lines, line, _MEASURE_KEYS)
        issues += _check_in(f, data, lines, line, "kind", LOAN_KINDS)
        issues += _check_in(f, data, lines, line, "unit", UNITS)
        issues += _check_in(f, data, lines, line, "value", VALUE_NAMES)
        issues += _check_in(f, data, lines, line, "where", FILTER_NAMES)
        issues += _check_in(f, data, lines, line, "prior", PRIORS)
        issues += _check_in(f, data, lines, line, "cites", tuple(cite_ids))
        measures.append(LoanMeasure(
            id=str(data.get("id")), label=str(data.get("label")), description=str(data.get("description")),
            unit=str(data.get("unit")), kind=str(data.get("kind")), formula=str(data.get("formula")),
            cites=tuple(data.get("cites") or ()), value=data.get("value"),
            where=tuple(data.get("where") or ()), numerator=data.get("numerator"),
            denominator=data.get("denominator"), measure=data.get("measure"), prior=data.get("prior"),
        ))
    ids = {m.id for m in measures}
    for m in measures:
        for ref in (m.numerator, m.denominator, m.measure):
            if ref is not None and ref not in ids:
                issues.append(Issue("WP-METRIC-004", Level.ERROR, f"refers to unknown measure {ref!r}",
                                    Source("loan_measures.yaml", None, f"id={m.id}")))
    families = []
    for data, lines, line in parsed.get("families.yaml", []):
        f = "families.yaml"
        issues += _check_keys(f, data, lines, line, _FAMILY_KEYS)
        issues += _check_in(f, data, lines, line, "kind", FAMILY_KINDS)
        issues += _check_in(f, data, lines, line, "unit", UNITS)
        issues += _check_in(f, data, lines, line, "cites", tuple(cite_ids))
        families.append(Family(
            id=str(data.get("id")), pattern=str(data.get("pattern")), label=str(data.get("label")),
            unit=str(data.get("unit")), kind=str(data.get("kind")), formula=str(data.get("formula")),
            cites=tuple(data.get("cites") or ()),
        ))
    for group, name in ((scopes, "scopes.yaml"), (measures, "loan_measures.yaml"), (families, "families.yaml")):
        seen: set[str] = set()
        for d in group:
            if d.id in seen:
                issues.append(Issue("WP-METRIC-005", Level.ERROR, f"duplicate id {d.id!r}", Source(name, None, f"id={d.id}")))
            seen.add(d.id)
    if any(i.level == Level.ERROR for i in issues):
        return None, issues
    return Definitions(tuple(scopes), tuple(measures), tuple(families), tuple(citations)), issues


DEFINITION_FILES = ("citations.yaml", "scopes.yaml", "loan_measures.yaml", "families.yaml")


def load_definitions(folder: Path | None = None) -> Definitions:
    """The packaged definitions (or those in ``folder``); DataError listing every problem if invalid."""
    texts = {}
    for name in DEFINITION_FILES:
        if folder is None:
            texts[name] = resources.files("wupian.metrics").joinpath("definitions", name).read_text("utf-8")
        else:
            texts[name] = (folder / name).read_text("utf-8")
    defs, issues = parse_definitions(texts)
    if defs is None:
        raise DataError("indicator definitions are invalid", issues)
    return defs
