"""The report data files and their closed schemas: NFRA 1104 table layouts (``nfra_tables.yaml``) and the
briefing templates (``briefing_templates.yaml``), read through the shared loader ``wupian.core.yamldoc``.

Beyond shapes, the checks a wrong file would otherwise turn into a silently missing figure or sentence:

* briefing: every ``{placeholder}`` is a context name (``bank``, ``date``, ``year``; ``r_name`` inside
  ``for_each``) or a known indicator id (``wupian.metrics.catalogue``) with a known ``|format``; braces are
  balanced; ``when`` comparisons read ``<indicator id> <op> <number>``; ``for_each`` names known registries.
* NFRA: column measures come from ``report_rows``; row tags are rulebook tags; ``when`` trees use the closed
  condition vocabulary of ``wupian.engine.metrics_reports`` with known columns, customer types and sizes.

Errors are ``WP-BRIEF-…`` / ``WP-LAYOUT-…`` Issues with file and line (suffixes as in ``yamldoc``); the
loaders raise ``DataError`` listing them all. The validated data is returned as plain mappings/lists.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from wupian.contract.tables import CUSTOMER_TYPES, SIZES
from wupian.core import yamldoc as yd
from wupian.engine.metrics_reports import LOAN_COLUMNS
from wupian.metrics import definitions
from wupian.metrics.catalogue import indicator_problem
from wupian.metrics.compute import names
from wupian.rules import load_rulebook

BRIEF, LAYOUT = "WP-BRIEF", "WP-LAYOUT"
BRIEFING_FILE, NFRA_FILE = "briefing_templates.yaml", "nfra_tables.yaml"
PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([a-z_]+)(?::([^{}]*))?)?\}")
FORMATS = ("amount", "delta", "count", "count_delta", "percent", "gap", "ordinal", "workdays", "minutes")
CONTEXT = ("bank", "date", "year")
COMPARISONS = ("==", "!=", ">", ">=", "<", "<=")
MEASURES = ("ytd_disbursed_customers", "ytd_disbursed", "customers", "balance", "mid_long_term_balance",
            "credit_loan_balance", "npl_balance", "ytd_interest_income", "rediscount")

F, T = yd.Field, yd.Text()
VARIANT = yd.Record({"text": F(T, True), "when": F(yd.ListOf(T))}, key_field=None)
VARIANTS = yd.ListOf(VARIANT, nonempty=True)
FOR_EACH = yd.Record({"for_each": F(yd.ListOf(T, nonempty=True), True), "variants": F(VARIANTS, True)},
                     key_field=None)
SENTENCE = yd.Either((VARIANTS, FOR_EACH))
SECTION = yd.Record({"heading": F(T, True), "chart_scope": F(T), "sentences": F(yd.ListOf(SENTENCE), True)},
                    key_field="heading")
BRIEFING = yd.Record({"title": F(T, True), "lead": F(yd.ListOf(SENTENCE), True),
                      "sections": F(yd.ListOf(SECTION), True)}, key_field=None)


def _cond(chk: yd.Checker, node: yaml.Node, key: str | None, column: str | None) -> None:
    """A one-key condition: ``all``/``any`` of conditions, or a leaf of the report condition vocabulary."""
    items = yd.mapping_items(node)
    if len(items) != 1:
        chk.error(yd.BAD_VALUE, node, "when: expected a mapping with exactly one condition", key, "when")
        return
    (name, (knode, vnode)), = items.items()
    codes = lambda vocab: yd.ListOf(yd.Enum(*(e.value for e in vocab)), nonempty=True)  # noqa: E731
    leaves: dict[str, yd.Spec] = {
        "all": yd.ListOf(yd.Custom(_cond), nonempty=True), "any": yd.ListOf(yd.Custom(_cond), nonempty=True),
        "registry": yd.ListOf(yd.Enum(*sorted(names()["registries"])), nonempty=True),
        "size": codes(SIZES), "customer_type": codes(CUSTOMER_TYPES),
        "not_null": yd.Enum(*sorted(LOAN_COLUMNS)), "tagged": T, "credit_limit_max": yd.Number(),
        "business_loan": yd.Bool(), "code_in": yd.ListOf(yd.Either((yd.Enum(*sorted(LOAN_COLUMNS)),
                                                                     yd.ListOf(T, nonempty=True)))),
    }
    if name not in leaves:
        chk.error(yd.UNKNOWN_KEY, knode, f"unknown condition {name!r}", key, name, yd.did_you_mean(name, leaves))
        return
    leaves[name].check(chk, vnode, key, name)
    if name == "code_in" and (not isinstance(vnode, yaml.SequenceNode) or len(vnode.value) != 2
                              or not isinstance(vnode.value[0], yaml.ScalarNode)):
        chk.error(yd.BAD_VALUE, vnode, "code_in: expected [column, [codes…]]", key, name)


COLUMN = yd.Record({"code": F(T, True), "label": F(T, True), "measure": F(yd.Enum(*MEASURES), True)},
                   key_field="code")
ROW = yd.Record({"code": F(T, True), "label": F(T, True), "tag": F(T, True), "when": F(yd.Custom(_cond))},
                key_field="code")
NFRA_TABLE = yd.Record({"id": F(T, True), "title": F(T, True), "columns": F(yd.ListOf(COLUMN, nonempty=True), True),
                        "rows": F(yd.ListOf(ROW, nonempty=True), True)})


def _walk(node: yaml.Node) -> list[yaml.Node]:
    """The node and all nodes below it, in document order."""
    out = [node]
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            out += _walk(child)
    elif isinstance(node, yaml.MappingNode):
        for _, child in node.value:
            out += _walk(child)
    return out


def _nfra_references(chk: yd.Checker, node: yaml.Node, value: Any) -> None:
    """Row ``tag`` and ``tagged`` name tags of the classification rulebook; ids and row codes are unique."""
    tags = [t.id for t in load_rulebook().tags]
    ids: set[str] = set()
    for table in node.value:
        items = yd.mapping_items(table)
        tid = str(items["id"][1].value)
        if tid in ids:
            chk.error(yd.BAD_REFERENCE, items["id"][1], f"table id {tid!r} given twice", f"id={tid}", "id")
        ids.add(tid)
        codes: set[str] = set()
        for row in items["rows"][1].value:
            r = yd.mapping_items(row)
            code = str(r["code"][1].value)
            if code in codes:
                chk.error(yd.BAD_REFERENCE, r["code"][1], f"row code {code!r} given twice", f"code={code}", "code")
            codes.add(code)
            refs = [("tag", r["tag"][1])]
            if "when" in r:
                refs += [("tagged", v) for n in _walk(r["when"][1]) for k, v in yd.mapping_items(n).values()
                         if k.value == "tagged"]
            for column, tnode in refs:
                if tnode.value not in tags:
                    chk.error(yd.BAD_REFERENCE, tnode, f"{column}: unknown tag {tnode.value!r}", f"code={code}",
                              column, yd.did_you_mean(tnode.value, tags))


def _text_problems(text: str, context: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(message, suggestion) for each bad placeholder of one template text."""
    defs, vocab = definitions(), names()
    out: list[tuple[str, str | None]] = []
    for m in PLACEHOLDER.finditer(text):
        key, fmt = m.group(1), m.group(2)
        if key in context:
            if fmt is not None:
                out.append((f"{{{key}}} takes no format", None))
            continue
        if fmt is not None and fmt not in FORMATS:
            out.append((f"unknown format |{fmt} in {m.group(0)}", yd.did_you_mean(fmt, FORMATS)))
        problem = indicator_problem(key, defs, vocab)
        if problem is not None:
            hint = yd.did_you_mean(key, context, list_all=False) if "." not in key else None
            out.append((f"placeholder {{{key}}}: {problem}", hint))
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        out.append(("unbalanced { } in template text", "write placeholders as {indicator.id|format}"))
    return out


