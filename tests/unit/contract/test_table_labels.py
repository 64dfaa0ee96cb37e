"""Every contract table has its zh label where the CLI lists tables (a table added to the contract, such as
code_acceptances, must not crash `wupian snapshots`)."""

from __future__ import annotations

from wupian.cli.data_cmds import TABLE_ZH
from wupian.contract import ALL_TABLES


def test_every_contract_table_has_its_label_in_contract_order() -> None:
    assert list(TABLE_ZH) == [t.name for t in ALL_TABLES]
    assert TABLE_ZH["code_acceptances"] == "代码核定" and TABLE_ZH["loans"] == "贷款借据"
