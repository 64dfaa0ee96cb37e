"""Which indicator ids exist (used to validate template placeholders and to suggest a mistyped --id)."""

from __future__ import annotations

import pytest

from wupian.metrics.catalogue import example_ids, indicator_problem, suggest
from wupian.metrics.compute import definitions, names


@pytest.mark.parametrize("indicator_id", [
    "green.balance", "five_union.ytd_change", "coverage.above_scale_enterprise.account_rate",
    "coverage.public_hospital.三级.members", "service.medical_insurance_code.medical_insurance_institution.二级.activated",
    "accounts.social_security_card.count", "process.inclusive_loan.avg_working_days", "activity.home_visit.people",
    "green.balance.rank_peers", "accounts.third_party_custody.ytd_change.target_completion.rank_siblings",
])
def test_known_ids(indicator_id: str) -> None:
    assert indicator_problem(indicator_id, definitions(), names()) is None


@pytest.mark.parametrize(("indicator_id", "problem"), [
    ("green.balanse", "unknown indicator id (did you mean 'green.balance'?)"),
    ("coverage.above_scale_enterprsie.account_rate",
     "registry 'above_scale_enterprsie' is not in names.yaml registries (did you mean 'above_scale_enterprise'?)"),
    ("accounts.social_security.count",
     "account_type 'social_security' is not in names.yaml accounts (did you mean 'social_security_card'?)"),
    ("green.balanse.rank_peers", "'green.balanse' is not an indicator"),
    ("nothing", "unknown indicator id"),
])
def test_unknown_ids_say_why(indicator_id: str, problem: str) -> None:
    assert indicator_problem(indicator_id, definitions(), names()) == problem


def test_examples_and_suggestions() -> None:
    ids = example_ids(definitions(), names())
    assert {"green.balance", "coverage.gas_station.members", "green.balance.rank_peers"} <= ids
    assert suggest("gren.balance", ids) == "did you mean 'green.balance'?"
    assert suggest("zzzz", ids) is None
