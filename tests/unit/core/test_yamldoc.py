"""The shared YAML loader: closed records, located messages, did-you-mean, one error shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wupian.core import yamldoc as yd
from wupian.core.errors import DataError

F = yd.Field
PERSON = yd.Record({"id": F(yd.Text(), True), "age": F(yd.Int(minimum=0)), "role": F(yd.Enum("teller", "head")),
                    "since": F(yd.Date()), "tags": F(yd.ListOf(yd.Text())), "active": F(yd.Bool())})
PEOPLE = yd.ListOf(PERSON)


def _messages(text: str, spec: yd.Spec = PEOPLE) -> list[str]:
    value, issues = yd.load_document(text, "people.yaml", spec, "WP-TEST")
    assert (value is None) == bool(issues)
    return [str(i) for i in issues]


def test_a_valid_document_gives_its_plain_value() -> None:
    value, issues = yd.load_document("- id: a\n  age: 3\n  tags: [x]\n", "people.yaml", PEOPLE, "WP-TEST")
    assert issues == [] and value == [{"id": "a", "age": 3, "tags": ["x"]}]


def test_unknown_key_is_located_with_a_suggestion() -> None:
    assert _messages("- id: a\n- id: b\n  rol: head\n") == [
        "people.yaml:3[id=b].rol: ERROR WP-TEST-001 unknown key 'rol' (did you mean 'role'?)"]


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    assert _messages("- id: a\n  zzz: 1\n") == [
        "people.yaml:2[id=a].zzz: ERROR WP-TEST-001 unknown key 'zzz' (allowed: id, age, role, since, tags, active)"]


def test_wrong_types_missing_keys_and_duplicates() -> None:
    assert _messages("- id: a\n  since: 2025-13-01\n") == [
        "people.yaml:2: ERROR WP-TEST-003 month must be in 1..12: '2025-13-01'"]
    assert _messages("- id: a\n  age: old\n  since: 1 May\n  active: maybe\n  tags: x\n"
                     "- age: 1\n  age: 2\n") == [
        "people.yaml:2[id=a].age: ERROR WP-TEST-003 age: expected a whole number",
        "people.yaml:3[id=a].since: ERROR WP-TEST-003 since: expected a date YYYY-MM-DD",
        "people.yaml:4[id=a].active: ERROR WP-TEST-003 active: expected true or false",
        "people.yaml:5[id=a].tags: ERROR WP-TEST-003 tags: expected a list",
        "people.yaml:7.age: ERROR WP-TEST-003 key 'age' given twice",
        "people.yaml:6.id: ERROR WP-TEST-002 missing required key 'id'",
    ]


def test_enum_value_suggests_the_closest_choice() -> None:
    assert _messages("- id: a\n  role: teler\n") == [
        "people.yaml:2[id=a].role: ERROR WP-TEST-003 role: 'teler' is not one of teller, head "
        "(did you mean 'teller'?)"]


def test_syntax_error_is_one_located_issue() -> None:
    assert _messages("- id: a\n  tags: [x\n- id: b\n") == [
        "people.yaml:3: ERROR WP-TEST-008 YAML syntax error: expected ',' or ']', but got ':'"]


def test_open_mapping_and_either() -> None:
    spec = yd.MapOf(yd.Either((yd.Text(), yd.ListOf(yd.Int()))))
    assert _messages("a: x\nb: [1, 2]\n", spec) == []
    assert _messages("a: {x: 1}\n", spec) == ["people.yaml:1.a: ERROR WP-TEST-003 a: expected text or a list"]


def test_raise_if_errors_carries_every_issue() -> None:
    value, issues = yd.load_document("- id: a\n  rol: x\n  age: -1\n", "people.yaml", PEOPLE, "WP-TEST")
    with pytest.raises(DataError) as err:
        yd.raise_if_errors("the people file", value, issues)
    assert str(err.value) == "the people file failed validation" and len(err.value.issues) == 2


def _shipped_yaml() -> list[Path]:
    root = Path(yd.__file__).parents[1]
    return sorted(p for p in root.rglob("*.yaml") if "__pycache__" not in p.parts)


def _tree(node: yd.Node) -> object:
    """A composed node as plain data: tag, line, column, quoting style and children (libyaml says '' where the
    Python parser says None for a plain scalar; no checker reads the style)."""
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.start_mark.line, node.start_mark.column, node.value, node.style or None)
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, node.start_mark.line, [_tree(n) for n in node.value])
    return (node.tag, node.start_mark.line, [(_tree(k), _tree(v)) for k, v in node.value])


@pytest.mark.skipif(getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", _shipped_yaml(), ids=lambda p: p.name)
def test_libyaml_reads_every_shipped_file_as_the_python_parser_does(path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast, fast_issues = yd.parse_documents(text, path.name, "WP-TEST")
    monkeypatch.setattr(yd, "_FAST_LOADER", None)
    slow, slow_issues = yd.parse_documents(text, path.name, "WP-TEST")
    assert fast_issues == slow_issues == []
    assert [v for _, v in fast] == [v for _, v in slow]
    assert [_tree(n) for n, _ in fast] == [_tree(n) for n, _ in slow]


@pytest.mark.parametrize("text", ["- id: a\n  age: [1, 2\n", "a: 1\n\tb: 2\n", "- id: a\n  since: 2025-13-01\n",
                                  "a: \x07\n", "a: {b: 1, c\n", "%YAML 9.9\n---\na: 1\n"])
def test_bad_yaml_gets_the_python_parsers_message(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file libyaml refuses is read again by the pure-Python parser: the issue is the one it always gave."""
    fast = yd.parse_documents(text, "bad.yaml", "WP-TEST")
    monkeypatch.setattr(yd, "_FAST_LOADER", None)
    assert fast == yd.parse_documents(text, "bad.yaml", "WP-TEST")
    assert fast[1] and fast[0] == []


def test_a_control_character_is_a_located_syntax_error() -> None:
    assert _messages("- id: a\n- id: \x07\n") == [
        "people.yaml:2: ERROR WP-TEST-008 YAML syntax error: unacceptable character #x0007: special characters are "
        "not allowed"]
