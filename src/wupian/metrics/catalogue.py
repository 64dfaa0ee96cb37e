"""Which indicator ids exist: ``<scope>.<measure>`` for every loan scope and measure, and the family patterns
of ``families.yaml`` (``coverage.<registry>[.<attribute>].members``, ``<indicator>.rank_peers`` …) whose
``<…>`` parts name a vocabulary of ``names.yaml``.

Used to validate the ids written in data files (briefing templates) and to suggest the closest id when a
user's ``--id`` matches nothing. Pure: takes the loaded definitions and names, reads no files itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from wupian.metrics.schema import Definitions

# pattern placeholder → names.yaml vocabulary (None: free text, e.g. a registry attribute value)
SLOTS = {"registry": "registries", "account_type": "accounts", "process": "processes", "activity": "activities",
         "service": "services", "attribute": None, "indicator": "*"}


def _regex(pattern: str) -> re.Pattern[str]:
    out = re.escape(pattern).replace(r"\[", "(?:").replace(r"\]", ")?")
    for slot in SLOTS:
        out = out.replace(f"<{slot}>", f"(?P<{slot}>.+)" if slot == "indicator" else f"(?P<{slot}>[^.]+)")
    return re.compile(out)


def indicator_problem(indicator_id: str, defs: Definitions, names: dict[str, dict[str, str]]) -> str | None:
    """None when ``indicator_id`` names an indicator wupian computes, else why not (with a suggestion)."""
    loan_ids = {f"{s.id}.{m.id}" for s in defs.scopes for m in defs.measures}
    if indicator_id in loan_ids:
        return None
    for fam in defs.families:
        m = _regex(fam.pattern).fullmatch(indicator_id)
        if m is None:
            continue
        bad = []
        for slot, value in m.groupdict().items():
            vocab = SLOTS.get(slot)
            if value is None or vocab is None:
                continue
            if vocab == "*":
                if indicator_problem(value, defs, names) is not None:
                    bad.append(f"{value!r} is not an indicator")
            elif value not in names.get(vocab, {}):
                hint = difflib.get_close_matches(value, list(names.get(vocab, {})), n=1)
                bad.append(f"{slot} {value!r} is not in names.yaml {vocab}"
                           + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        if not bad:
            return None
        return "; ".join(bad)
    close = difflib.get_close_matches(indicator_id, sorted(example_ids(defs, names)), n=1, cutoff=0.75)
    return "unknown indicator id" + (f" (did you mean {close[0]!r}?)" if close else "")


def example_ids(defs: Definitions, names: dict[str, dict[str, str]]) -> set[str]:
    """Every loan indicator id and each family pattern filled with every name of its vocabulary (no
    attributes, no ranks of ranks) — the candidates for "did you mean".
    """
    out = {f"{s.id}.{m.id}" for s in defs.scopes for m in defs.measures}
    base = set(out)
    for fam in defs.families:
        pattern = re.sub(r"\[[^\]]*\]", "", fam.pattern)
        filled = [pattern]
        for slot, vocab in SLOTS.items():
            if f"<{slot}>" not in pattern:
                continue
            values: Iterable[str] = base if vocab == "*" else names.get(vocab or "", {})
            filled = [p.replace(f"<{slot}>", v) for p in filled for v in values]
        out.update(filled)
    return out


def suggest(text: str, candidates: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate id, or None."""
    close = difflib.get_close_matches(text, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
