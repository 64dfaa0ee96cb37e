"""The PBOC type and length rules run as SQL (``engine.pboc_checks``): for any text in a free-text field, the
engine's verdict equals the plain reading of the 采集规范 (no leading/trailing blanks or control characters, no
double quote, at most N bytes of UTF-8) — multi-byte characters, Unicode blanks and the line-level pre-tests
included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.reports.pboc_layout import layouts
from wupian.reports.pboc_validate import validate_lines

GREEN = "HDACLLSDK"
USCC = "91130900MA0000001X"
FIELD, LIMIT = "贷款合同编码", 100


def _line(contract: str, branch: str) -> list[str]:
    row = {"金融机构代码": USCC, "内部机构号": branch, "贷款合同编码": contract, "贷款借据编码": "L1", "票据编号": "0",
           "交易流水号": "S1", "业务类别": "C01"}
    return [row.get(name, "") for name in layouts()[GREEN].names]


def _expected(value: str, limit: int) -> str | None:
    if value == "":
        return None
    if value != value.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "含首尾空格或控制字符"
    if '"' in value:
        return "含双引号（采集规范2.5：字符串不能包含双引号等控制字符和转义字符）"
    size = len(value.encode("utf-8"))
    return None if size <= limit else f"超过{limit}字节上限（{size}字节）"


TEXT = st.text(st.characters(blacklist_characters="|\n", blacklist_categories=("Cs",)), max_size=60)
WIDE = st.text(st.sampled_from(["a", "é", "中", "😀", " ", "\u3000", "\t", '"', "\x85", "\u2028"]), max_size=45)


@settings(max_examples=200, deadline=None)
@given(st.one_of(TEXT, WIDE), st.one_of(TEXT, WIDE))
def test_type_rules_in_sql_match_the_plain_reading(contract: str, branch: str) -> None:
    issues = validate_lines(GREEN, [_line(contract, branch)], "f.dat")
    typed = {i.source.column: i.message for i in issues if i.code == "WP-PBOC-002"}
    # 内部机构号 is a branch-level field: its finding is worded once per branch, with its number of records
    per_branch = f"（本文件经办机构 {branch or '（空）'} 的 1 条逐笔记录均如此，该值取自机构表 branches）"
    for field, value, limit, tail in ((FIELD, contract, LIMIT, ""), ("内部机构号", branch, 30, per_branch)):
        want = _expected(value, limit)
        assert typed.get(field) == (None if want is None else f"{field}：{want}（值 {value}）{tail}"), (field, value)
        assert (field, "WP-PBOC-003") in {(i.source.column, i.code) for i in issues} or value != ""
