"""The closed schema of the classification rulebook YAML, checked node by node so errors carry their line.

A rulebook folder holds ``manifest.yaml`` (version, tags, profiles, registry labels), ``citations.yaml`` and
``rules/*.yaml`` (one YAML document per rule, separated by ``---``). Every mapping is closed: an unknown key is an
ERROR at the key's line, with the closest allowed key suggested. This module only knows shapes; references
between records (facts, tags, profiles, citations) are checked in ``rulebook.py``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from wupian.core.issues import Issue, Level, Source

LEAF_OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "is_null", "is_true", "has_any")
LEAF_KEYS = ("fact", "label", *LEAF_OPS)
GROUP_KEYS = ("all", "any", "not")


@dataclass(frozen=True, slots=True)
class Field:
    kind: str  # str | text | date | date? | list[str] | enum | condition | records:<schema> | bool
    required: bool = False
    choices: tuple[str, ...] = ()


RULE = {
    "id": Field("str", True),
    "label": Field("str", True),
    "description": Field("text"),
    "kind": Field("enum", False, ("include", "exclude", "marker")),
    "tags": Field("list[str]"),
    "applies_to": Field("list[str]"),
    "profiles": Field("list[str]", True),
    "effective_from": Field("date", True),
    "effective_to": Field("date?"),
    "when": Field("condition", True),
    "amount": Field("str"),
    "explain": Field("str", True),
    "cites": Field("list[str]", True),
}
TAG = {"id": Field("str", True), "label": Field("str", True), "union_of": Field("list[str]"),
       "description": Field("text")}
PROFILE = {"id": Field("str", True), "label": Field("str", True), "description": Field("text")}
REGISTRY = {"id": Field("str", True), "label": Field("str", True)}
MANIFEST = {
    "version": Field("str", True),
    "title": Field("str", True),
    "tags": Field("records:tag", True),
    "profiles": Field("records:profile", True),
    "registries": Field("records:registry", True),
}
CITATION = {
    "id": Field("str", True),
    "document": Field("str", True),
    "number": Field("str"),
    "clause": Field("str", True),
    "quote": Field("str", True),
    "source_file": Field("str"),
    "status": Field("enum", True, ("verified", "unverified")),
    "note": Field("text"),
}
CITATIONS = {"citations": Field("records:citation", True)}
RECORDS = {"tag": TAG, "profile": PROFILE, "registry": REGISTRY, "citation": CITATION}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class Checker:
    """Collects located Issues while walking composed YAML nodes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def error(self, code: str, node: yaml.Node, message: str, key: str | None = None,
              column: str | None = None, suggestion: str | None = None) -> None:
        self.issues.append(
            Issue(code, Level.ERROR, message, Source(self.file, _line(node), key, column), suggestion)
        )

    def mapping(self, node: yaml.Node, spec: dict[str, Field], key: str | None = None) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.error("WP-RULE-003", node, "expected a mapping", key)
            return
        seen: set[str] = set()
        for knode, vnode in node.value:
            name = str(knode.value)
            if name not in spec:
                close = difflib.get_close_matches(name, list(spec), n=1)
                self.error("WP-RULE-001", knode, f"unknown key {name!r}", key, name,
                           f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(spec))
                continue
            if name in seen:
                self.error("WP-RULE-003", knode, f"key {name!r} given twice", key, name)
            seen.add(name)
            self.value(vnode, spec[name], key, name)
        for name, f in spec.items():
            if f.required and name not in seen:
                self.error("WP-RULE-002", node, f"missing required key {name!r}", key, name)

    def value(self, node: yaml.Node, f: Field, key: str | None, column: str) -> None:
        kind = f.kind
        if kind in ("str", "text", "enum"):
            if not isinstance(node, yaml.ScalarNode) or node.value == "":
                self.error("WP-RULE-003", node, f"{column}: expected text", key, column)
            elif kind == "enum" and node.value not in f.choices:
                self.error("WP-RULE-003", node, f"{column}: {node.value!r} is not one of {', '.join(f.choices)}",
                           key, column)
        elif kind in ("date", "date?"):
            if kind == "date?" and isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
                return
            if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith(":timestamp"):
                try:
                    date.fromisoformat(str(node.value))
                except (TypeError, ValueError):
                    self.error("WP-RULE-003", node, f"{column}: expected a date YYYY-MM-DD", key, column)
        elif kind == "list[str]":
            if not isinstance(node, yaml.SequenceNode) or not all(
                isinstance(n, yaml.ScalarNode) and n.value for n in node.value
            ):
                self.error("WP-RULE-003", node, f"{column}: expected a list of names", key, column)
        elif kind.startswith("records:"):
            if not isinstance(node, yaml.SequenceNode):
                self.error("WP-RULE-003", node, f"{column}: expected a list", key, column)
                return
            for item in node.value:
                self.mapping(item, RECORDS[kind.split(":", 1)[1]], key)
        elif kind == "condition":
            self.condition(node, key)

    def condition(self, node: yaml.Node, key: str | None) -> None:
        if not isinstance(node, yaml.MappingNode) or not node.value:
            self.error("WP-RULE-003", node, "when: expected a condition mapping", key, "when")
            return
        names = [str(k.value) for k, _ in node.value]
        if any(n in GROUP_KEYS for n in names):
            if len(names) != 1:
                self.error("WP-RULE-003", node, "a group (all/any/not) must be the only key of its mapping", key)
                return
            (knode, vnode), name = node.value[0], names[0]
            if name == "not":
                self.condition(vnode, key)
            elif not isinstance(vnode, yaml.SequenceNode) or not vnode.value:
                self.error("WP-RULE-003", knode, f"{name}: expected a non-empty list of conditions", key, name)
            else:
                for item in vnode.value:
                    self.condition(item, key)
            return
        for knode, _ in node.value:
            if str(knode.value) not in LEAF_KEYS:
                allowed = list(LEAF_KEYS) + list(GROUP_KEYS)
                close = difflib.get_close_matches(str(knode.value), allowed, n=1)
                self.error("WP-RULE-001", knode, f"unknown key {knode.value!r} in condition", key, str(knode.value),
                           f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed))
        ops = [n for n in names if n in LEAF_OPS]
        if "fact" not in names:
            self.error("WP-RULE-002", node, "condition: missing 'fact'", key, "fact")
        if len(ops) != 1:
            self.error("WP-RULE-003", node, f"condition: expected exactly one operator of {', '.join(LEAF_OPS)}",
                       key)


def compose_documents(text: str, file: str) -> tuple[list[tuple[yaml.Node, Any]], list[Issue]]:
    """(node, python value) per YAML document; a syntax error becomes one located Issue."""
    loader = yaml.SafeLoader(text)
    docs: list[tuple[yaml.Node, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            docs.append((node, loader.construct_document(node)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [], [Issue("WP-RULE-008", Level.ERROR, f"YAML syntax error: {exc}", Source(file, line))]
    finally:
        loader.dispose()
    return docs, []
