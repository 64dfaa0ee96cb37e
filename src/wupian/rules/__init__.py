"""Classification rules: load and validate the YAML rulebooks, plan a profile, classify, explain, review.

Public API::

    classify_snapshot(wh, as_of, profile="pboc_2025", *, progress=None, size_basis="declared_first",
                      on_demand=False) -> ClassifyReport  (on_demand: the tags only, as readers classify)
    classify_snapshots(wh, as_of, profiles, *, …) -> tuple[ClassifyReport, ...]  (several profiles, one pass)
    classifying_together(wh)  (context: classifications of one date inside it share the per-customer facts)
    explain_loan(wh, as_of, loan_id, profile="pboc_2025") -> LoanExplanation
    review_worklist(wh, as_of, profile="pboc_2025") -> pyarrow.Table
    tag_overlap(wh, as_of, profile="pboc_2025") -> pyarrow.Table
    loan_tags(wh, as_of, profile="pboc_2025") -> pyarrow.Table  (loan_id, tag, amount, rule_ids, explanation)
    customer_facts(wh, as_of) -> pyarrow.Table  (the customer_facts columns, size notes rendered)
    size_report(wh, as_of, size_basis="declared_first") -> list[Issue]
    load_rulebook(path=None) -> Rulebook ; validate_rulebook(path=None) -> (Rulebook | None, list[Issue])
"""

from wupian.rules.explain import LoanExplanation, NotInExplanation, RuleHit, TagExplanation, explain_loan
from wupian.rules.rulebook import Citation, Rulebook, load_rulebook, validate_rulebook
from wupian.rules.service import (
    ClassifyReport,
    TagCount,
    classify_snapshot,
    classify_snapshots,
    classifying_together,
    customer_facts,
    loan_tags,
    review_worklist,
    rulebook,
    size_report,
    tag_overlap,
)

__all__ = [
    "Citation",
    "ClassifyReport",
    "LoanExplanation",
    "NotInExplanation",
    "RuleHit",
    "Rulebook",
    "TagCount",
    "TagExplanation",
    "classify_snapshot",
    "classify_snapshots",
    "classifying_together",
    "customer_facts",
    "explain_loan",
    "load_rulebook",
    "loan_tags",
    "review_worklist",
    "rulebook",
    "size_report",
    "tag_overlap",
    "validate_rulebook",
]
