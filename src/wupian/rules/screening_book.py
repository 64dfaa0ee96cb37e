"""Load and validate the counter-screening rulebook (``rulebooks/screening``) into immutable records.

Passes, as for the classification rulebook: the closed schema (``screening_schema.py``), then references —
features (``engine.screening_features.FEATURES`` or ``obs.<checklist code>``), typologies, citations, template
placeholders and formats, enum values, unique ids. ``load_screening_rulebook`` raises ``DataError`` with every
issue. The version is ``<manifest version>+<sha256 of the three files, 12 hex>``: the same input and version
always give the same decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from wupian.contract import table
from wupian.core.errors import DataError
from wupian.core.issues import Issue, Level, Source
from wupian.engine.screening import Condition, ScoringModel, ScoringRule, Step
from wupian.engine.screening_features import FEATURES, OBS_PREFIX, FeatureParams
from wupian.rules.rulebook import (
    PLACEHOLDER,
    Citation,
    by_id,
    citations_from,
    read_documents,
    single_documents,
)
from wupian.rules.schema import CITATIONS
from wupian.rules.screening_schema import COND_OPS, MANIFEST, RULE, STEP_OPS, ScreeningChecker

FORMATS = ("text", "wan", "yuan", "pct", "int", "ago", "tail4", "time", "times", "check")
ENUM_FEATURES = {"request_type": "request_type", "channel": "channel", "accompanied_by": "accompanied_by",
                 "payee_type": "payee_type"}


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    id: str
    kind: str
    zh: str
    en: str
    description: str
    reason: str
    cites: tuple[str, ...]
    scoring: ScoringRule
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class ScreeningRulebook:
    version: str
    title: str
    medium: int
    high: int
    actions: dict[str, tuple[str, str]]  # band → (zh, en)
    block_lists: tuple[str, ...]
    allow_lists: tuple[str, ...]
    exemption_days: int
    large_cash: Decimal
    typologies: dict[str, str]  # id → zh
    checklist: dict[str, str]  # code → zh
    purposes: tuple[tuple[str, str, bool, tuple[str, ...]], ...]
    citations: dict[str, Citation]
    rules: tuple[ScreeningRule, ...]
    model: ScoringModel

    def rule(self, rule_id: str) -> ScreeningRule:
        return by_id(self.rules, rule_id)  # type: ignore[no-any-return]


def default_screening_path() -> Path:
    return Path(str(resources.files("wupian.rulebooks").joinpath("screening")))


def _cond_value(op: str, raw: Any) -> object:
    if op == "in":
        return tuple(str(v) for v in raw)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    return str(raw)


def validate_screening_rulebook(path: Path | None = None) -> tuple[ScreeningRulebook | None, list[Issue]]:
    """Parse and check the rulebook folder; the book is None when any ERROR was found."""
    root = path or default_screening_path()
    parsed, digest, issues = read_documents(root, ["manifest.yaml", "citations.yaml", "rules.yaml"])
    issues += [] if issues else single_documents(parsed)
    if issues:
        return None, issues
    mchk, cchk = ScreeningChecker("manifest.yaml"), ScreeningChecker("citations.yaml")
    mchk.mapping(parsed["manifest.yaml"][0][0], MANIFEST)
    cchk.mapping(parsed["citations.yaml"][0][0], CITATIONS)
    issues += mchk.issues + cchk.issues
    for node, value in parsed["rules.yaml"]:
        rid = value.get("id") if isinstance(value, dict) else None
        rchk = ScreeningChecker("rules.yaml")
        rchk.mapping(node, RULE, f"id={rid}" if rid else None)
        issues += rchk.issues
    if issues:
        return None, issues
    man = parsed["manifest.yaml"][0][1]
    citations = citations_from(parsed["citations.yaml"][0][1])
    typologies = {t["id"]: t["zh"] for t in man["typologies"]}
    checklist = {c["code"]: c["zh"] for c in man["checklist"]}
    purposes = tuple((p["id"], p["zh"], bool(p["personal"]), tuple(map(str, p["keywords"]))) for p in man["purposes"])
    rules: list[ScreeningRule] = []
    for node, v in parsed["rules.yaml"]:
        line = node.start_mark.line + 1

        def err(column: str, message: str, rid: str = str(v["id"]), ln: int = line) -> None:
            issues.append(Issue("WP-RULE-005", Level.ERROR, message, Source("rules.yaml", ln, f"id={rid}", column)))

        conds, steps = [], []
        for c in v.get("when") or ():
            op = next(o for o in COND_OPS if o in c)
            conds.append(Condition(str(c["feature"]), op, _cond_value(op, c[op])))
        for s in v.get("steps") or ():
            op = next(o for o in STEP_OPS if o in s)
            try:
                steps.append(Step(op, Decimal(str(s[op])), int(s["points"])))
            except (InvalidOperation, ValueError):
                err("steps", f"steps: {s[op]!r} is not a number")
        if ("points" in v) == bool(steps):
            err("points", "give either points or steps")
        scoring = ScoringRule(str(v["id"]), v["kind"], str(v["feature"]), tuple(conds), int(v.get("points", 0)),
                              tuple(steps), tuple(v["typologies"]), bool(v.get("weight_only", False)),
                              bool(v.get("block", False)))
        rules.append(ScreeningRule(scoring.id, v["kind"], str(v["zh"]), str(v["en"]), str(v.get("description", "")),
                                   str(v["reason"]), tuple(v["cites"]), scoring, "rules.yaml", line))
    w, b, o = man["windows"], man["bands"], man["overrides"]
    params = FeatureParams(
        w["new_inflow_hours"], w["fanin_days"], w["recent_days"], w["history_days"], w["night_from"], w["night_to"],
        tuple(o["block_lists"]), tuple(o["allow_lists"]),
        split_days=w["split_days"], split_min_credits=w["split_min_credits"], split_max_credit=w["split_max_credit"],
        purpose_keywords=tuple((pid, kw, personal, i) for i, (pid, _, personal, kws) in enumerate(purposes)
                               for kw in kws),
    )
    model = ScoringModel(tuple(r.scoring for r in rules), tuple(typologies), int(b["medium"]), int(b["high"]), params)
    book = ScreeningRulebook(
        f"{man['version']}+{digest[:12]}", str(man["title"]), int(b["medium"]), int(b["high"]),
        {a["band"]: (a["zh"], a["en"]) for a in b["actions"]}, tuple(o["block_lists"]), tuple(o["allow_lists"]),
        int(o["exemption_days"]), Decimal(man["context"]["large_cash"]), typologies, checklist, purposes,
        citations, tuple(rules), model,
    )
    issues += check_screening_references(book)
    return (None, issues) if any(i.level == Level.ERROR for i in issues) else (book, issues)


def load_screening_rulebook(path: Path | None = None) -> ScreeningRulebook:
    book, issues = validate_screening_rulebook(path)
    if book is None:
        raise DataError("the screening rulebook is invalid", issues)
    return book


def _feature_known(book: ScreeningRulebook, name: str) -> bool:
    if name.startswith(OBS_PREFIX):
        return name[len(OBS_PREFIX):] in book.checklist
    return name in FEATURES


def check_screening_references(book: ScreeningRulebook) -> list[Issue]:
    """Cross-record checks: unique ids, known features/typologies/citations/lists, templates, enum values."""
    out: list[Issue] = []
    lists = {e.value for e in table("watchlist").column("list").enum}
    for name in (*book.block_lists, *book.allow_lists):
        if name not in lists:
            out.append(Issue("WP-RULE-005", Level.ERROR, f"unknown watchlist list {name!r}",
                             Source("manifest.yaml", None, None, "overrides")))
    if not 0 < book.medium < book.high:
        out.append(Issue("WP-RULE-005", Level.ERROR, "bands: expected 0 < medium < high",
                         Source("manifest.yaml", None, None, "bands")))
    missing = {"low", "medium", "high", "block"} - set(book.actions)
    if missing:
        out.append(Issue("WP-RULE-005", Level.ERROR, f"bands.actions: missing {', '.join(sorted(missing))}",
                         Source("manifest.yaml", None, None, "bands")))
    seen: set[str] = set()
    for r in book.rules:
        def err(column: str, message: str, rule: ScreeningRule = r) -> None:
            out.append(Issue("WP-RULE-005", Level.ERROR, message, Source(rule.file, rule.line, f"id={rule.id}",
                                                                          column)))
        if r.id in seen:
            err("id", f"duplicate rule id {r.id!r}")
        seen.add(r.id)
        if not _feature_known(book, r.scoring.feature):
            err("feature", f"unknown feature {r.scoring.feature!r}")
        for c in r.scoring.conditions:
            if not _feature_known(book, c.feature):
                err("when", f"unknown feature {c.feature!r}")
                continue
            if c.feature in ENUM_FEATURES:
                allowed = {e.value for e in table("screening_requests").column(ENUM_FEATURES[c.feature]).enum}
                values = c.value if isinstance(c.value, tuple) else (c.value,)
                bad = [str(x) for x in values if x not in allowed]
                if bad:
                    err("when", f"{c.feature}: {', '.join(bad)} not one of {', '.join(sorted(allowed))}")
            kind = "bool" if c.feature.startswith(OBS_PREFIX) else FEATURES[c.feature].kind
            if kind == "number" and not isinstance(c.value, Decimal):
                err("when", f"{c.feature} is a number; got {c.value!r}")
            if kind == "bool" and not isinstance(c.value, bool):
                err("when", f"{c.feature} is true/false; got {c.value!r}")
        if r.scoring.steps and (r.scoring.feature.startswith(OBS_PREFIX) or
                                FEATURES.get(r.scoring.feature, FEATURES["amount"]).kind != "number"):
            err("steps", "steps need a numeric feature")
        if not r.scoring.typologies:
            err("typologies", "a rule speaks to at least one typology")
        for t in r.scoring.typologies:
            if t not in book.typologies:
                err("typologies", f"unknown typology {t!r}", )
        for c in r.cites:
            if c not in book.citations:
                err("cites", f"unknown citation {c!r}")
        for name, fmt in PLACEHOLDER.findall(r.reason):
            if not _feature_known(book, name.strip()):
                err("reason", f"unknown feature {{{name}}} in the reason template")
            if fmt and fmt.strip() not in FORMATS:
                err("reason", f"unknown format |{fmt}", )
    return out