def _condition_problem(cond: str) -> str | None:
    parts = cond.split()
    if len(parts) != 3 or parts[1] not in COMPARISONS:
        return f"when {cond!r}: expected '<indicator id> <{'|'.join(COMPARISONS)}> <number>'"
    try:
        Decimal(parts[2])
    except InvalidOperation:
        return f"when {cond!r}: {parts[2]!r} is not a number"
    problem = indicator_problem(parts[0], definitions(), names())
    return None if problem is None else f"when {cond!r}: {problem}"


def _briefing_references(chk: yd.Checker, node: yaml.Node, value: Any) -> None:
    """Every placeholder, format and condition of every template text resolves (located at the text's line)."""
    root = yd.mapping_items(node)
    title_knode, title = root["title"]
    for key in PLACEHOLDER.findall(title.value):
        if key[0] != "bank":
            chk.error(yd.BAD_REFERENCE, title, f"title: only {{bank}} may appear, got {{{key[0]}}}", None, "title")
    groups = [(None, root["lead"][1])] + [
        (f"heading={yd.mapping_items(s)['heading'][1].value}", yd.mapping_items(s)["sentences"][1])
        for s in root["sections"][1].value]
    for key, sentences in groups:
        for sentence in sentences.value:
            if isinstance(sentence, yaml.SequenceNode):
                _variants(chk, sentence, key, [""], CONTEXT)
                continue
            each = yd.mapping_items(sentence)["for_each"][1]
            registries = names()["registries"]
            for r in each.value:
                if r.value not in registries:
                    chk.error(yd.BAD_REFERENCE, r, f"for_each: unknown registry {r.value!r}", key, "for_each",
                              yd.did_you_mean(r.value, registries))
            _variants(chk, yd.mapping_items(sentence)["variants"][1], key,
                      [r.value for r in each.value if r.value in registries], (*CONTEXT, "r_name"))


