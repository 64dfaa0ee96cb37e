"""Load and validate a classification rulebook folder into immutable records.

Validation runs in passes and collects every problem as a located Issue (file, line, rule id, key): the closed
schema (``schema.py``), then references — facts and operators, tags, profiles, citations, explain-template
placeholders, unique ids. ``load_rulebook`` raises ``DataError`` with all issues when any is an ERROR.
The version recorded with results is ``<manifest version>+<sha256 of the files, 12 hex>``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wupian.core.errors import DataError
from wupian.core.issues import Issue, Level, Source
from wupian.core.profiles import PROFILES
from wupian.core.yamldoc import did_you_mean
from wupian.engine.classify_facts import FACTS, FORMATS
from wupian.rules.schema import CITATIONS, LEAF_OPS, MANIFEST, RULE, Checker, compose_documents

PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([^{}]+))?\}")
ORDERED = ("lt", "le", "gt", "ge")


@dataclass(frozen=True, slots=True)
class Citation:
    id: str
    document: str
    number: str
    clause: str
    quote: str
    source_file: str
    status: str  # verified | unverified
    note: str = ""


Parsed = dict[str, list[tuple[yaml.Node, Any]]]


def read_documents(root: Path, rels: list[str]) -> tuple[Parsed, str, list[Issue]]:
    """Compose every YAML document of the rulebook files ``rels`` (paths below ``root``): the parsed documents per
    file, the sha256 of the files (the version's content part) and the located issues (missing file, bad YAML)."""
    issues: list[Issue] = []
    digest = hashlib.sha256()
    parsed: Parsed = {}
    for rel in rels:
        f = root / rel
        if not f.exists():
            issues.append(Issue("WP-RULE-009", Level.ERROR, "rulebook file missing", Source(rel)))
            continue
        text = f.read_text(encoding="utf-8")
        digest.update(rel.encode() + b"\0" + text.encode())
        docs, errs = compose_documents(text, rel)
        issues += errs
        parsed[rel] = docs
    return parsed, digest.hexdigest(), issues


def single_documents(parsed: Parsed) -> list[Issue]:
    """manifest.yaml and citations.yaml hold exactly one document each."""
    if len(parsed.get("manifest.yaml", [])) != 1 or len(parsed.get("citations.yaml", [])) != 1:
        return [Issue("WP-RULE-003", Level.ERROR, "manifest.yaml and citations.yaml hold one document each",
                      Source("manifest.yaml"))]
    return []


def citations_from(doc: Any) -> dict[str, Citation]:
    """The validated citations.yaml document as records by id."""
    return {c["id"]: Citation(c["id"], c["document"], str(c.get("number", "")), str(c["clause"]), str(c["quote"]),
                              c.get("source_file", ""), c["status"], c.get("note", ""))
            for c in doc["citations"]}


def by_id(items: tuple[Any, ...], item_id: str) -> Any:
    """The record with this ``id`` (rules, tags); KeyError when there is none."""
    for x in items:
        if x.id == item_id:
            return x
    raise KeyError(item_id)


@dataclass(frozen=True, slots=True)
class TagDef:
    id: str
    label: str
    union_of: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProfileDef:
    id: str
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class RuleDoc:
    id: str
    label: str
    description: str
    kind: str
    tags: tuple[str, ...]
    applies_to: tuple[str, ...]
    profiles: tuple[str, ...]
    effective_from: date
    effective_to: date | None
    when: Any  # the parsed condition mapping (plain data)
    amount: str
    explain: str
    cites: tuple[str, ...]
    file: str
    line: int

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True, slots=True)
class Rulebook:
    version: str
    title: str
    tags: tuple[TagDef, ...]
    profiles: tuple[ProfileDef, ...]
    registries: tuple[tuple[str, str], ...]
    citations: dict[str, Citation]
    rules: tuple[RuleDoc, ...]

    def rule(self, rule_id: str) -> RuleDoc:
        return by_id(self.rules, rule_id)  # type: ignore[no-any-return]

    def tag(self, tag_id: str) -> TagDef:
        return by_id(self.tags, tag_id)  # type: ignore[no-any-return]


