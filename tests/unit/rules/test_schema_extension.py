"""Other rulebooks (the screening rulebook) build on ``wupian.rules.schema``: string field kinds, a Checker
subclass adding kinds of its own, whole or suffix error codes — all on the shared YAML loader."""

from __future__ import annotations

import yaml

from wupian.rules.schema import Checker, Field, Kind, compose_documents

RULE = {"id": Field("str", True), "kind": Field("enum", True, ("a", "b")), "points": Field("int"),
        "steps": Field("steps"), "since": Field("date?"), "tags": Field("list[str]")}


class StepsChecker(Checker):
    def value(self, node: yaml.Node, f: Kind, key: str | None, column: str) -> None:
        if f.kind == "steps":
            if not isinstance(node, yaml.SequenceNode):
                self.error("WP-RULE-003", node, f"{column}: expected a list of steps", key, column)
            return
        super().value(node, f, key, column)


def _issues(text: str) -> list[str]:
    docs, errors = compose_documents(text, "rules.yaml")
    assert errors == []
    chk = StepsChecker("rules.yaml")
    chk.mapping(docs[0][0], RULE)
    return [str(i) for i in chk.issues]


def test_string_kinds_and_an_added_kind() -> None:
    assert _issues("id: r1\nkind: a\npoints: 3\nsteps: [1]\nsince: null\ntags: [x]\n") == []
    assert _issues("id: r1\nkind: c\npoints: many\nsteps: 4\nsice: 2025-01-01\n") == [
        "rules.yaml:2[id=r1].kind: ERROR WP-RULE-003 kind: 'c' is not one of a, b",
        "rules.yaml:3[id=r1].points: ERROR WP-RULE-003 points: expected a whole number",
        "rules.yaml:4[id=r1].steps: ERROR WP-RULE-003 steps: expected a list of steps",
        "rules.yaml:5[id=r1].sice: ERROR WP-RULE-001 unknown key 'sice' (did you mean 'since'?)",
    ]


def test_codes_of_other_families_are_kept_whole() -> None:
    chk = Checker("x.yaml")
    chk.error("WP-SCREEN-004", None, "m")
    chk.error("WP-RULE-002", None, "n")
    chk.error("003", None, "o")
    assert [i.code for i in chk.issues] == ["WP-SCREEN-004", "WP-RULE-002", "WP-RULE-003"]