def _variants(chk: yd.Checker, variants: yaml.Node, key: str | None, each: list[str],
              context: tuple[str, ...]) -> None:
    for variant in variants.value:
        v = yd.mapping_items(variant)
        text = v["text"][1]
        found: dict[str, str | None] = {}
        for r in each:
            for message, hint in _text_problems(text.value.replace("{r}", r) if r else text.value, context):
                found.setdefault(message, hint)
        for message, hint in found.items():
            chk.error(yd.BAD_REFERENCE, text, message, key, "text", hint)
        for cnode in v["when"][1].value if "when" in v else ():
            problem = _condition_problem(str(cnode.value))
            if problem:
                chk.error(yd.BAD_REFERENCE, cnode, problem, key, "when")


def _packaged(name: str) -> str:
    return resources.files("wupian.reports").joinpath(name).read_text("utf-8")


def parse_briefing_templates(text: str, file: str = BRIEFING_FILE) -> tuple[dict[str, Any] | None, list[Any]]:
    """(templates or None, issues) for a briefing templates document."""
    return yd.load_document(text, file, BRIEFING, BRIEF, [_briefing_references])


def parse_nfra_tables(text: str, file: str = NFRA_FILE) -> tuple[list[dict[str, Any]] | None, list[Any]]:
    """(table layouts or None, issues) for an NFRA tables document."""
    return yd.load_document(text, file, yd.ListOf(NFRA_TABLE, nonempty=True), LAYOUT, [_nfra_references])


@lru_cache(maxsize=1)
def briefing_templates() -> dict[str, Any]:
    """The packaged briefing templates, validated once per process (DataError listing every problem)."""
    return yd.raise_if_errors("the briefing templates", *parse_briefing_templates(_packaged(BRIEFING_FILE)))


@lru_cache(maxsize=1)
def nfra_tables() -> list[dict[str, Any]]:
    """The packaged NFRA table layouts, validated once per process (DataError listing every problem)."""
    return yd.raise_if_errors("the NFRA table layouts", *parse_nfra_tables(_packaged(NFRA_FILE)))
