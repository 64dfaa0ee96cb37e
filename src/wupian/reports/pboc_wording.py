"""The wording of the PBOC validator's findings (``wupian.reports.pboc_validate``): the zh text, code, field and what
to do for each mark the engine finds on a line (``wupian.engine.pboc_checks``), and ``line_findings``, which words
every marked line of a file column-wise into a findings table (``wupian.reports.worklists``).

A file can carry a finding on every record (a bank whose branches have no 统一社会信用代码), so the lines are not
worded one by one: each distinct (mark, value, summary-or-detail) is worded once by the same functions that word a
single finding, and the text is spread over the rows with Arrow takes; the record key, the line and the summary
rows' line-dependent text are computed column-wise. Order and text are exactly those of wording line by line.

A finding on a *branch-level field* (``scope`` of ``pboc_spec/field_rules.csv``: 金融机构代码, 内部机构号 — the value
is the booking branch's, not the loan's) is a property of the branch, not of the record: on detail rows it is one
finding per (file, branch, finding) — at the branch's first such record, keyed ``内部机构号=<branch>``, its text
saying how many of the file's records it affects, that number in the ``records`` column (``worklists.RECORDS``)
so the counts still count records. A record's other findings are listed as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wupian.core.issues import Issue, Level, Source
from wupian.reports.pboc_layout import REPORTS, Field, layouts, type_problem
from wupian.reports.pboc_rules import BRANCH_SCOPES, FieldRule, allowed_codes, field_rules
from wupian.reports.worklists import FINDINGS, RECORDS, constant, pooled

TECH_FLAGS = ("是否高技术制造业贷款", "是否高技术服务业贷款", "是否战略性新兴产业贷款", "是否知识产权（专利）密集型产业贷款")
INCLUSIVE_FLAGS = (
    "是否单户授信小于1000万元的小微型企业贷款", "是否单户授信小于1000万元的个体工商户经营性贷款",
    "是否单户授信小于1000万元的小微企业主经营性贷款", "是否单户授信小于500万元的农户经营性贷款",
    "是否创业担保贷款", "是否助学贷款", "是否原建档立卡贫困人口消费贷款",
)
DIGITAL_FLAGS = ("是否数字经济核心产业贷款", "是否数字化效率提升业贷款")




class _Check:
    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def err(self, code: str, msg: str, line: int | None = None, key: str | None = None, column: str | None = None,
            fix: str | None = None) -> None:
        self.issues.append(Issue(code, Level.ERROR, msg, Source(self.file, line, key, column), fix))


def _field_issue(c: _Check, rule: FieldRule | None, name: str, field_type: str, mark: str, row: dict[str, str],
                 summary: bool, n: int, key: str | None) -> None:
    value = row[name]
    where = "汇总行的" if summary else ""
    if mark.startswith("T:"):
        c.err("WP-PBOC-002", f"{name}：{type_problem(mark[2:], value, field_type)}（值 {value}）", n, key, name)
        return
    assert rule is not None
    if mark == "M":
        c.err("WP-PBOC-003", f"{where}{name}为必填项，不能为空", n, key, name, rule.fix)
    elif mark == "E":
        c.err("WP-PBOC-004", f"{where}{name}应空置（实际 {value}）", n, key, name, rule.source)
    elif mark in ("Creq", "Cempty"):
        assert rule.required_when is not None
        other, want = rule.required_when
        if mark == "Creq":
            c.err("WP-PBOC-006", f"“{other}”填报{want}时{name}为必填项", n, key, name, rule.fix)
        else:
            c.err("WP-PBOC-006", f"“{other}”未填报{want}时{name}应空置（实际 {value}）", n, key, name,
                  f"{other}为1时才填报{name}")
    elif mark == "X":
        if value in rule.exclude_codes:
            c.err("WP-PBOC-005", f"{name}不应填报 {value}", n, key, name, rule.fix)
        else:
            codes = allowed_codes(rule) or ()
            c.err("WP-PBOC-005", f"{name}取值 {value} 不在代码表内（{'/'.join(codes)}）", n, key, name, rule.fix)
    elif mark == "P":
        c.err("WP-PBOC-013", f"{name}格式不符（实际 {value}）", n, key, name, rule.fix)


def _record_issue(c: _Check, code: str, mark: str, row: dict[str, str], n: int, key: str | None) -> None:
    if mark == "bill_ids":
        c.err("WP-PBOC-009", "票据融资（C03）的贷款合同编码和贷款借据编码应填0", n, key, "贷款借据编码",
              "票据直贴以票据编号标识，合同、借据编码填0")
    elif mark == "bill_missing":
        c.err("WP-PBOC-009", "票据融资（C03）应填报票据编号", n, key, "票据编号",
              "在贷款借据表 loans 的 bill_no 列填写票据编号")
    elif mark == "bill_extra":
        c.err("WP-PBOC-009", f"非票据融资的票据编号应填0（实际 {row['票据编号']}）", n, key, "票据编号",
              "只有票据直贴填报票据编号")
    elif mark == "flags":
        kind = REPORTS[code][0]
        if kind == "digital":
            c.err("WP-PBOC-012", "“是否数字经济核心产业贷款”与“是否数字化效率提升业贷款”应有且只有一项填报1", n, key,
                  DIGITAL_FLAGS[0], "核对贷款借据表 loans 的 digital_code（DE01–DE04 或 DE05）")
        else:
            flags, msg = ((TECH_FLAGS, "科技相关产业贷款逐笔行至少应有一项产业标识填报1") if kind == "tech_industry"
                          else (INCLUSIVE_FLAGS, "普惠贷款逐笔行至少应有一项普惠标识填报1"))
            c.err("WP-PBOC-012", msg, n, key, flags[0], "该笔贷款不属于本类别，不应报送；核对分类结果")


@dataclass(frozen=True, slots=True)
class _Report:
    """What wording the issues of one report needs, looked up once per file."""
    code: str
    names: tuple[str, ...]
    fields: tuple[Field, ...]
    rules: dict[str, FieldRule]
    summaries: tuple[str, ...]
    detail_code: str | None
    branch_fields: frozenset[int]  # positions of the branch-level fields (``pboc_rules.BRANCH_SCOPES``)
    branch: int | None  # the position of the field naming the branch (scope ``branch_id``: 内部机构号)


def _report(code: str) -> _Report:
    layout = layouts()[code]
    _, _, summaries, detail_code = REPORTS[code]
    rules = field_rules(code)
    scope = {i: rules[f.name].scope for i, f in enumerate(layout.fields, start=1) if f.name in rules}
    branch = next((i for i, s in scope.items() if s == "branch_id"), None)
    fields = frozenset(i for i, s in scope.items() if s in BRANCH_SCOPES) if branch is not None else frozenset()
    return _Report(code, layout.names, layout.fields, rules, summaries, detail_code, fields, branch)


def _field_at(lines: pa.Array, pos: int) -> pa.Array:
    """The ``pos``-th (1-based) ``|``-separated field of each line (null where the line has fewer fields)."""
    skip = f"(?:[^|]*[|]){{{pos - 1}}}" if pos > 1 else ""
    return pc.struct_field(pc.extract_regex(lines, f"^{skip}(?P<v>[^|]*)"), [0])


def _line_keys(lines: pa.Array, n: pa.Array, rep: _Report, fields: dict[int, pa.Array] | None = None) -> pa.Array:
    """The record key of each line (贷款借据编码=…, else 票据编号=…, else null; null on summary rows); ``fields``:
    the lines' values at some positions, already read off (the rest are read off the lines). The value and its
    field's name are chosen per line first, and joined once (one text per line is built, not one per key field)."""
    value: pa.Array | None = None
    prefix: pa.Array | str = ""
    ok: pa.Array | None = None
    for name in ("贷款借据编码", "票据编号"):  # the first usable wins: 借据 before 票据
        if name not in rep.names:
            continue
        # every detail line has its key already (the usual file; a summary line never has one): a later field
        # would change no key, and is not read
        if ok is not None and pc.all(pc.or_(ok, pc.less_equal(n, len(rep.summaries)))).as_py():
            break
        pos = rep.names.index(name) + 1
        v = (fields or {}).get(pos)
        v = _field_at(lines, pos) if v is None else v
        usable = pc.and_(pc.invert(pc.is_in(v, value_set=pa.array(["", "0"]))), pc.is_valid(v))  # never null
        if value is None or ok is None:
            value, prefix, ok = v, f"{name}=", usable
        else:
            value = pc.if_else(ok, value, v)
            prefix = pc.if_else(ok, prefix, f"{name}=")
            ok = pc.or_(ok, usable)
    if value is None or ok is None:
        return pa.nulls(len(lines), pa.string())
    keep = pc.and_(ok, pc.greater(n, len(rep.summaries)))  # never null
    kept = value if pc.all(keep).as_py() else pc.if_else(keep, value, pa.scalar(None, pa.string()))
    return pc.binary_join_element_wise(prefix, kept, "")