def default_path() -> Path:
    return Path(str(resources.files("wupian.rulebooks").joinpath("classification")))


def _date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def validate_rulebook(path: Path | None = None) -> tuple[Rulebook | None, list[Issue]]:
    """Parse and check a rulebook folder; the Rulebook is None when any ERROR was found."""
    root = path or default_path()
    rels = ["manifest.yaml", "citations.yaml", *(f.relative_to(root).as_posix()
                                                  for f in sorted((root / "rules").glob("*.yaml")))]
    parsed, digest, issues = read_documents(root, rels)
    if any(i.level == Level.ERROR for i in issues):
        return None, issues
    issues += single_documents(parsed)
    if issues:
        return None, issues
    man_docs, cit_docs = parsed["manifest.yaml"], parsed["citations.yaml"]
    chk = Checker("manifest.yaml")
    chk.mapping(man_docs[0][0], MANIFEST)
    cchk = Checker("citations.yaml")
    cchk.mapping(cit_docs[0][0], CITATIONS)
    issues += chk.issues + cchk.issues
    rule_docs: list[tuple[str, yaml.Node, Any]] = []
    for rel, docs in parsed.items():
        if rel.startswith("rules/"):
            for node, value in docs:
                rid = value.get("id") if isinstance(value, dict) else None
                rchk = Checker(rel)
                rchk.mapping(node, RULE, f"id={rid}" if rid else None)
                issues += rchk.issues
                rule_docs.append((rel, node, value))
    if any(i.level == Level.ERROR for i in issues):
        return None, issues
    man = man_docs[0][1]
    tags = tuple(TagDef(t["id"], t["label"], tuple(t.get("union_of") or ()), t.get("description", ""))
                 for t in man["tags"])
    profiles = tuple(ProfileDef(p["id"], p["label"], p.get("description", "")) for p in man["profiles"])
    registries = tuple((r["id"], r["label"]) for r in man["registries"])
    citations = citations_from(cit_docs[0][1])
    rules = []
    for rel, node, v in rule_docs:
        rules.append(RuleDoc(
            str(v["id"]), str(v["label"]), str(v.get("description", "")), v.get("kind", "include"),
            tuple(v.get("tags") or ()), tuple(v.get("applies_to") or ()), tuple(v["profiles"]),
            _date(v["effective_from"]) or date.min, _date(v.get("effective_to")), v["when"], v.get("amount", "balance"),
            str(v["explain"]), tuple(v["cites"]), rel, node.start_mark.line + 1,
        ))
    book = Rulebook(f"{man['version']}+{digest[:12]}", str(man["title"]), tags, profiles,
                    registries, citations, tuple(rules))
    issues += check_references(book)
    if any(i.level == Level.ERROR for i in issues):
        return None, issues
    return book, issues


def load_rulebook(path: Path | None = None) -> Rulebook:
    book, issues = validate_rulebook(path)
    if book is None:
        raise DataError("the classification rulebook is invalid", issues)
    return book


