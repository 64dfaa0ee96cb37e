"""Property: for any closed record document with unknown keys inserted anywhere, the shared YAML loader reports
exactly those keys, each at its own line, and nothing else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.core import yamldoc as yd

FIELDS = {"id": yd.Field(yd.Text(), True), "label": yd.Field(yd.Text()), "size": yd.Field(yd.Int()),
          "tags": yd.Field(yd.ListOf(yd.Text()))}
SPEC = yd.ListOf(yd.Record(FIELDS))
KEY = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True).filter(lambda k: k not in FIELDS)


@settings(max_examples=60, deadline=None)
@given(records=st.integers(min_value=1, max_value=5), inserts=st.lists(st.tuples(st.integers(0, 4), KEY),
                                                                         max_size=6, unique_by=lambda t: t))
def test_unknown_keys_are_each_reported_at_their_line(records: int, inserts: list[tuple[int, str]]) -> None:
    lines: list[str] = []
    expected: list[tuple[int, str, str]] = []
    for r in range(records):
        lines += [f"- id: r{r}", f"  label: 第{r}条", f"  size: {r}", "  tags: [a, b]"]
        for at, key in inserts:
            if at == r and not any(e[1] == key and e[2] == f"id=r{r}" for e in expected):
                lines.append(f"  {key}: 1")
                expected.append((len(lines), key, f"id=r{r}"))
    value, issues = yd.load_document("\n".join(lines) + "\n", "x.yaml", SPEC, "WP-X")
    assert [(i.source.line, i.source.column, i.source.key) for i in issues] == expected
    assert all(i.code == "WP-X-001" and i.source.file == "x.yaml" for i in issues)
    assert (value is None) == bool(expected)