def _word(rep: _Report, mark: str, value: str, summary: bool, file: str) -> Issue | None:
    """The finding of ``mark`` for a field (or record-rule) value, on a summary or a detail line."""
    c = _Check(file)
    if ":" in mark:
        pos, what = mark.split(":", 1)
        f = rep.fields[int(pos) - 1]
        _field_issue(c, rep.rules.get(f.name), f.name, f.type, what, {f.name: value}, summary, 0, None)
    else:
        _record_issue(c, rep.code, mark, {"票据编号": value}, 0, None)
    return c.issues[0] if c.issues else None


def _const(value: str | None, n: int) -> pa.Array:
    return constant(value, n)


# marks whose wording does not read the field's value (the value is not taken from the line for them: on a bank
# without branch codes every record has 金融机构代码 empty, and the wording is one text per summary/detail row)
VALUELESS = frozenset({"M", "Creq", "bill_ids", "bill_missing", "flags"})


def _valueless(mark: str) -> bool:
    return (mark.split(":", 1)[1] if ":" in mark else mark) in VALUELESS


class _Pool:
    """Texts of a findings column, each stored once; rows point into it (one take at the end, no per-mark copy of
    the same text)."""

    def __init__(self) -> None:
        self.texts: list[str | None] = []
        self.at: dict[str | None, int] = {}

    def ids(self, values: list[str | None]) -> np.ndarray:
        out = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            if v not in self.at:
                self.at[v] = len(self.texts)
                self.texts.append(v)
            out[i] = self.at[v]
        return out

    def column(self, ids: np.ndarray) -> pa.Array:
        """The texts of ``ids`` as a dictionary column (``worklists.pooled``)."""
        return pooled(self.texts, ids)

    def strings(self, ids: np.ndarray) -> pa.Array:
        return pc.take(pa.array(self.texts, pa.string()), pa.array(ids))


