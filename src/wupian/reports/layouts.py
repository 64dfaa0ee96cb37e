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
from wupian.metrics.catalogue import indicator_problem
from wupian.metrics.compute import definitions, names
from wupian.rules import load_rulebook

BRIEF, LAYOUT = "WP-BRIEF", "WP-LAYOUT"
BRIEFING_FILE, NFRA_FILE = "briefing_templates.yaml", "nfra_tables.yaml"
PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([a-z_]+)(?::([^{}]*))?)?\}")
FORMATS = ("amount", "delta", "count", "count_delta", "percent", "gap", "ordinal", "workdays", "workdays_within",
           "minutes", "caliber")
CONTEXT = ("bank", "date", "year")
PROFILE_PREFIXES = ("nfra:",)  # an id read under the NFRA 1104 profile
CONTEXT_VALUES = ("context.siblings",)  # numbers the briefing computes itself, usable in `when`
COMPARISONS = ("==", "!=", ">", ">=", "<", "<=")
MEASURES = ("ytd_disbursed_customers", "ytd_disbursed", "customers", "balance", "mid_long_term_balance",
            "credit_loan_balance", "npl_balance", "ytd_interest_income", "rediscount", "rediscount_balance")
SPECIAL_TAGS = ("all_loans", "rediscount")  # every in-scope loan; 转贴现 loans (outside every category)

F, T = yd.Field, yd.Text()
VARIANT = yd.Record({"text": F(T, True), "when": F(yd.ListOf(T))}, key_field=None)
VARIANTS = yd.ListOf(VARIANT, nonempty=True)
FOR_EACH = yd.Record({"for_each": F(yd.ListOf(T, nonempty=True), True), "variants": F(VARIANTS, True)},
                     key_field=None)
SENTENCE = yd.Either((VARIANTS, FOR_EACH))
SECTION = yd.Record({"heading": F(T, True), "chart_scope": F(T), "sentences": F(yd.ListOf(SENTENCE), True)},
                    key_field="heading")
BRIEFING = yd.Record({"title": F(T, True), "lead": F(yd.ListOf(SENTENCE), True),
                      "sections": F(yd.ListOf(SECTION), True), "closing": F(T)}, key_field=None)


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
        "not": yd.Custom(_cond), "credit_limit_over": yd.Number(), "min_age": yd.Int(minimum=0), "rule": T,
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


BOUND = yd.Nullable(yd.Number())
COLUMN = yd.Record({"code": F(T, True), "label": F(T, True), "measure": F(yd.Enum(*MEASURES), True),
                    "credit_band": F(yd.ListOf(BOUND, nonempty=True)), "no_bills": F(yd.Bool())}, key_field="code")
ROW = yd.Record({"code": F(T, True), "label": F(T, True), "tag": F(T), "needs": F(T), "when": F(yd.Custom(_cond)),
                 "rediscount": F(yd.Custom(_cond))}, key_field="code")
NFRA_TABLE = yd.Record({"id": F(T, True), "title": F(T, True), "part": F(T),
                        "columns": F(yd.ListOf(COLUMN, nonempty=True), True),
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
    """Each row has a tag (a rulebook tag or all_loans/rediscount) or ``needs`` (a note row), never both;
    ``tagged`` names rulebook tags and ``rule`` rulebook rule ids; credit bands are [low, high]; a repeated table id continues the table as a
    later ``part``; row codes are unique within a part."""
    book = load_rulebook()
    tags, rules = [t.id for t in book.tags], tuple(r.id for r in book.rules)
    ids: set[str] = set()
    for table in node.value:
        items = yd.mapping_items(table)
        tid = str(items["id"][1].value)
        if tid in ids and "part" not in items:
            chk.error(yd.BAD_REFERENCE, items["id"][1], f"table id {tid!r} given twice (a continuation needs "
                      "'part')", f"id={tid}", "id")
        ids.add(tid)
        for col in items["columns"][1].value:
            band = yd.mapping_items(col).get("credit_band")
            if band is not None and len(band[1].value) != 2:
                chk.error(yd.BAD_VALUE, band[1], "credit_band: expected [low or null, high]",
                          f"code={yd.mapping_items(col)['code'][1].value}", "credit_band")
        codes: set[str] = set()
        for row in items["rows"][1].value:
            r = yd.mapping_items(row)
            code = str(r["code"][1].value)
            where = f"code={code}"
            if code in codes:
                chk.error(yd.BAD_REFERENCE, r["code"][1], f"row code {code!r} given twice", where, "code")
            codes.add(code)
            if ("tag" in r) == ("needs" in r):
                chk.error(yd.MISSING_KEY, row, "a row needs either 'tag' or 'needs' (a note row), not both", where,
                          "tag")
            refs = [("tag", r["tag"][1], (*tags, *SPECIAL_TAGS))] if "tag" in r else []
            for cond in ("when", "rediscount"):
                if cond in r:
                    refs += [(k.value, v, tuple(tags) if k.value == "tagged" else rules) for n in _walk(r[cond][1])
                             for k, v in yd.mapping_items(n).values() if k.value in ("tagged", "rule")]
            for column, tnode, allowed in refs:
                if tnode.value not in allowed:
                    what = "rule" if column == "rule" else "tag"
                    chk.error(yd.BAD_REFERENCE, tnode, f"{column}: unknown {what} {tnode.value!r}", where,
                              column, yd.did_you_mean(tnode.value, allowed, list_all=what == "tag"))


def _id_problem(indicator_id: str) -> str | None:
    """None for a value id a template may read: an indicator id, optionally under a profile prefix."""
    for prefix in PROFILE_PREFIXES:
        if indicator_id.startswith(prefix):
            indicator_id = indicator_id[len(prefix):]
    return indicator_problem(indicator_id, definitions(), names())


def _text_problems(text: str, context: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(message, suggestion) for each bad placeholder of one template text."""
    out: list[tuple[str, str | None]] = []
    for m in PLACEHOLDER.finditer(text):
        key, fmt = m.group(1), m.group(2)
        if key in context:
            if fmt is not None:
                out.append((f"{{{key}}} takes no format", None))
            continue
        if fmt is not None and fmt not in FORMATS:
            out.append((f"unknown format |{fmt} in {m.group(0)}", yd.did_you_mean(fmt, FORMATS)))
        problem = _id_problem(key)
        if problem is not None:
            hint = yd.did_you_mean(key, context, list_all=False) if "." not in key else None
            out.append((f"placeholder {{{key}}}: {problem}", hint))
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        out.append(("unbalanced { } in template text", "write placeholders as {indicator.id|format}"))
    return out


def _condition_problem(cond: str) -> str | None:
    """``<id> <op> <number or id>``: each id an indicator id (optionally ``nfra:``) or a context value."""
    parts = cond.split()
    if len(parts) != 3 or parts[1] not in COMPARISONS:
        return f"when {cond!r}: expected '<indicator id> <{'|'.join(COMPARISONS)}> <number or indicator id>'"
    for operand in (parts[0], parts[2]):
        if operand is parts[2] and (operand[0].isdigit() or operand[0] == "-"):
            try:
                Decimal(operand)
            except InvalidOperation:
                return f"when {cond!r}: {operand!r} is not a number"
            continue
        problem = None if operand in CONTEXT_VALUES else _id_problem(operand)
        if problem is not None:
            return f"when {cond!r}: {operand}: {problem}"
    return None


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
            problems = dict.fromkeys(_condition_problem(str(cnode.value).replace("{r}", r) if r else str(cnode.value))
                                     for r in each)
            for problem in problems:
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
