"""Every contract table has its zh label where the CLI lists tables (a table added to the contract, such as
code_acceptances, must not crash `wupian snapshots`)."""

from __future__ import annotations

from wupian.cli.data_cmds import table_zh_names
from wupian.contract import ALL_TABLES


def test_every_contract_table_has_its_label_in_contract_order() -> None:
    table_zh = table_zh_names()
    assert list(table_zh) == [t.name for t in ALL_TABLES]
    assert table_zh["code_acceptances"] == "代码核定" and table_zh["loans"] == "贷款借据"
