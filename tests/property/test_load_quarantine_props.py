"""Property: bad rows in a real-shaped snapshot (the demo bank's 2026-02-28 loans, ≈ 2,900 rows, 42 columns) lose
nothing and are located, through the command line (``main()``):

* ``wupian load`` exits 1 when any row is rejected and 0 when none is; ``wupian check`` said so beforehand, with
  the same issues (line, key, column, code), and wrote nothing;
* kept rows + quarantined rows = the file's rows; exactly the corrupted rows are quarantined, each with its file
  line, its key and an ERROR naming the corrupted column; every other loan is kept with its amounts exact;
* re-loading the clean file replaces the date: exit 0, every loan back, the date's quarantine empty;
* re-loading identical data changes no figure and no tag (``indicators`` / ``classify`` CSV, both profiles).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.cli_run import run, wupian
from support.lineage_bank import demo_folders
from wupian.api import open_warehouse

AS_OF = date(2026, 2, 28)
KEEP = ("branches.csv", "customers.csv", "loans.csv")  # the tables loans need (faster loads, same rows)
# (column, bad value): each makes the row unusable under the data contract
CORRUPTIONS = (
    ("balance", "abc"),
    ("balance", "-5.00"),
    ("customer_id", "C99999999"),
    ("branch_id", "9999999"),
    ("five_class", "FQ09"),
    ("interest_rate", "450.00"),
    ("drawdown_date", "2026-02-30"),
    ("drawdown_amount", "12,34.5.6"),
)


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and (file line, row) of every data row."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out = []
    for row in reader:
        out.append((reader.line_num, dict(row)))
    return list(reader.fieldnames or []), out


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("quarantine")
    src = demo_folders(root / "demo")[AS_OF]
    folder = root / "clean"
    folder.mkdir()
    for name in KEEP:
        shutil.copyfile(src / name, folder / name)
    yield folder


def _write_altered(clean: Path, dst: Path, bad: dict[int, tuple[str, str]]) -> None:
    dst.mkdir()
    for name in KEEP[:2]:
        shutil.copyfile(clean / name, dst / name)
    fields, rows = _rows(clean / "loans.csv")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for k, (_, row) in enumerate(rows):
        if k in bad:
            column, value = bad[k]
            row[column] = value
        writer.writerow(row)
    (dst / "loans.csv").write_text(out.getvalue(), encoding="utf-8")


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(CORRUPTIONS)), max_size=6))
def test_rejected_plus_kept_is_the_file_and_every_rejection_is_located(
        clean: Path, capsys: pytest.CaptureFixture[str], picks: list[tuple[int, tuple[str, str]]]) -> None:
    _, original = _rows(clean / "loans.csv")
    bad = {k % len(original): corruption for k, corruption in picks}  # row index -> (column, bad value)
    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "snap", str(Path(tmp) / "w.duckdb")
        _write_altered(clean, folder, bad)
        _, written = _rows(folder / "loans.csv")
        code, out, _ = run(["--db", db, "check", str(folder), "--as-of", AS_OF.isoformat(), "--format", "json"],
                           capsys)
        assert code == (1 if bad else 0) and not Path(db).exists()  # check writes nothing
        checked = json.loads(out)
        code = wupian("--db", db, "load", str(folder), "--as-of", AS_OF.isoformat())
        assert code == (1 if bad else 0)
        with open_warehouse(db, read_only=True) as wh:
            kept = {r["loan_id"]: r for r in wh.rows(
                "SELECT loan_id, balance, drawdown_amount FROM loans WHERE as_of = ?", [AS_OF])}
            held = wh.rows("SELECT file, line, row_key, issues_json FROM quarantine WHERE as_of = ? "
                           "AND table_name = 'loans'", [AS_OF])
        assert len(kept) + len(held) == len(written)
        # check said beforehand exactly what load did: the same rows, lines, columns and codes
        assert (checked["loaded"]["loans"], checked["rejected"]["loans"]) == (len(kept), len(held))
        said = sorted((i["source"]["line"], i["source"]["key"], i["source"]["column"], i["code"])
                      for i in checked["issues"])
        held_issues = sorted((h["line"], h["row_key"], i["column"], i["code"])
                             for h in held for i in json.loads(h["issues_json"]))
        assert said == held_issues
        by_key = {h["row_key"]: h for h in held}
        assert len(by_key) == len(held)
        for k, (line, row) in enumerate(written):
            if k in bad:
                column = bad[k][0]
                h = by_key.get(f"loan_id={row['loan_id']}")
                assert h is not None and row["loan_id"] not in kept, (k, bad[k])
                assert (h["file"], h["line"]) == ("loans.csv", line)
                issues = json.loads(h["issues_json"])
                assert any(i["level"] == "ERROR" and i["column"] == column for i in issues), (bad[k], issues)
            else:
                got = kept[row["loan_id"]]
                assert (got["balance"], got["drawdown_amount"]) == (Decimal(row["balance"]),
                                                                    Decimal(row["drawdown_amount"]))
        # `wupian quarantine` lists each held row once, located, and the total
        code, out, _ = run(["--db", db, "quarantine", "--as-of", AS_OF.isoformat(), "--table", "loans"], capsys)
        assert code == 0
        listed = {line.split(".", 2)[1] for line in out.splitlines() if line.startswith("loans.csv:")}
        assert listed == {f"csv:{h['line']}[{h['row_key']}]" for h in held}
        assert (f"共 {len(held)} 行被隔离" in out) if held else ("no quarantined rows" in out)
        if bad:  # the clean file replaces the date: nothing held any more
            assert wupian("--db", db, "load", str(clean), "--as-of", AS_OF.isoformat()) == 0
            with open_warehouse(db, read_only=True) as wh:
                assert wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [AS_OF]) == len(original)
                assert wh.scalar("SELECT count(*) FROM quarantine WHERE as_of = ?", [AS_OF]) == 0


def test_reloading_identical_data_changes_no_figure(clean: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``load`` the same folder again (exit 0): every indicator (both profiles, CSV) and every tag of the
    classification (CSV) is byte for byte what it was."""
    db = str(tmp_path / "w.duckdb")
    day = AS_OF.isoformat()

    def outputs() -> list[str]:
        texts = []
        for args in (["indicators", "--as-of", day, "--format", "csv"],
                     ["indicators", "--as-of", day, "--format", "csv", "--profile", "nfra_1104_2025"],
                     ["classify", "--as-of", day, "--format", "csv"],
                     ["classify", "--as-of", day, "--format", "csv", "--profile", "nfra_1104_2025"]):
            code, out, err = run(["--db", db, *args], capsys)
            assert code == 0, (args, err)
            assert out.count("\n") > 100, args
            texts.append(out)
        return texts

    code, _, err = run(["--db", db, "load", str(clean), "--as-of", day], capsys)
    assert code == 0, err
    before = outputs()
    code, _, err = run(["--db", db, "load", str(clean), "--as-of", day], capsys)
    assert code == 0, err
    assert outputs() == before
