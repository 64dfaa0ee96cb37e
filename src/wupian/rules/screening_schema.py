"""The closed schema of the screening rulebook YAML (``rulebooks/screening``), checked node by node.

Same style and error codes as the classification rulebook (``schema.py``): an unknown key is an ERROR at its line
with the closest allowed key suggested; ``screening_book.py`` then checks references (features, checklist codes,
typologies, citations, template placeholders).
"""

from __future__ import annotations

import yaml

from wupian.rules.schema import Checker, Field

COND_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in")
STEP_OPS = ("lt", "le", "gt", "ge")
RULE_KINDS = ("history", "observation", "request", "list")
BANDS = ("low", "medium", "high", "block")

RULE = {
    "id": Field("str", True),
    "kind": Field("enum", True, RULE_KINDS),
    "zh": Field("str", True),
    "en": Field("str", True),
    "description": Field("text"),
    "feature": Field("str", True),
    "when": Field("when"),
    "points": Field("int"),
    "steps": Field("steps"),
    "weight_only": Field("bool"),
    "block": Field("bool"),
    "reason": Field("str", True),
    "typologies": Field("list[str]", True),
    "cites": Field("list[str]", True),
}
ACTION = {"band": Field("enum", True, BANDS), "zh": Field("str", True), "en": Field("str", True)}
BANDS_SPEC = {"medium": Field("int", True), "high": Field("int", True), "actions": Field("list:action", True)}
OVERRIDES = {
    "block_lists": Field("list[str]", True),
    "allow_lists": Field("list[str]", True),
    "exemption_days": Field("int", True),
}
CONTEXT = {"large_cash": Field("int", True)}
WINDOWS = {k: Field("int", True) for k in (
    "new_inflow_hours", "fanin_days", "recent_days", "history_days", "night_from", "night_to", "split_days",
    "split_min_credits", "split_max_credit")}
TYPOLOGY = {"id": Field("str", True), "zh": Field("str", True)}
CHECK_ITEM = {"code": Field("str", True), "zh": Field("str", True)}
PURPOSE = {"id": Field("str", True), "zh": Field("str", True), "personal": Field("bool", True),
           "keywords": Field("list[str]", True)}
MANIFEST = {
    "version": Field("str", True),
    "title": Field("str", True),
    "bands": Field("map:bands", True),
    "overrides": Field("map:overrides", True),
    "context": Field("map:context", True),
    "windows": Field("map:windows", True),
    "typologies": Field("list:typology", True),
    "checklist": Field("list:check", True),
    "purposes": Field("list:purpose", True),
}
SUB = {"action": ACTION, "bands": BANDS_SPEC, "overrides": OVERRIDES, "context": CONTEXT, "windows": WINDOWS,
       "typology": TYPOLOGY, "check": CHECK_ITEM, "purpose": PURPOSE}


class ScreeningChecker(Checker):
    """The classification Checker plus the screening shapes: int, bool, nested maps and lists, when, steps."""

    def value(self, node: yaml.Node, f: Field, key: str | None, column: str) -> None:
        kind = f.kind
        if kind == "int":
            if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int")):
                self.error("WP-RULE-003", node, f"{column}: expected a whole number", key, column)
        elif kind == "bool":
            if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":bool")):
                self.error("WP-RULE-003", node, f"{column}: expected true or false", key, column)
        elif kind.startswith("map:"):
            self.mapping(node, SUB[kind[4:]], key)
        elif kind.startswith("list:"):
            if not isinstance(node, yaml.SequenceNode) or not node.value:
                self.error("WP-RULE-003", node, f"{column}: expected a non-empty list", key, column)
                return
            for item in node.value:
                self.mapping(item, SUB[kind[5:]], key)
        elif kind == "when":
            self._ops_list(node, key, column, COND_OPS, {"feature"})
        elif kind == "steps":
            self._ops_list(node, key, column, STEP_OPS, {"points"})
        else:
            super().value(node, f, key, column)

    def _ops_list(self, node: yaml.Node, key: str | None, column: str, ops: tuple[str, ...],
                  extra: set[str]) -> None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error("WP-RULE-003", node, f"{column}: expected a non-empty list", key, column)
            return
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                self.error("WP-RULE-003", item, f"{column}: expected a mapping", key, column)
                continue
            names = [str(k.value) for k, _ in item.value]
            for knode, _ in item.value:
                if str(knode.value) not in (*ops, *extra):
                    self.error("WP-RULE-001", knode, f"unknown key {knode.value!r} in {column}", key, column,
                               "allowed: " + ", ".join((*sorted(extra), *ops)))
            if sum(1 for n in names if n in ops) != 1:
                self.error("WP-RULE-003", item, f"{column}: expected exactly one operator of {', '.join(ops)}",
                           key, column)
            for needed in extra:
                if needed not in names:
                    self.error("WP-RULE-002", item, f"{column}: missing {needed!r}", key, column)
