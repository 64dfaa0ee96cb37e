"""``screen --all`` on Spark: the batch over the loaded requests runs the same feature and scoring SQL (without the
teller path's prepared statement) and every decision is identical to DuckDB's — band, score, typology, reason
codes, every feature and rule point — on the small screening bank carrying all golden cases as loaded requests.
The golden expectations hold on Spark too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support import screening_bank as bank
from wupian.engine.spark_publish import copy_warehouse
from wupian.monitor.screening import screen_all
from wupian.monitor.screening.api import scored_table

CASES = bank.golden_cases()


@pytest.fixture(scope="module")
def engines(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from wupian.engine.spark_warehouse import SparkWarehouse

    tmp = tmp_path_factory.mktemp("screening")
    requests = bank.prior_requests() + [bank.golden_request(c) for c in CASES]
    observations = [(c["id"], code, "") for c in CASES for code in c["observations"]]
    duck = bank.build(tmp, requests=requests, observations=observations)
    sw = SparkWarehouse(tmp / "spark-wh")
    copy_warehouse(duck, sw)
    yield duck, sw
    sw.close()
    duck.close()


def test_scored_table_identical(engines: Any) -> None:
    duck, sw = engines
    want, got = scored_table(duck), scored_table(sw)
    assert got.column_names == want.column_names
    assert want.num_rows == len(CASES) + len(bank.prior_requests())
    for a, b in zip(want.to_pylist(), got.to_pylist(), strict=True):
        assert b == a, f"request {a['request_id']}: DuckDB {a}, Spark {b}"


def test_decisions_identical_and_golden(engines: Any) -> None:
    duck, sw = engines
    want, got = screen_all(duck), screen_all(sw)
    assert got == want
    by_id = {d.request_id: d for d in got}
    for c in CASES:
        d, exp = by_id[c["id"]], c["expect"]
        assert (d.band, d.score, [r.code for r in d.reasons]) == (exp["band"], exp["score"], exp["reasons"]), c["id"]
