"""The one validated YAML loader of wupian: closed schemas, line-located Issues, "did you mean …?".

Every YAML file the package ships (the classification rulebook, the indicator definitions and names, the
NFRA report layouts, the briefing templates) is read through :func:`parse_documents` and checked node by node
against a schema built from the small vocabulary below, so every problem becomes one :class:`Issue` with
file, 1-based line, record key (``id=…``) and column — the same shape the CLI prints for bad input data::

    rules/pension.yaml:7[id=pension.industry].knid: ERROR WP-RULE-001 unknown key 'knid' (did you mean 'kind'?)

Codes are ``<prefix>-<suffix>`` where each document family has its own prefix (``WP-RULE``, ``WP-METRIC``,
``WP-LAYOUT``, ``WP-BRIEF``) and the suffixes mean the same everywhere:

``001`` unknown key · ``002`` missing required key · ``003`` wrong type or value · ``005`` unknown reference
(checked by the family's own loader) · ``008`` YAML syntax error · ``009`` file missing.

Schema vocabulary: :class:`Text` (optionally closed choices), :class:`Int`, :class:`Number`, :class:`Bool`,
:class:`Date`, :class:`ListOf`, :class:`Record` (a closed mapping of :class:`Field` s), :class:`MapOf` (an open
mapping with checked keys and values), :class:`Either`, :class:`Nullable` and :class:`Custom` (a function for grammars such as
rule conditions). Loaders raise :class:`~wupian.core.errors.DataError` carrying every issue at once
(:func:`raise_if_errors`), never the first problem alone. PyYAML is imported here only.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from wupian.core.errors import DataError
from wupian.core.issues import Issue, Level, Source

UNKNOWN_KEY, MISSING_KEY, BAD_VALUE, BAD_REFERENCE, SYNTAX, MISSING_FILE = "001", "002", "003", "005", "008", "009"
Node = yaml.Node


def line_of(node: Node) -> int:
    """1-based line of a composed YAML node."""
    return node.start_mark.line + 1


def did_you_mean(name: str, allowed: Iterable[str], *, list_all: bool = True) -> str | None:
    """``did you mean 'x'?`` for the closest allowed name; otherwise the list of allowed names (or None)."""
    options = [str(a) for a in allowed]
    close = difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return ("allowed: " + ", ".join(options)) if list_all and options else None


def _is_null(node: Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


class Checker:
    """Walks composed YAML nodes against a schema and collects located Issues (never raises on bad data)."""

    def __init__(self, file: str, prefix: str) -> None:
        self.file = file
        self.prefix = prefix
        self.issues: list[Issue] = []

    def error(self, suffix: str, node: Node | None, message: str, key: str | None = None,
              column: str | None = None, suggestion: str | None = None) -> None:
        line = line_of(node) if node is not None else None
        self.issues.append(Issue(f"{self.prefix}-{suffix}", Level.ERROR, message,
                                 Source(self.file, line, key, column), suggestion))

    def check(self, node: Node, spec: Spec, key: str | None = None, column: str | None = None) -> None:
        spec.check(self, node, key, column)

    @property
    def ok(self) -> bool:
        return not any(i.level >= Level.ERROR for i in self.issues)


class Spec:
    """A node shape. ``check`` reports problems through the checker; it never raises."""

    what = "a value"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:  # pragma: no cover
        raise NotImplementedError


def _label(column: str | None) -> str:
    return f"{column}: " if column else ""


@dataclass(frozen=True)
class Text(Spec):
    """A non-empty scalar (numbers are accepted as their text); ``choices`` closes the vocabulary."""

    choices: tuple[str, ...] = ()
    what = "text"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.ScalarNode) or _is_null(node) or node.value == "":
            chk.error(BAD_VALUE, node, f"{_label(column)}expected text", key, column)
        elif self.choices and node.value not in self.choices:
            chk.error(BAD_VALUE, node, f"{_label(column)}{node.value!r} is not one of {', '.join(self.choices)}",
                      key, column, did_you_mean(node.value, self.choices, list_all=False))


def Enum(*choices: str) -> Text:  # noqa: N802 - reads like a type in schemas
    """Text restricted to ``choices``."""
    return Text(tuple(choices))


@dataclass(frozen=True)
class Int(Spec):
    minimum: int | None = None
    what = "a whole number"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith(":int"):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a whole number", key, column)
        elif self.minimum is not None and int(node.value.replace("_", ""), 0) < self.minimum:
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a number ≥ {self.minimum}", key, column)


@dataclass(frozen=True)
class Number(Spec):
    what = "a number"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.ScalarNode) or not (node.tag.endswith(":int") or node.tag.endswith(":float")):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a number", key, column)


@dataclass(frozen=True)
class Bool(Spec):
    what = "true or false"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith(":bool"):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected true or false", key, column)


@dataclass(frozen=True)
class Date(Spec):
    nullable: bool = False
    what = "a date"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if self.nullable and _is_null(node):
            return
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            return
        try:
            date.fromisoformat(str(node.value))
        except (TypeError, ValueError):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a date YYYY-MM-DD", key, column)


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    nonempty: bool = False
    what = "a list"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.SequenceNode):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a list", key, column)
            return
        if self.nonempty and not node.value:
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a non-empty list", key, column)
        for item in node.value:
            self.item.check(chk, item, key, column)


@dataclass(frozen=True)
class Field:
    """One key of a :class:`Record`."""

    spec: Spec
    required: bool = False


@dataclass(frozen=True)
class Record(Spec):
    """A closed mapping: unknown keys, missing required keys and duplicates are located errors.

    ``key_field`` names the field whose value identifies the record in messages (``[id=…]``); nested
    records without it inherit their parent's key.
    """

    fields: dict[str, Field]
    key_field: str | None = "id"
    what = "a mapping"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.MappingNode):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a mapping", key, column)
            return
        if self.key_field:
            for knode, vnode in node.value:
                if knode.value == self.key_field and isinstance(vnode, yaml.ScalarNode) and vnode.value:
                    key = f"{self.key_field}={vnode.value}"
        seen: set[str] = set()
        for knode, vnode in node.value:
            name = str(knode.value)
            if name not in self.fields:
                chk.error(UNKNOWN_KEY, knode, f"unknown key {name!r}", key, name, did_you_mean(name, self.fields))
                continue
            if name in seen:
                chk.error(BAD_VALUE, knode, f"key {name!r} given twice", key, name)
            seen.add(name)
            self.fields[name].spec.check(chk, vnode, key, name)
        for name, f in self.fields.items():
            if f.required and name not in seen:
                chk.error(MISSING_KEY, node, f"missing required key {name!r}", key, name)


@dataclass(frozen=True)
class MapOf(Spec):
    """An open mapping whose keys and values are each checked (e.g. a vocabulary of names)."""

    value: Spec
    key: Spec = field(default_factory=Text)
    what = "a mapping"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not isinstance(node, yaml.MappingNode):
            chk.error(BAD_VALUE, node, f"{_label(column)}expected a mapping", key, column)
            return
        seen: set[str] = set()
        for knode, vnode in node.value:
            self.key.check(chk, knode, key, column)
            if knode.value in seen:
                chk.error(BAD_VALUE, knode, f"key {knode.value!r} given twice", key, str(knode.value))
            seen.add(knode.value)
            self.value.check(chk, vnode, key, str(knode.value))


@dataclass(frozen=True)
class Either(Spec):
    """The first alternative whose node kind fits (scalar / list / mapping) decides."""

    options: tuple[Spec, ...]
    what = "a value"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        kinds = {ListOf: yaml.SequenceNode, Record: yaml.MappingNode, MapOf: yaml.MappingNode}
        for spec in self.options:
            if isinstance(node, kinds.get(type(spec), yaml.ScalarNode)):
                spec.check(chk, node, key, column)
                return
        wanted = " or ".join(s.what for s in self.options)
        chk.error(BAD_VALUE, node, f"{_label(column)}expected {wanted}", key, column)


@dataclass(frozen=True)
class Nullable(Spec):
    """``null`` or a value of ``spec``."""

    spec: Spec
    what = "a value or null"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        if not _is_null(node):
            self.spec.check(chk, node, key, column)


@dataclass(frozen=True)
class Custom(Spec):
    """A grammar of its own (rule conditions, layout conditions): ``fn(checker, node, key, column)``."""

    fn: Callable[[Checker, Node, str | None, str | None], None]
    what = "a value"

    def check(self, chk: Checker, node: Node, key: str | None, column: str | None) -> None:
        self.fn(chk, node, key, column)


ANY = Custom(lambda chk, node, key, column: None)


# libyaml's parser (PyYAML's C extension) composes the same nodes, with the same lines, ≈ 4× faster than the
# pure-Python one; the values are built by the same Python constructor. It reads the well-formed files (every file
# wupian ships); a file it refuses, or with characters YAML does not allow, is read again by the pure-Python parser,
# whose messages the issues have always quoted.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def parse_documents(text: str, file: str, prefix: str) -> tuple[list[tuple[Node, Any]], list[Issue]]:
    """(node, plain value) for each YAML document of ``text``; a syntax error is one located Issue."""
    if _FAST_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        fast = _fast_documents(text, _FAST_LOADER)
        if fast is not None:
            return fast, []
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text.count("\n", 0, exc.position) + 1
        return [], [Issue(f"{prefix}-{SYNTAX}", Level.ERROR, f"YAML syntax error: {str(exc).splitlines()[0]}",
                          Source(file, line))]
    docs: list[tuple[Node, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                try:
                    docs.append((node, loader.construct_document(node)))
                except ValueError as exc:  # a scalar that resolves to a type but cannot be built (2025-13-01)
                    bad = _unconstructible(node)
                    return [], [Issue(f"{prefix}-{BAD_VALUE}", Level.ERROR, f"{exc}: {bad.value!r}"
                                      if bad else str(exc), Source(file, line_of(bad or node)))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [Issue(f"{prefix}-{SYNTAX}", Level.ERROR, f"YAML syntax error: {problem}", Source(file, line))]
    finally:
        loader.dispose()
    return docs, []


def _fast_documents(text: str, loader_class: Any) -> list[tuple[Node, Any]] | None:
    """The documents as libyaml composes them, or None when it finds any problem (the slow path reports it)."""
    loader = loader_class(text)
    docs: list[tuple[Node, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                docs.append((node, loader.construct_document(node)))
    except (yaml.YAMLError, ValueError):
        return None
    finally:
        loader.dispose()
    return docs


def _unconstructible(node: Node) -> Node | None:
    """The first scalar below ``node`` whose implicit type (date, number) cannot be constructed."""
    loader = yaml.SafeLoader("")
    stack = [node]
    while stack:
        n = stack.pop(0)
        if isinstance(n, yaml.ScalarNode):
            try:
                loader.construct_object(n, deep=True)
            except ValueError:
                return n
        elif isinstance(n, yaml.SequenceNode):
            stack[:0] = n.value
        elif isinstance(n, yaml.MappingNode):
            stack[:0] = [x for pair in n.value for x in pair]
    return None


def load_document(text: str, file: str, spec: Spec, prefix: str,
                  extra: Sequence[Callable[[Checker, Node, Any], None]] = ()) -> tuple[Any, list[Issue]]:
    """One YAML document checked against ``spec`` and then by each ``extra(checker, node, value)`` pass;
    (value or None when any ERROR, issues)."""
    docs, issues = parse_documents(text, file, prefix)
    if issues:
        return None, issues
    if len(docs) != 1:
        return None, [Issue(f"{prefix}-{BAD_VALUE}", Level.ERROR,
                            f"expected exactly one YAML document, found {len(docs)}", Source(file, 1))]
    node, value = docs[0]
    chk = Checker(file, prefix)
    chk.check(node, spec)
    if chk.ok:
        for check in extra:
            check(chk, node, value)
    return (value if chk.ok else None), chk.issues


def raise_if_errors(what: str, value: Any, issues: Sequence[Issue]) -> Any:
    """``value`` when no issue is an ERROR, else DataError("<what> failed validation", issues)."""
    if value is None or any(i.level >= Level.ERROR for i in issues):
        raise DataError(f"{what} failed validation", issues)
    return value


def mapping_items(node: Node) -> dict[str, tuple[Node, Node]]:
    """key text → (key node, value node) of a mapping node ({} for any other node)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): (k, v) for k, v in node.value}
