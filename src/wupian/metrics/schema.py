"""Indicator definitions as data: the closed schemas of the YAML files under ``definitions/`` and their loader.

Four documents: ``scopes.yaml`` (loan scopes), ``loan_measures.yaml`` (measures computed for every scope),
``families.yaml`` (coverage, accounts, processes, activities, services, ranks, targets) and
``citations.yaml``. Every key is checked against a closed list; an unknown key, a missing key, an unknown
kind or a dangling citation is an Issue located at its file and line. ``load_definitions`` raises
``DataError`` with all the issues at once when any is an ERROR.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wupian.core import yamldoc as yd
from wupian.core.issues import Issue, Level, Source

PREFIX = "WP-METRIC"

LOAN_KINDS = ("sum", "distinct_customers", "weighted_avg", "ratio", "change", "growth", "gap", "share")
FAMILY_KINDS = ("coverage", "service", "accounts", "process", "activity", "fraud", "rank", "target")
UNITS = (
    "yuan", "percent", "percent_points", "rate_percent", "households", "entities", "accounts",
    "working_days", "minutes", "cases", "times", "people", "rank",
)
VALUE_NAMES = ("amount", "flow_amount")
FILTER_NAMES = ("has_balance", "ytd_flow", "npl", "mid_long_term", "credit", "first_loan")
PRIORS = ("year_end", "year_ago", "month_end")

# decimals kept for each unit (values are exact decimals quantised half-up to this many places)
UNIT_PLACES = {
    "yuan": 2, "percent": 4, "percent_points": 4, "rate_percent": 5, "households": 0, "entities": 0,
    "accounts": 0, "working_days": 2, "minutes": 2, "cases": 0, "times": 0, "people": 0, "rank": 0,
}


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


F, T = yd.Field, yd.Text()
CITES = yd.ListOf(yd.Text())
SCOPE = yd.Record({"id": F(T, True), "label": F(T, True), "source": F(yd.Enum("loans", "loan_tags"), True)})
MEASURE = yd.Record({
    "id": F(T, True), "label": F(T, True), "description": F(T, True), "unit": F(yd.Enum(*UNITS), True),
    "kind": F(yd.Enum(*LOAN_KINDS), True), "formula": F(T, True), "cites": F(CITES, True),
    "value": F(yd.Enum(*VALUE_NAMES)), "where": F(yd.ListOf(yd.Enum(*FILTER_NAMES))), "numerator": F(T),
    "denominator": F(T), "measure": F(T), "prior": F(yd.Enum(*PRIORS)), "effective_from": F(yd.Date()),
    "effective_to": F(yd.Date(nullable=True)),
})
FAMILY = yd.Record({
    "id": F(T, True), "pattern": F(T, True), "label": F(T, True), "unit": F(yd.Enum(*UNITS), True),
    "kind": F(yd.Enum(*FAMILY_KINDS), True), "formula": F(T, True), "cites": F(CITES, True),
    "effective_from": F(yd.Date()), "effective_to": F(yd.Date(nullable=True)),
})
CITATION = yd.Record({
    "id": F(T, True), "document": F(T, True), "number": F(T, True), "clause": F(T, True), "quote": F(T, True),
    "status": F(yd.Enum("verified", "unverified"), True),
})
SCHEMAS = {"citations.yaml": CITATION, "scopes.yaml": SCOPE, "loan_measures.yaml": MEASURE, "families.yaml": FAMILY}
VOCABULARIES = ("registries", "accounts", "processes", "activities", "services")
NAMES = yd.Record({v: F(yd.MapOf(T)) for v in VOCABULARIES}, key_field=None)


def _records(file: str, text: str) -> tuple[list[tuple[yaml.Node, dict[str, Any]]], list[Issue]]:
    """The closed-schema check of one definitions file: (node, record) per list item, and the issues."""
    docs, issues = yd.parse_documents(text, file, PREFIX)
    if issues or not docs:
        return [], issues
    node, value = docs[0]
    chk = yd.Checker(file, PREFIX)
    chk.check(node, yd.ListOf(SCHEMAS[file]))
    if len(docs) > 1:
        chk.error(yd.BAD_VALUE, docs[1][0], "expected one YAML document")
    if not chk.ok:
        return [], chk.issues
    return list(zip(node.value, value, strict=True)), chk.issues


def _refs(file: str, node: yaml.Node, record: dict[str, Any], name: str, known: set[str], what: str) -> list[Issue]:
    values = record.get(name)
    seq = values if isinstance(values, list) else [] if values is None else [values]
    line = yd.line_of(yd.mapping_items(node).get(name, (node, node))[0])
    return [Issue(f"{PREFIX}-{yd.BAD_REFERENCE}", Level.ERROR, f"{name}: unknown {what} {v!r}",
                  Source(file, line, f"id={record.get('id')}", name), yd.did_you_mean(str(v), sorted(known)))
            for v in seq if v not in known]


def _label_placeholders(file: str, node: yaml.Node, record: dict[str, Any], allowed: str) -> list[Issue]:
    """A label is a str.format template with one placeholder: ``{scope}`` (measures) or ``{name}`` (families)."""
    label = str(record["label"])
    line = yd.line_of(yd.mapping_items(node)["label"][0])
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(label) if f is not None]
    except ValueError as exc:
        return [Issue(f"{PREFIX}-{yd.BAD_VALUE}", Level.ERROR, f"label {label!r}: {exc}",
                      Source(file, line, f"id={record['id']}", "label"))]
    return [Issue(f"{PREFIX}-{yd.BAD_REFERENCE}", Level.ERROR, f"label: unknown placeholder {{{f}}}",
                  Source(file, line, f"id={record['id']}", "label"), f"did you mean {{{allowed}}}?")
            for f in fields if f != allowed]


def parse_definitions(texts: dict[str, str]) -> tuple[Definitions | None, list[Issue]]:
    """Validate the four documents (file name → YAML text); return definitions and every issue found."""
    issues: list[Issue] = []
    parsed: dict[str, list[tuple[yaml.Node, dict[str, Any]]]] = {}
    for name in DEFINITION_FILES:
        parsed[name], found = _records(name, texts.get(name, ""))
        issues += found
    if any(i.level >= Level.ERROR for i in issues):
        return None, issues
    citations = [Citation(*(str(d[k]) for k in ("id", "document", "number", "clause", "quote", "status")))
                 for _, d in parsed["citations.yaml"]]
    cite_ids = {c.id for c in citations}
    scopes = [Scope(str(d["id"]), str(d["label"]), str(d["source"])) for _, d in parsed["scopes.yaml"]]
    measures = [LoanMeasure(
        id=str(d["id"]), label=str(d["label"]), description=str(d["description"]), unit=str(d["unit"]),
        kind=str(d["kind"]), formula=str(d["formula"]), cites=tuple(d["cites"]), value=d.get("value"),
        where=tuple(d.get("where") or ()), numerator=d.get("numerator"), denominator=d.get("denominator"),
        measure=d.get("measure"), prior=d.get("prior"),
    ) for _, d in parsed["loan_measures.yaml"]]
    families = [Family(
        id=str(d["id"]), pattern=str(d["pattern"]), label=str(d["label"]), unit=str(d["unit"]), kind=str(d["kind"]),
        formula=str(d["formula"]), cites=tuple(d["cites"]),
    ) for _, d in parsed["families.yaml"]]
    measure_ids = {m.id for m in measures}
    for file, allowed in (("loan_measures.yaml", "scope"), ("families.yaml", "name")):
        for node, d in parsed[file]:
            issues += _label_placeholders(file, node, d, allowed)
            issues += _refs(file, node, d, "cites", cite_ids, "citation")
            for ref in ("numerator", "denominator", "measure"):
                issues += _refs(file, node, d, ref, measure_ids, "measure")
    for file, items in parsed.items():
        seen: set[str] = set()
        for node, d in items:
            if str(d["id"]) in seen:
                issues.append(Issue(f"{PREFIX}-{yd.BAD_REFERENCE}", Level.ERROR, f"duplicate id {d['id']!r}",
                                    Source(file, yd.line_of(node), f"id={d['id']}", "id")))
            seen.add(str(d["id"]))
    if any(i.level >= Level.ERROR for i in issues):
        return None, issues
    return Definitions(tuple(scopes), tuple(measures), tuple(families), tuple(citations)), issues


DEFINITION_FILES = ("citations.yaml", "scopes.yaml", "loan_measures.yaml", "families.yaml")


def _packaged(name: str) -> str:
    return resources.files("wupian.metrics").joinpath("definitions", name).read_text("utf-8")


def load_definitions(folder: Path | None = None) -> Definitions:
    """The packaged definitions (or those in ``folder``); DataError listing every problem if invalid."""
    texts = {name: _packaged(name) if folder is None else (folder / name).read_text("utf-8")
             for name in DEFINITION_FILES}
    defs, issues = parse_definitions(texts)
    return yd.raise_if_errors("the indicator definitions", defs, issues)


def parse_names(text: str, file: str = "names.yaml") -> tuple[dict[str, dict[str, str]] | None, list[Issue]]:
    """``names.yaml``: zh names of the open vocabularies inside indicator ids (registries, accounts, processes,
    activities, services), each a mapping id → name; every vocabulary is present in the result."""
    value, issues = yd.load_document(text, file, NAMES, PREFIX)
    if value is None:
        return None, issues
    return {v: {str(k): str(n) for k, n in (value.get(v) or {}).items()} for v in VOCABULARIES}, issues


def load_names(text: str | None = None) -> dict[str, dict[str, str]]:
    """The packaged ``names.yaml`` (or ``text``), validated; DataError listing every problem if invalid."""
    names, issues = parse_names(_packaged("names.yaml") if text is None else text)
    return yd.raise_if_errors("the indicator names (names.yaml)", names, issues)
