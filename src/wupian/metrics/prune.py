"""Which parts of the indicator set a ``--id`` request needs (issue 14: compute only the requested ids).

The loan indicators are ``<scope>.<measure>`` — a finite grid known from the definitions — so the scopes and
measures a set of glob patterns needs are found by matching every grid id (and the ids derived from it:
``.rank_siblings``, ``.rank_peers``, ``.peer_count``, ``.target_completion``), then closing over what a
measure is computed from (a ratio's operands, a change's balance, a gap's or share's ``all_loans`` figures).
The other families (coverage, accounts, …) have ids built from the data (registries, attributes); a family
is skipped only when no pattern can match any of its ids: the pattern's first segment is a literal that is
not the family's, or its last segment a literal that no id of the family ends with. Everything computed is
then filtered by the patterns as before, so a pruned result equals the same ids of an unpruned one.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

from wupian.metrics.schema import Definitions, LoanMeasure

DERIVED_SUFFIXES = ("rank_siblings", "rank_peers", "peer_count", "target_completion")
_WILD = ("*", "?", "[")


def wanted(indicator_id: str, patterns: Sequence[str] | None) -> bool:
    """Whether the id matches one of the glob patterns (every id when there are none)."""
    return patterns is None or any(fnmatch.fnmatchcase(indicator_id, p) for p in patterns)


def _needed(indicator_id: str, patterns: Sequence[str] | None) -> bool:
    """The id is asked for itself or through an id derived from it (rank, peer, target)."""
    return wanted(indicator_id, patterns) or any(wanted(f"{indicator_id}.{s}", patterns) for s in DERIVED_SUFFIXES)


def _closure(defs: Definitions, ids: Iterable[str]) -> set[str]:
    """The measure ids and every measure they are computed from."""
    todo, done = list(ids), set()
    while todo:
        m = defs.measure(todo.pop())
        if m.id in done:
            continue
        done.add(m.id)
        todo += [r for r in (m.numerator, m.denominator, m.measure) if r]
    return done


def loan_grid(defs: Definitions, scopes: Sequence[str], patterns: Sequence[str] | None
              ) -> tuple[list[str], list[LoanMeasure]]:
    """(scopes, measures) of the loan indicators the patterns need, in definition order; both empty when none."""
    if patterns is None:
        return list(scopes), list(defs.measures)
    hits = [(s, m.id) for s in scopes for m in defs.measures if _needed(f"{s}.{m.id}", patterns)]
    if not hits:
        return [], []
    measure_ids = _closure(defs, {m for _, m in hits})
    scope_ids = {s for s, _ in hits}
    if any(defs.measure(m).kind in ("gap", "share") for m in measure_ids):
        scope_ids.add("all_loans")  # compared with the whole bank's own figures
    return [s for s in scopes if s in scope_ids], [m for m in defs.measures if m.id in measure_ids]


def family_may_match(prefixes: Sequence[str], lasts: Iterable[str], patterns: Sequence[str] | None) -> bool:
    """Whether a pattern can match an id of a family whose ids start with one of ``prefixes`` + '.' and end
    with '.' + one of ``lasts`` (or of the derived suffixes) — conservative: any doubt computes the family."""
    if patterns is None:
        return True
    ends = set(lasts) | set(DERIVED_SUFFIXES)
    for p in patterns:
        if "[" in p:
            return True  # a character class may hold a dot: no segment reasoning
        parts = p.split(".")
        first, last = parts[0], parts[-1]
        first_ok = any(w in first for w in _WILD) or (len(parts) > 1 and first in prefixes)
        last_ok = any(w in last for w in _WILD) or (len(parts) > 1 and last in ends)
        if first_ok and last_ok:
            return True
    return False


def family_lasts(defs: Definitions, prefixes: Sequence[str]) -> set[str]:
    """The last segments of the ids of the families with these prefixes (from the family definitions)."""
    return {f.id.split(".")[-1] for f in defs.families if f.id.split(".")[0] in prefixes}
