"""Sibling rankings of indicator values, set-based: for each indicator id, the rank (1 = largest, ties share
a rank, as SQL ``rank()``) of every node among the children of its parent that have a value.

Inputs are Arrow tables registered for the duration of the query: the values (branch_id, indicator_id,
value) and the tree (branch_id, parent_id, ord = the node's position in the tree order). Output order: by
indicator id, then parent (in the order of its first child in the tree), then child in tree order.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from wupian.engine.warehouse import Warehouse


def sibling_ranks(wh: Warehouse, values: pa.Table, tree: pa.Table, ids: Sequence[str]) -> pa.Table:
    """Columns branch_id, ranked_id (``<id>.rank_siblings``), rank (BIGINT)."""
    sql = """
        WITH t AS (SELECT branch_id, parent_id, ord, min(ord) OVER (PARTITION BY parent_id) AS parent_ord
                   FROM wp_rank_tree WHERE parent_id IS NOT NULL AND parent_id <> ''),
        v AS (SELECT branch_id, indicator_id, value FROM wp_rank_values
              WHERE value IS NOT NULL AND indicator_id IN (SELECT id FROM wp_rank_ids)),
        r AS (SELECT v.branch_id, v.indicator_id, t.parent_ord, t.ord,
                     rank() OVER (PARTITION BY v.indicator_id, t.parent_id ORDER BY v.value DESC) AS rank
              FROM v JOIN t ON t.branch_id = v.branch_id)
        SELECT r.branch_id, r.indicator_id || '.rank_siblings' AS ranked_id, r.rank
        FROM r ORDER BY r.indicator_id, r.parent_ord, r.ord
    """
    wh.register("wp_rank_values", values.select(["branch_id", "indicator_id", "value"]))
    wh.register("wp_rank_tree", tree.select(["branch_id", "parent_id", "ord"]))
    wh.register("wp_rank_ids", pa.table({"id": pa.array(list(ids), pa.string())}))
    try:
        return wh.arrow(sql)
    finally:
        for name in ("wp_rank_values", "wp_rank_tree", "wp_rank_ids"):
            wh.unregister(name)
