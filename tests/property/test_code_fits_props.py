"""``code_fits_sql`` (hypothesis): the SQL test that a five-priorities code agrees with the loan's purpose industry
equals its plain reading, for blank, unmapped, mapped, contradicting and accepted codes.

Plain reading (``classify_review.code_fits_sql``): a code fits unless it has an industry mapping, the purpose
industry is a 4-digit code, the industry's mapped codes (NULL for an industry no classification lists) do not
include it, and no ``<column>=<code>`` acceptance is recorded for the loan. The SQL decides a blank code first and
runs the list look-ups only for loans that carry one (issue 14); this test keeps the two forms equal.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.engine.classify_review import code_fits_sql, mapped_codes
from wupian.engine.warehouse import Warehouse

MAPPED = mapped_codes()
codes = st.one_of(st.none(), st.sampled_from(MAPPED[:6]), st.sampled_from(["HTS09", "ZZ01", ""]))
industries = st.sampled_from(["3911", "3311", "39", "", "A0111", "49111"])
code_lists = st.one_of(st.none(), st.lists(st.sampled_from(MAPPED[:6]), max_size=3, unique=True))
rows = st.lists(st.tuples(codes, industries, code_lists, st.booleans()), min_size=1, max_size=12)


def plain(code: str | None, industry: str, listed: list[str] | None, accepted: bool) -> bool:
    if code is None or code not in MAPPED:
        return True
    if len(industry) != 4:
        return True
    if listed is not None and code in listed:
        return True
    return accepted


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_code_fits_sql_equals_its_plain_reading(data: list[tuple[str | None, str, list[str] | None, bool]]) -> None:
    with Warehouse(":memory:") as wh:
        wh.execute("CREATE TABLE t (n INTEGER, tech_htp VARCHAR, ind VARCHAR, codes VARCHAR[], items VARCHAR[])")
        for n, (code, industry, listed, accepted) in enumerate(data):
            items = [f"tech_htp={code}"] if accepted and code is not None else None
            wh.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [n, code, industry, listed, items])
        sql = code_fits_sql("tech_htp", loan="l", ind="l.ind", codes="l.codes", accepted="l.items")
        got = [r["fits"] for r in wh.rows(f"SELECT n, {sql} AS fits FROM t l ORDER BY n")]
    assert got == [plain(*row) for row in data]
