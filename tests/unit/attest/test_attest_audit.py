"""Issue 9 §5: a tampered attestation log is noticed by `status`, `add`, `prove-consistency` and `attest audit`.

Each scenario edits the log's files the way a careless or malicious hand would (flip a byte of a document
hash, move an entry to another LC, swap two entries, flip a stored leaf hash, rebuild the whole tree) and checks
that every command refuses with exit 1 and says where (entry index, field, expected vs found).
"""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wupian.attest.audit import MARK_FILE, audit_log
from wupian.attest.documents import make_entry
from wupian.attest.heads import HEADS_FILE, RECORD_SIZE, HeadsFile
from wupian.attest.log import AttestationLog, init_log
from wupian.attest.sth import load_public_key
from wupian.attest.store import LogStore
from wupian.cli.attest import app

runner = CliRunner()
LCS = ("LC-2025-001", "LC-2025-002", "LC-2025-003")
EVENTS = ("issued", "sent", "received", "amended", "paid")


def _run(args: list[str], log: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--log-dir", str(log)])
    return result.exit_code, result.stdout, result.stderr


def _entry(i: int):  # type: ignore[no-untyped-def]
    return make_entry(LCS[i % 3], EVENTS[(i // 3) % 5], f"{i * 7919:064x}",
                      time=f"2025-06-{1 + i % 28:02d}T09:30:00+08:00", meta={"seq": f"{i:04d}"})


@pytest.fixture()
def log(tmp_path: Path) -> Path:
    """A log of 15 entries added in 9 appends (so 9 signed heads), audited once (the mark exists)."""
    path = tmp_path / "log"
    init_log(path)
    with AttestationLog.open(path) as opened:
        i = 0
        for batch in (1, 1, 2, 1, 3, 1, 4, 1, 1):
            opened.add_entries([_entry(i + k) for k in range(batch)])
            i += batch
        assert opened.audit().ok
    assert (path / MARK_FILE).exists()
    return path


def _span(log: Path, index: int) -> tuple[int, int]:
    idx = (log / "entries.idx").read_bytes()
    ends = struct.unpack(f">{len(idx) // 8}Q", idx)
    return (ends[index - 1] if index else 0), ends[index]


def _edit_entry(log: Path, index: int, old: bytes, new: bytes) -> None:
    """Replace ``old`` by ``new`` inside entry ``index`` and shift the offsets after it (a careful forger)."""
    data = bytearray((log / "entries.bin").read_bytes())
    start, end = _span(log, index)
    entry = bytes(data[start:end])
    assert old in entry
    data[start:end] = entry.replace(old, new, 1)
    (log / "entries.bin").write_bytes(bytes(data))
    idx = (log / "entries.idx").read_bytes()
    ends = list(struct.unpack(f">{len(idx) // 8}Q", idx))
    for k in range(index, len(ends)):
        ends[k] += len(new) - len(old)
    (log / "entries.idx").write_bytes(struct.pack(f">{len(ends)}Q", *ends))


def _doc(tmp_path: Path) -> Path:
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(b"bill of lading")
    return doc


def _assert_refused(log: Path, tmp_path: Path, where: str, lc: str = LCS[1]) -> None:
    size = LogStore.open(log, writable=False, check_root=False).size
    for args in (["status", lc], ["add", str(_doc(tmp_path)), "--lc", lc, "--event", "paid"],
                 ["prove-consistency", "1", "3"]):
        code, out, err = _run(args, log)
        assert code == 1, (args, out, err)
        assert "fails its audit" in err and where in err, err
        assert out == ""  # nothing shown, no receipt, no signed record
    with LogStore.open(log, writable=False, check_root=False) as store:
        assert store.size == size  # add appended nothing
    code, out, _ = _run(["audit"], log)
    assert code == 1 and where in out and "FAIL" in out


def test_clean_log_passes_and_commands_work(log: Path, tmp_path: Path) -> None:
    code, out, _ = _run(["audit"], log)
    assert code == 0 and "full audit passed" in out and "tree size 15" in out and "9 signed heads" in out
    assert _run(["status", LCS[0]], log)[0] == 0
    assert _run(["add", str(_doc(tmp_path)), "--lc", LCS[0], "--event", "paid"], log)[0] == 0
    code, out, _ = _run(["audit", "--incremental", "--format", "json"], log)
    report = json.loads(out)
    assert code == 0 and report["mode"] == "incremental" and report["entries_checked"] == 1
    assert report["heads_checked"] == 1 and report["findings"] == []


def test_flipped_document_hash_byte(log: Path, tmp_path: Path) -> None:
    start, end = _span(log, 4)
    data = bytearray((log / "entries.bin").read_bytes())
    pos = data.index(b'"document_sha256":"', start) + len('"document_sha256":"') + 10
    data[pos] = ord("f") if data[pos] != ord("f") else ord("e")
    (log / "entries.bin").write_bytes(bytes(data))
    _assert_refused(log, tmp_path, "entry 4")
    _, out, _ = _run(["audit", "--format", "json"], log)
    finding = json.loads(out)["findings"][0]
    assert finding["where"] == "entry 4" and finding["field"] == "leaf hash of the entry bytes"
    assert finding["expected"] != finding["found"] and len(finding["expected"]) == 64
    assert "changed after it was recorded" in finding["detail"] and LCS[1] in finding["detail"]


def test_entry_reassigned_to_another_lc(log: Path, tmp_path: Path) -> None:
    _edit_entry(log, 7, LCS[1].encode(), LCS[2].encode())  # same length: only entries.bin changes
    _assert_refused(log, tmp_path, "entry 7", lc=LCS[2])


def test_entry_reassigned_with_longer_lc_and_shifted_offsets(log: Path, tmp_path: Path) -> None:
    _edit_entry(log, 2, LCS[2].encode(), b"LC-2025-0003")
    _assert_refused(log, tmp_path, "entry 2")
    _, out, _ = _run(["audit", "--format", "json"], log)
    assert [f["where"] for f in json.loads(out)["findings"]] == ["entry 2"]  # nothing else is blamed


def test_two_entries_swapped(log: Path, tmp_path: Path) -> None:
    data = (log / "entries.bin").read_bytes()
    (a0, a1), (b0, b1) = _span(log, 3), _span(log, 4)
    assert a1 - a0 == b1 - b0  # same-length entries: a swap leaves the index valid
    swapped = data[:a0] + data[b0:b1] + data[a1:b0] + data[a0:a1] + data[b1:]
    (log / "entries.bin").write_bytes(swapped)
    _assert_refused(log, tmp_path, "entry 3", lc=LCS[0])
    _, out, _ = _run(["audit", "--format", "json"], log)
    details = {f["where"]: f["detail"] for f in json.loads(out)["findings"]}
    assert "recorded as leaf 4" in details["entry 3"] and "recorded as leaf 3" in details["entry 4"]


def test_flipped_leaf_hash_signs_no_consistency_record(log: Path, tmp_path: Path) -> None:
    leaves = bytearray((log / "level-00.hash").read_bytes())
    leaves[32 * 2 + 5] ^= 0x40
    (log / "level-00.hash").write_bytes(bytes(leaves))
    code, out, err = _run(["prove-consistency", "3", "15"], log)
    assert code == 1 and out == "" and "entry 2" in err
    _assert_refused(log, tmp_path, "entry 2")
    _, out, _ = _run(["audit"], log)
    assert "node (level 1, index 1)" in out  # the parent no longer matches its children either


def test_rebuilt_tree_is_caught_by_the_signed_heads(log: Path, tmp_path: Path) -> None:
    """A forger who rewrites an entry AND recomputes every hash and the checkpoint still fails the heads."""
    with LogStore.open(log, writable=False) as store:
        entries = [raw for _, raw in store.entries()]
    forged_entry = _entry(5).to_json() | {"lc_no": LCS[0]}  # moved to another LC, every hash recomputed
    entries[5] = json.dumps(forged_entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    forged = tmp_path / "forged"
    with LogStore.create(forged) as store:
        store.append_batch(entries)
    for name in ("entries.bin", "entries.idx", "head") + tuple(p.name for p in forged.glob("level-*.hash")):
        (log / name).write_bytes((forged / name).read_bytes())
    code, out, _ = _run(["audit"], log)
    assert code == 1 and "signed head" in out and "root hash at tree size" in out
    assert "the stored tree no longer matches a head the log signed" in out
    _assert_refused(log, tmp_path, "signed head")


def test_truncated_log_is_caught_by_the_signed_heads(log: Path) -> None:
    with LogStore.open(log, writable=False) as store:
        entries = [raw for _, raw in store.entries()][:12]
    shorter = log.parent / "shorter"
    with LogStore.create(shorter) as store:
        store.append_batch(entries)
    for p in log.glob("level-*.hash"):
        p.unlink()
    for p in shorter.iterdir():
        if p.name != "lock":
            (log / p.name).write_bytes(p.read_bytes())
    code, out, _ = _run(["audit"], log)
    assert code == 1 and "the log lost entries it had signed" in out


def test_every_single_byte_flip_is_found(log: Path) -> None:
    """Flip sampled bytes of every data file; the full audit (and the incremental one) always reports it."""
    public_key = load_public_key(log)
    rng = random.Random(9)
    files = ["entries.bin", "entries.idx", HEADS_FILE, *sorted(p.name for p in log.glob("level-*.hash"))]
    for name in files:
        pristine = (log / name).read_bytes()
        for pos in rng.sample(range(len(pristine)), min(40, len(pristine))):
            damaged = bytearray(pristine)
            damaged[pos] ^= 1 << rng.randrange(8)
            (log / name).write_bytes(bytes(damaged))
            with LogStore.open(log, writable=False, check_root=False) as store:
                incremental = audit_log(store, public_key, save_mark=False)
                full = audit_log(store, public_key, full=True, save_mark=False)
            assert not full.ok and not incremental.ok, (name, pos)
            assert incremental.mode == "full"  # the digest of the audited bytes changed: fall back, locate
        (log / name).write_bytes(pristine)


def test_incremental_audit_checks_only_what_is_new(log: Path) -> None:
    with AttestationLog.open(log) as opened:
        first = opened.audit()
        assert first.mode == "incremental" and first.entries_checked == 0 and first.ok
        opened.add_entries([_entry(100), _entry(101)])
        second = opened.audit()
        assert (second.mode, second.entries_checked, second.heads_checked) == ("incremental", 2, 1)
        assert second.ok and second.bytes_digested > 0
    (log / MARK_FILE).write_bytes(b"garbage")
    with AttestationLog.open(log) as opened:
        assert opened.audit().mode == "full"


def test_non_canonical_entry_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "log"
    init_log(path)
    with LogStore.open(path) as store:
        store.append(b'{"lc_no": "LC-1", "event": "issued"}')
    code, out, _ = _run(["audit"], path)
    assert code == 1 and "entry 0" in out and "a valid LC event entry" in out


def test_torn_signed_head_is_dropped_by_the_next_writer(log: Path) -> None:
    heads = HeadsFile(log)
    count = heads.count()
    with open(log / HEADS_FILE, "ab") as f:
        f.write(b"\x00" * (RECORD_SIZE // 2))  # a crash in the middle of writing the next head
    AttestationLog.open(log).close()
    assert (log / HEADS_FILE).stat().st_size == count * RECORD_SIZE
    assert _run(["audit"], log)[0] == 0


def test_reader_opened_before_a_concurrent_add_is_not_alarmed(log: Path) -> None:
    """A reader's tree is the checkpoint at its open; heads a writer signs afterwards are not damage."""
    with AttestationLog.open(log, writable=False) as reader:
        with AttestationLog.open(log) as writer:
            writer.add_entries([_entry(200)])
        report = reader.audit()
        assert report.ok and report.tree_size == 15 and report.heads_checked == 0
    with AttestationLog.open(log, writable=False) as later:
        report = later.audit()
        assert report.ok and report.tree_size == 16 and report.heads_checked == 1


def test_through_the_console_entry_point(log: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from wupian.cli.main import main

    def run(*args: str) -> int:
        monkeypatch.setattr("sys.argv", ["wupian", "attest", *args, "--log-dir", str(log)])
        with pytest.raises(SystemExit) as exit_info:
            main()
        return int(exit_info.value.code or 0)

    assert run("audit") == 0
    data = bytearray((log / "entries.bin").read_bytes())
    data[40] ^= 1
    (log / "entries.bin").write_bytes(bytes(data))
    assert run("audit") == 1 and "entry 0" in capsys.readouterr().out
    assert run("status", LCS[0]) == 1 and "fails its audit" in capsys.readouterr().err


def test_library_refuses_a_damaged_log_for_every_front_end(log: Path) -> None:
    """The web app uses AttestationLog directly: appends, receipts and proofs refuse a damaged log too."""
    from wupian.attest.errors import AuditFailedError

    leaves = bytearray((log / "level-00.hash").read_bytes())
    leaves[32 * 9] ^= 1
    (log / "level-00.hash").write_bytes(bytes(leaves))
    with AttestationLog.open(log) as opened:
        for attempt in (lambda: opened.add_entries([_entry(300)]), lambda: opened.receipt(1),
                        lambda: opened.prove_consistency(2, 15), lambda: opened.history(LCS[0], verify=True)):
            with pytest.raises(AuditFailedError) as info:
                attempt()
            assert not info.value.report.ok and "entry 9" in str(info.value)
        assert opened.size == 15
    leaves[32 * 9] ^= 1  # repaired
    (log / "level-00.hash").write_bytes(bytes(leaves))
    with AttestationLog.open(log) as opened:
        receipts = opened.add_entries([_entry(301)])
        assert receipts[0].leaf_index == 15
        opened.add_entries([_entry(302)])  # no second digest pass: this open wrote entry 15 itself
        assert opened.prove_consistency(1, 17).new_head.tree_size == 17