def line_findings(found: pa.Table, rep: _Report, file: str) -> tuple[pa.Table, dict[int, set[str]]]:
    """Every finding of the marked lines ``found`` (``n``, ``line``, ``marks``; line order) as a findings table in
    the order of the lines and of each line's marks, and the fields of each summary line whose value does not fit
    its type (their sums are not compared). A finding on a branch-level field of detail rows is one row per
    (branch, finding), where the branch first has it, with its number of records (module docstring).

    ``found`` may carry the lines' key and branch fields as ``v<pos>`` (their values where the line has all its
    fields, null where it does not or is a summary row), read off where the records were built; otherwise they are
    read off the lines. Each distinct (mark, value, summary-or-detail) is worded once; the rows carry integer positions into those texts
    (and into the lines for the record key), reordered as integers, and every text column is built by one take."""
    k = len(rep.summaries)
    mistyped: dict[int, set[str]] = {}
    if found.num_rows == 0:
        return FINDINGS.empty_table(), mistyped
    found = found.combine_chunks()
    n, lines, marks = (found.column(c).chunk(0) if found.column(c).num_chunks else found.column(c).combine_chunks()
                       for c in ("n", "line", "marks"))
    for sn, sm in zip(n.slice(0, k).to_pylist(), marks.slice(0, k).to_pylist(), strict=True):  # the first lines
        if sn <= k:
            mistyped[sn] = {rep.fields[int(m.split(":")[0]) - 1].name for m in sm.split(";") if ":T:" in m}
    split = pc.split_pattern(marks, ";")
    parent = pc.list_parent_indices(split).to_numpy(zero_copy_only=False)
    tok = pc.list_flatten(split)
    fields = {int(c[1:]): found.column(c).combine_chunks() for c in found.column_names if c[:1] == "v" and c[1:].isdigit()}
    keys = _line_keys(lines, n, rep, fields)  # per line; the rows point at their line's key (null: no key)
    enc = pc.dictionary_encode(tok)
    ids = enc.indices.to_numpy(zero_copy_only=False)
    pools = {a: _Pool() for a in ("code", "message", "column", "suggestion")}
    # per piece: token rows, the key's line (-1: none) or the keys, per text column positions into its pool or an
    # array, and the records each row stands for (None: one each)
    pieces: list[tuple[np.ndarray, np.ndarray | pa.Array, dict[str, np.ndarray | pa.Array], np.ndarray | None]] = []
    branches: pa.Array | None = None  # the branch of each line, read off once (branch-level findings only)
    headed = n.to_numpy(zero_copy_only=False) <= k  # per line: a summary row
    for j, mark in enumerate(enc.dictionary.to_pylist()):
        rows = np.nonzero(ids == j)[0]
        src = parent[rows]
        m = len(rows)
        if mark in ("count", "kind"):
            at = pa.array(src)
            rn, rl = pc.take(n, at), pc.take(lines, at)
            if mark == "count":
                counted = pc.cast(pc.add(pc.count_substring(rl, "|"), 1), pa.string())
                msg = pc.binary_join_element_wise("字段数 ", counted, f"，应为 {len(rep.fields)}", "")
                texts = {"code": "WP-PBOC-001", "column": None, "suggestion": None}
                key_at = np.full(m, -1, dtype=np.int64)
            else:
                expected = pc.if_else(pc.less_equal(rn, k), pc.take(pa.array(rep.summaries, pa.string()),
                                                                    pc.subtract(pc.min_element_wise(rn, k), 1)),
                                      str(rep.detail_code))
                first = _field_at(rl, 1)
                first = pc.if_else(pc.equal(first, ""), "空", first)
                msg = pc.binary_join_element_wise("第", pc.cast(rn, pa.string()), "行字段类别应为 ", expected,
                                                  "，实际 ", first, "")
                texts = {"code": "WP-PBOC-007", "column": "字段类别", "suggestion": "汇总行按规定顺序在前，逐笔行在后"}
                key_at = src
            cols: dict[str, np.ndarray | pa.Array] = {a: np.full(m, pools[a].ids([t])[0]) for a, t in texts.items()}
            cols["message"] = msg
            pieces.append((rows, key_at, cols, None))
            continue
        pos = int(mark.split(":")[0]) if ":" in mark else (rep.names.index("票据编号") + 1
                                                          if mark == "bill_extra" else 0)
        at_head = headed[src]
        summary = pa.array(at_head, pa.bool_())
        if pos and not _valueless(mark):
            values = _field_at(pc.take(lines, pa.array(src)), pos)
            combo = pc.dictionary_encode(pc.binary_join_element_wise(pc.if_else(summary, "1", "0"), values, ""))
            texts_of, pick = combo.dictionary.to_pylist(), combo.indices.to_numpy(zero_copy_only=False)
        else:  # the wording does not read the value: one text per summary/detail row, in order of first appearance
            texts_of, pick = _first_seen(at_head)
        worded = [_word(rep, mark, text[1:], text[0] == "1", file) for text in texts_of]
        if any(w is None for w in worded):  # a mark without wording (none today) is not a finding
            keep = np.array([w is not None for w in worded])[pick]
            rows, src, pick, at_head = rows[keep], src[keep], pick[keep], at_head[keep]
        texts_at = {a: pools[a].ids([None if w is None else (w.source.column if a == "column" else getattr(w, a))
                                     for w in worded]) for a in pools}
        if pos in rep.branch_fields and rep.branch is not None:
            detail = ~at_head
            if detail.any():
                if branches is None:
                    branches = fields.get(rep.branch)
                    branches = pc.fill_null(_field_at(lines, rep.branch) if branches is None else branches, "")
                pieces.append(_per_branch(rows[detail], src[detail], pick[detail], texts_at, pools, branches))
                rows, src, pick = rows[~detail], src[~detail], pick[~detail]
                if len(rows) == 0:
                    continue
        pieces.append((rows, src, {a: texts_at[a][pick] for a in pools}, None))
    order = np.concatenate([p[0] for p in pieces])
    several = any(p[3] is not None for p in pieces)
    in_order = bool(np.all(order[1:] > order[:-1]))  # e.g. one kind of mark: no reordering needed
    sort = None if in_order else np.argsort(order, kind="stable")

    def ints(values: list[np.ndarray]) -> np.ndarray:
        whole = np.concatenate(values)
        return whole if sort is None else whole[sort]

    def col(a: str) -> pa.Array:
        parts = [p[2][a] for p in pieces]
        if all(isinstance(x, np.ndarray) for x in parts):
            return pools[a].column(ints(parts))  # type: ignore[arg-type]
        arrays = [pools[a].strings(x) if isinstance(x, np.ndarray) else x for x in parts]
        whole = pa.concat_arrays(arrays)
        return whole if sort is None else pc.take(whole, pa.array(sort))

    if all(isinstance(p[1], np.ndarray) for p in pieces):
        key_at = ints([p[1] for p in pieces])  # type: ignore[misc]
        key = _keys_at(keys, key_at)
    else:
        key = pa.concat_arrays([_keys_at(keys, p[1]) if isinstance(p[1], np.ndarray) else p[1] for p in pieces])
        key = key if sort is None else pc.take(key, pa.array(sort))
    at = order if in_order else np.sort(order)
    total = len(order)
    columns = [_const(file, total), pc.cast(pc.take(n, pa.array(parent[at])), pa.int64()), key.cast(pa.string()),
               col("column"), col("code"), _const(str(Level.ERROR), total), col("message"), col("suggestion")]
    if not several:
        return pa.Table.from_arrays(columns, names=FINDINGS.names), mistyped
    weights = pa.concat_arrays([pa.nulls(len(p[0]), pa.int64()) if p[3] is None else pa.array(p[3], pa.int64())
                                for p in pieces])
    weights = weights if sort is None else pc.take(weights, pa.array(sort))
    return pa.Table.from_arrays([*columns, weights], names=[*FINDINGS.names, RECORDS]), mistyped


