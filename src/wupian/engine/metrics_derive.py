"""Derivation of every loan measure from a node's own sums, as SQL over the wide (node × scope) row: each
measure becomes an exact fraction ``n / d`` of HUGEINTs (yuan in fen, customer counts, rate numerators in
10⁻⁸ units), a zh reason when it cannot be computed, and a value rounded *half to even* to its unit's places
— exactly ``Decimal.quantize`` — with no float anywhere. Used by :mod:`wupian.engine.metrics_loans`.

* ratio = numerator × 100 / denominator (both sum or distinct measures of the same node);
* change = current − prior balance; growth = (current − prior) × 100 / prior;
* share = the scope's sum measure × 100 / the all-loans sum measure of the same node;
* gap = growth of the scope − growth of all loans at the node, computed as the single fraction
  100·(c₁·b₂ − c₂·b₁)/(b₁·b₂), so no intermediate is rounded;
* sums, counts and changes of sums need no rounding and are passed through exactly.

Row aliases: ``w`` = the scope's row, ``a`` = the all-loans row of the same node; ``rt`` = the one-row
relation of reason texts (bound parameters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

REASON_KEYS = (
    "tags_missing", "no_weight", "operand_unavailable", "zero_denominator", "current_unavailable",
    "zero_base", "gap_all_loans", "gap_unavailable",
)


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """One measure computed for every scope. ``kind``: sum | distinct | weighted (base, from the loans) or
    ratio (numerator/denominator: sum or distinct measures) | change | growth (``measure``: a sum measure,
    against the prior balance) | gap (``measure``: a change or growth measure, scope minus all loans) | share
    (``measure``: a sum measure, scope over all loans of the node, in percent)."""

    id: str
    kind: str
    unit: str
    places: int
    value: str | None = None
    where: tuple[str, ...] = ()
    numerator: str | None = None
    denominator: str | None = None
    measure: str | None = None
    prior: str | None = None


def fen(col: str) -> str:
    """A DECIMAL(38, 2) column (NULL = 0) in fen, as HUGEINT."""
    return f"CAST(coalesce({col}, 0) * 100 AS HUGEINT)"


def rational(m: MeasureSpec, by_id: Mapping[str, MeasureSpec], row: str) -> tuple[str, str]:
    """(numerator, denominator) HUGEINT SQL of measure ``m`` over the wide row alias ``row``."""
    col = m.id
    if m.kind == "sum":
        return fen(f"{row}.{col}"), "CAST(100 AS HUGEINT)"
    if m.kind == "distinct":
        return f"CAST(coalesce({row}.{col}, 0) AS HUGEINT)", "CAST(1 AS HUGEINT)"
    if m.kind == "weighted":
        num = f"CAST(coalesce({row}.{col}__num, 0) * 100000000 AS HUGEINT)"
        return num, f"({fen(f'{row}.{col}__den')} * 1000000)"
    if m.kind == "ratio":
        nn, nd = rational(by_id[m.numerator or ""], by_id, row)
        dn, dd = rational(by_id[m.denominator or ""], by_id, row)
        return f"({nn} * {dd} * 100)", f"({nd} * {dn})"
    if m.kind == "share":
        sn, _ = rational(by_id[m.measure or ""], by_id, row)
        an, _ = rational(by_id[m.measure or ""], by_id, "a")
        return f"({sn} * 100)", an
    cur, _ = rational(by_id[m.measure or ""], by_id, row)  # change / growth: current in fen
    before = fen(f"{row}.prior_{m.id}")
    if m.kind == "change":
        return f"({cur} - {before})", "CAST(100 AS HUGEINT)"
    if m.kind == "growth":
        return f"(({cur} - {before}) * 100)", before
    ref = by_id[m.measure or ""]  # gap: scope minus all loans, one exact fraction
    c1, _ = rational(by_id[ref.measure or ""], by_id, row)
    c2, _ = rational(by_id[ref.measure or ""], by_id, "a")
    b1, b2 = fen(f"{row}.prior_{ref.id}"), fen(f"a.prior_{ref.id}")
    if ref.kind == "change":
        return f"(({c1} - {b1}) - ({c2} - {b2}))", "CAST(100 AS HUGEINT)"
    return f"(({c1} * {b2} - {c2} * {b1}) * 100)", f"({b1} * {b2})"


def reason(m: MeasureSpec, by_id: Mapping[str, MeasureSpec], row: str) -> str:
    """SQL of the zh reason why ``m`` is unavailable at ``row`` (NULL when it is available); the texts are
    columns of the one-row relation ``rt`` (bound parameters)."""

    def text(key: str) -> str:
        if key not in REASON_KEYS:
            raise ValueError(f"unknown reason {key!r}")
        return f"rt.{key}"

    if m.kind in ("sum", "distinct"):
        return f"{row}.tags_reason"
    if m.kind == "weighted":
        return f"coalesce({row}.tags_reason, CASE WHEN coalesce({row}.{m.id}__den, 0) = 0 THEN {text('no_weight')} END)"
    if m.kind == "ratio":
        ops = [reason(by_id[r or ""], by_id, row) for r in (m.numerator, m.denominator)]
        dn, _ = rational(by_id[m.denominator or ""], by_id, row)
        return (f"coalesce({row}.tags_reason, CASE WHEN ({ops[0]}) IS NOT NULL OR ({ops[1]}) IS NOT NULL "
                f"THEN {text('operand_unavailable')} WHEN {dn} = 0 THEN {text('zero_denominator')} END)")
    if m.kind in ("change", "growth"):
        current = reason(by_id[m.measure or ""], by_id, row)
        zero = f"WHEN {fen(f'{row}.prior_{m.id}')} = 0 THEN {text('zero_base')} " if m.kind == "growth" else ""
        return (f"coalesce({row}.tags_reason, {row}.prior_reason_{m.id}, CASE WHEN ({current}) IS NOT NULL "
                f"THEN {text('current_unavailable')} {zero}END)")
    mine = reason(by_id[m.measure or ""], by_id, row)
    base = reason(by_id[m.measure or ""], by_id, "a")
    if m.kind == "share":
        an, _ = rational(by_id[m.measure or ""], by_id, "a")
        return (f"coalesce({row}.tags_reason, CASE WHEN a.scope IS NULL OR ({mine}) IS NOT NULL OR ({base}) IS NOT NULL "
                f"THEN {text('operand_unavailable')} WHEN {an} = 0 THEN {text('zero_denominator')} END)")
    return (f"coalesce({row}.tags_reason, CASE WHEN {row}.is_all THEN {text('gap_all_loans')} "
            f"WHEN a.scope IS NULL OR ({mine}) IS NOT NULL OR ({base}) IS NOT NULL "
            f"THEN {text('gap_unavailable')} END)")


def exact_value(m: MeasureSpec, by_id: Mapping[str, MeasureSpec], row: str) -> str | None:
    """SQL of the measure's exact DECIMAL(38, 6) value when no rounding can apply (sums and changes kept to
    at least cents, customer counts); None when it must go through the rational rounding."""
    if m.kind == "distinct" or (m.kind == "sum" and m.places >= 2):
        return f"CAST(coalesce({row}.{m.id}, 0) AS DECIMAL(38, 6))"
    if m.kind == "change" and m.places >= 2:
        current = by_id[m.measure or ""].id
        return f"CAST(coalesce({row}.{current}, 0) - coalesce({row}.prior_{m.id}, 0) AS DECIMAL(38, 6))"
    return None


def rounding_stages(k: int, places: int) -> tuple[str, str, str]:
    """Three projection stages turning the exact fraction ``n_k / d_k`` into ``v_k``: the fraction rounded
    half to even to ``places`` decimals, as DECIMAL(38, 6) (NULL when ``r_k``, the reason, is set).

    Long division in two steps keeps every intermediate below |d|·10^places (no HUGEINT overflow)."""
    scale = 10 ** places
    div = (f"abs(n_{k}) // nullif(abs(d_{k}), 0) AS q_{k}, "
           f"(abs(n_{k}) % nullif(abs(d_{k}), 0)) * {scale} AS t_{k}, "
           f"abs(d_{k}) AS b_{k}, (n_{k} < 0) <> (d_{k} < 0) AS neg_{k}")
    digits = f"q_{k} * {scale} + t_{k} // b_{k} AS f_{k}, 2 * (t_{k} % b_{k}) AS h_{k}"
    rounded = f"(f_{k} + CASE WHEN h_{k} > b_{k} OR (h_{k} = b_{k} AND f_{k} % 2 = 1) THEN 1 ELSE 0 END)"
    unit = Decimal(1).scaleb(-places)
    value = (f"CASE WHEN r_{k} IS NULL THEN CAST(CAST(CASE WHEN neg_{k} THEN -{rounded} ELSE {rounded} END "
             f"AS DECIMAL(38, 0)) * {unit} AS DECIMAL(38, 6)) END AS v_{k}")
    return div, digits, value
