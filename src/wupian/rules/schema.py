"""The closed schema of the classification rulebook YAML, on the shared loader ``wupian.core.yamldoc``.

A rulebook folder holds ``manifest.yaml`` (version, tags, profiles, registry labels), ``citations.yaml`` and
``rules/*.yaml`` (one YAML document per rule, separated by ``---``). Every mapping is closed: an unknown key is an
ERROR ``WP-RULE-001`` at the key's line with the closest allowed key suggested (``002`` missing key, ``003`` wrong
type, ``008`` YAML syntax — the suffixes of ``yamldoc``). This module only knows shapes; references between
records (facts, tags, profiles, citations) are checked in ``rulebook.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from wupian.core import yamldoc as yd
from wupian.core.issues import Issue, Level, Source

PREFIX = "WP-RULE"
LEAF_OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "is_null", "is_true", "has_any")
LEAF_KEYS = ("fact", "label", *LEAF_OPS)
GROUP_KEYS = ("all", "any", "not")


def _condition(chk: yd.Checker, node: yaml.Node, key: str | None, column: str | None = "when") -> None:
    """A rule condition: ``{all|any: [cond, …]}``, ``{not: cond}`` or a leaf ``{fact, <one operator>[, label]}``."""
    if not isinstance(node, yaml.MappingNode) or not node.value:
        chk.error(yd.BAD_VALUE, node, "when: expected a condition mapping", key, "when")
        return
    names = [str(k.value) for k, _ in node.value]
    if any(n in GROUP_KEYS for n in names):
        if len(names) != 1:
            chk.error(yd.BAD_VALUE, node, "a group (all/any/not) must be the only key of its mapping", key)
            return
        (knode, vnode), name = node.value[0], names[0]
        if name == "not":
            _condition(chk, vnode, key)
        elif not isinstance(vnode, yaml.SequenceNode) or not vnode.value:
            chk.error(yd.BAD_VALUE, knode, f"{name}: expected a non-empty list of conditions", key, name)
        else:
            for item in vnode.value:
                _condition(chk, item, key)
        return
    for knode, _ in node.value:
        if str(knode.value) not in LEAF_KEYS:
            chk.error(yd.UNKNOWN_KEY, knode, f"unknown key {knode.value!r} in condition", key, str(knode.value),
                      yd.did_you_mean(str(knode.value), (*LEAF_KEYS, *GROUP_KEYS)))
    if "fact" not in names:
        chk.error(yd.MISSING_KEY, node, "condition: missing 'fact'", key, "fact")
    if len([n for n in names if n in LEAF_OPS]) != 1:
        chk.error(yd.BAD_VALUE, node, f"condition: expected exactly one operator of {', '.join(LEAF_OPS)}", key)


F, T, NAMES = yd.Field, yd.Text(), yd.ListOf(yd.Text())
RULE: dict[str, yd.Field] = {
    "id": F(T, True),
    "label": F(T, True),
    "description": F(T),
    "kind": F(yd.Enum("include", "exclude", "marker")),
    "tags": F(NAMES),
    "applies_to": F(NAMES),
    "profiles": F(NAMES, True),
    "effective_from": F(yd.Date(), True),
    "effective_to": F(yd.Date(nullable=True)),
    "when": F(yd.Custom(_condition), True),
    "amount": F(T),
    "explain": F(T, True),
    "cites": F(NAMES, True),
}
TAG = {"id": F(T, True), "label": F(T, True), "union_of": F(NAMES), "description": F(T)}
PROFILE = {"id": F(T, True), "label": F(T, True), "description": F(T)}
REGISTRY = {"id": F(T, True), "label": F(T, True)}
MANIFEST: dict[str, yd.Field] = {
    "version": F(T, True),
    "title": F(T, True),
    "tags": F(yd.ListOf(yd.Record(TAG)), True),
    "profiles": F(yd.ListOf(yd.Record(PROFILE)), True),
    "registries": F(yd.ListOf(yd.Record(REGISTRY)), True),
}
CITATION = {
    "id": F(T, True),
    "document": F(T, True),
    "number": F(T),
    "clause": F(T, True),
    "quote": F(T, True),
    "source_file": F(T),
    "status": F(yd.Enum("verified", "unverified"), True),
    "note": F(T),
}
CITATIONS: dict[str, yd.Field] = {"citations": F(yd.ListOf(yd.Record(CITATION)), True)}
RECORDS = {"tag": TAG, "profile": PROFILE, "registry": REGISTRY, "citation": CITATION}


class Checker(yd.Checker):
    """The shared checker with the rulebook's code prefix; ``mapping`` checks a node against a closed key set.

    ``error`` takes a code suffix ("003") or a whole code ("WP-RULE-003"); ``value`` resolves the string field
    kinds of :func:`Field` so that a subclass can add kinds of its own (the screening rulebook does).
    """

    def __init__(self, file: str) -> None:
        super().__init__(file, PREFIX)

    def error(self, code: str, node: yaml.Node | None, message: str, key: str | None = None,
              column: str | None = None, suggestion: str | None = None) -> None:
        if code.startswith("WP-"):
            code = code.rsplit("-", 1)[1] if code.startswith(f"{self.prefix}-") else code
        if code.startswith("WP-"):  # another family's code: keep it whole
            line = yd.line_of(node) if node is not None else None
            self.issues.append(Issue(code, Level.ERROR, message, Source(self.file, line, key, column), suggestion))
            return
        super().error(code, node, message, key, column, suggestion)

    def mapping(self, node: yaml.Node, spec: dict[str, yd.Field], key: str | None = None) -> None:
        yd.Record(spec).check(self, node, key, None)

    def value(self, node: yaml.Node, f: Kind, key: str | None, column: str) -> None:
        """Check ``node`` against a string kind: str, text, enum, date, date?, list[str], records:<name>,
        condition."""
        simple: dict[str, yd.Spec] = {
            "str": T, "text": T, "enum": yd.Text(f.choices), "date": yd.Date(), "date?": yd.Date(nullable=True),
            "list[str]": NAMES, "condition": yd.Custom(_condition), "int": yd.Int(), "bool": yd.Bool(),
        }
        if f.kind in simple:
            simple[f.kind].check(self, node, key, column)
        elif f.kind.startswith("records:") and f.kind[8:] in RECORDS:
            yd.ListOf(yd.Record(RECORDS[f.kind[8:]])).check(self, node, key, column)
        else:
            raise ValueError(f"unknown field kind {f.kind!r} in a rulebook schema")


@dataclass(frozen=True)
class Kind(yd.Spec):
    """A field shape named by a string (see :meth:`Checker.value`), resolved by the checker in use."""

    kind: str
    choices: tuple[str, ...] = ()

    def check(self, chk: yd.Checker, node: yaml.Node, key: str | None, column: str | None) -> None:
        if not isinstance(chk, Checker):
            raise TypeError("string field kinds need wupian.rules.schema.Checker")
        chk.value(node, self, key, column or "")


def Field(kind: str, required: bool = False, choices: tuple[str, ...] = ()) -> yd.Field:  # noqa: N802
    """A rulebook field by kind name (``Field("enum", True, ("a", "b"))``); new schemas can use
    ``wupian.core.yamldoc`` specs directly."""
    return yd.Field(Kind(kind, tuple(choices)), required)


def compose_documents(text: str, file: str) -> tuple[list[tuple[yaml.Node, Any]], list[Issue]]:
    """(node, python value) per YAML document; a syntax error becomes one located Issue."""
    return yd.parse_documents(text, file, PREFIX)