def check_references(book: Rulebook) -> list[Issue]:
    """Cross-record checks: ids unique, tags/profiles/citations/facts exist, templates render."""
    out: list[Issue] = []
    tag_ids = {t.id for t in book.tags}
    profile_ids = {p.id for p in book.profiles}
    registry_ids = {r for r, _ in book.registries}

    if profile_ids != set(PROFILES):
        out.append(Issue("WP-RULE-005", Level.ERROR,
                         f"manifest profiles {', '.join(sorted(profile_ids))} differ from the profiles wupian "
                         f"computes ({', '.join(PROFILES)}, wupian.core.profiles)", Source("manifest.yaml", None,
                                                                                         None, "profiles")))

    def err(rule: RuleDoc, column: str, message: str, suggestion: str | None = None) -> None:
        out.append(Issue("WP-RULE-005", Level.ERROR, message, Source(rule.file, rule.line, f"id={rule.id}", column),
                         suggestion))

    for t in book.tags:
        for m in t.union_of:
            if m not in tag_ids:
                out.append(Issue("WP-RULE-005", Level.ERROR, f"tag {t.id}: unknown member {m!r}",
                                 Source("manifest.yaml", None, f"id={t.id}", "union_of")))
    seen: set[str] = set()
    for r in book.rules:
        if r.id in seen:
            err(r, "id", f"duplicate rule id {r.id!r}")
        seen.add(r.id)
        if r.kind in ("include", "marker") and not r.tags:
            err(r, "tags", "an include/marker rule needs tags")
        if r.kind == "exclude" and not r.applies_to:
            err(r, "applies_to", "an exclude rule needs applies_to")
        for name in r.tags:
            if name not in tag_ids or book.tag(name).union_of:
                err(r, "tags", f"{name!r} is not a base tag (union tags are computed)")
        for name in r.applies_to:
            if name != "all" and name not in tag_ids:
                err(r, "applies_to", f"unknown tag {name!r}")
        for p in r.profiles:
            if p not in profile_ids:
                err(r, "profiles", f"unknown profile {p!r}", "known: " + ", ".join(sorted(profile_ids)))
        for c in r.cites:
            if c not in book.citations:
                err(r, "cites", f"unknown citation {c!r}")
        if r.amount not in FACTS or FACTS[r.amount].kind != "money":
            err(r, "amount", f"amount must be a money fact, got {r.amount!r}")
        for fact, fmt in PLACEHOLDER.findall(r.explain):
            if fact.strip() not in FACTS:
                err(r, "explain", f"unknown fact {{{fact}}} in template", did_you_mean(fact.strip(), FACTS, list_all=False))
            if fmt and fmt.strip() not in FORMATS:
                err(r, "explain", f"unknown format |{fmt}", did_you_mean(fmt.strip(), FORMATS))
        for problem in _leaf_problems(r.when, registry_ids):
            err(r, "when", problem)
    return out


def _leaf_problems(cond: Any, registry_ids: set[str]) -> list[str]:
    if "all" in cond or "any" in cond:
        return [p for item in (cond.get("all") or cond.get("any")) for p in _leaf_problems(item, registry_ids)]
    if "not" in cond:
        return _leaf_problems(cond["not"], registry_ids)
    fact = FACTS.get(str(cond.get("fact")))
    if fact is None:
        return [f"unknown fact {cond.get('fact')!r}"]
    op = next(o for o in LEAF_OPS if o in cond)
    value = cond[op]
    if op in ("is_null", "is_true") and not isinstance(value, bool):
        return [f"{op} takes true/false"]
    if op == "is_true" and fact.kind != "bool":
        return [f"is_true needs a boolean fact, {fact.name} is {fact.kind}"]
    if op == "has_any":
        if fact.kind != "list" or not isinstance(value, list):
            return ["has_any needs a list fact and a list of names"]
        unknown = [v for v in value if v not in registry_ids]
        return [f"unknown registry {v!r}" for v in unknown]
    if op in ORDERED:
        if fact.kind not in ("money", "share", "int"):
            return [f"{op} needs a numeric fact"]
        try:
            Decimal(str(value))
        except InvalidOperation:
            return [f"{op}: {value!r} is not a number"]
    if op in ("in", "not_in") and not isinstance(value, list):
        return [f"{op} takes a list"]
    if fact.kind == "enum" and op in ("eq", "ne", "in", "not_in"):
        allowed = {v for v, _ in fact.enum_zh}
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v not in allowed]
        if bad:
            return [f"{fact.name}: {', '.join(map(str, bad))} not one of {', '.join(sorted(allowed))}"]
    return []