def _keys_at(keys: pa.Array, at: np.ndarray) -> pa.Array:
    """The keys of the lines ``at`` (null where ``at`` is negative): the keys themselves when ``at`` is every line in
    order (a file whose every record has one such finding), else one take."""
    if len(at) == len(keys) and np.array_equal(at, np.arange(len(keys))):
        return keys
    none = at < 0
    return pc.take(keys, pa.array(at, mask=none) if none.any() else pa.array(at))


def _first_seen(at_head: np.ndarray) -> tuple[list[str], np.ndarray]:
    """``"1"`` (summary row) / ``"0"`` (detail row) per row dictionary-encoded as ``pc.dictionary_encode`` does it
    (the texts in order of first appearance, each row's index into them), without a text per row."""
    if len(at_head) == 0:
        return [], np.zeros(0, dtype=np.int32)
    first = bool(at_head[0])
    texts = ["1" if first else "0"] + (["0" if first else "1"] if bool(np.any(at_head != first)) else [])
    return texts, (at_head != first).astype(np.int32)


def _per_branch(rows: np.ndarray, src: np.ndarray, pick: np.ndarray, texts_at: dict[str, np.ndarray],
                pools: dict[str, _Pool], branches: pa.Array,
                ) -> tuple[np.ndarray, pa.Array, dict[str, np.ndarray | pa.Array], np.ndarray]:
    """The findings of one branch-level mark on detail rows (token ``rows`` of the lines ``src``, worded as ``pick``
    into ``texts_at``) as one row per (branch, text), at the first of its rows: key ``内部机构号=<branch>``, the
    text with the number of the file's records it stands for, that number as the row's weight."""
    branch = pc.dictionary_encode(pc.take(branches, pa.array(src)))
    b = branch.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    group = b * (int(pick.max()) + 1) + pick
    _, first, counts = np.unique(group, return_index=True, return_counts=True)
    by_first = np.argsort(first, kind="stable")  # groups in the order of their first record (rows ascend)
    first, counts = first[by_first], counts[by_first]
    name = pc.take(branch.dictionary, pa.array(b[first]))
    empty = pc.equal(name, "")
    key = pc.if_else(empty, pa.nulls(len(name), pa.string()), pc.binary_join_element_wise("内部机构号=", name, ""))
    shown = pc.if_else(empty, "（空）", name)
    message = pc.binary_join_element_wise(
        pools["message"].strings(texts_at["message"][pick[first]]), "（本文件经办机构 ", shown, " 的 ",
        pc.cast(pa.array(counts, pa.int64()), pa.string()), " 条逐笔记录均如此，该值取自机构表 branches）", "")
    cols: dict[str, np.ndarray | pa.Array] = {a: texts_at[a][pick[first]] for a in pools if a != "message"}
    cols["message"] = pools["message"].ids(message.to_pylist())  # a few per branch: pooled like the others
    return rows[first], key, cols, counts
