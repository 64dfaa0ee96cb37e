"""Trade-document workflow: receipts verify offline, after a restart, and fail on any tampering."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wupian.attest.documents import TradeEntry, canonical_json, make_entry, parse_meta
from wupian.attest.errors import InvalidRequestError, LogExistsError
from wupian.attest.log import AttestationLog, init_log
from wupian.attest.receipts import (
    ConsistencyRecord,
    Receipt,
    receipt_is_covered,
    verify_consistency_record,
    verify_receipt,
)
from wupian.attest.sth import load_public_key, verify_sth


@pytest.fixture()
def log_dir(tmp_path: Path) -> Path:
    d = tmp_path / "log"
    init_log(d)
    return d


def _doc(tmp_path: Path, name: str, body: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(body)
    return p


def test_init_creates_keys_with_private_mode_0600(log_dir: Path) -> None:
    assert (log_dir / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert (log_dir / "public-key.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    with pytest.raises(LogExistsError):
        init_log(log_dir)


def test_entry_is_canonical_json(tmp_path: Path) -> None:
    e = make_entry("LC2025/001", "amended", "ab" * 32, time="2025-06-01T09:30:00+08:00",
                   meta={"amount": "USD 1,000", "applicant": "华东进出口"})
    raw = e.canonical_bytes()
    assert raw == ('{"document_sha256":"' + "ab" * 32 + '","event":"amended","lc_no":"LC2025/001",'
                   '"meta":{"amount":"USD 1,000","applicant":"华东进出口"},'
                   '"time":"2025-06-01T09:30:00+08:00"}').encode("utf-8")
    assert TradeEntry.from_bytes(raw) == e
    assert make_entry("LC1", "paid", "00" * 32).time.endswith("+08:00")
    for bad in [dict(lc_no=""), dict(lc_no="LC 1"), dict(event="cancelled"), dict(document_sha256="xyz"),
                dict(time="yesterday"), dict(time="2025-06-01T09:30:00"), dict(meta={"": "x"}),
                dict(meta={"k": 1})]:
        args = {"lc_no": "LC1", "event": "issued", "document_sha256": "00" * 32, **bad}
        with pytest.raises(InvalidRequestError):
            make_entry(args.pop("lc_no"), args.pop("event"), args.pop("document_sha256"), **args)
    assert parse_meta(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    for bad_meta in (["novalue"], ["a=1", "a=2"]):
        with pytest.raises(InvalidRequestError):
            parse_meta(bad_meta)


def test_receipts_verify_offline_and_after_reopen(log_dir: Path, tmp_path: Path) -> None:
    lc_doc = _doc(tmp_path, "lc.pdf", b"%PDF letter of credit LC-7")
    bl_doc = _doc(tmp_path, "bl.pdf", b"%PDF bill of lading")
    with AttestationLog.open(log_dir) as log:
        r0 = log.add_document(lc_doc, "LC-7", "issued", meta={"applicant": "华东进出口"})
        r1 = log.add_document(lc_doc, "LC-7", "sent")
        r2 = log.add_document(bl_doc, "LC-8", "issued")
    key = load_public_key(log_dir)
    saved = [json.dumps(r.to_json(), ensure_ascii=False) for r in (r0, r1, r2)]
    # a later process reopens the log, adds more, and the old receipts still verify
    with AttestationLog.open(log_dir) as log:
        assert log.size == 3
        r3 = log.add_document(lc_doc, "LC-7", "received")
        assert [h.entry.event for h in log.history("LC-7")] == ["issued", "sent", "received"]
        assert [h.leaf_index for h in log.history("LC-7")] == [0, 1, 3]
        assert log.history("LC-9") == ()
        fresh = log.receipt(0)  # a new receipt for an old entry, against today's tree
    for text, doc in zip(saved, (lc_doc, lc_doc, bl_doc), strict=True):
        result = verify_receipt(Receipt.from_json(json.loads(text)), key, document=doc.read_bytes())
        assert result.ok, result.reasons
    assert verify_receipt(r3, key, document=lc_doc.read_bytes()).ok
    assert verify_receipt(fresh, key).ok and fresh.tree_size == 4
    assert not verify_receipt(r2, key, document=lc_doc.read_bytes()).ok  # wrong document


def test_tampered_receipts_fail_with_a_reason(log_dir: Path, tmp_path: Path) -> None:
    doc = _doc(tmp_path, "doc.pdf", b"commercial invoice")
    with AttestationLog.open(log_dir) as log:
        for i in range(5):
            log.add_document(doc, f"LC-{i}", "issued")
        good = log.add_document(doc, "LC-X", "paid").to_json()
    key = load_public_key(log_dir)
    assert verify_receipt(Receipt.from_json(good), key).ok

    def mutated(path: tuple[str | int, ...], value: object) -> dict[str, object]:
        r = copy.deepcopy(good)
        target = r
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
        return r

    flipped = good["inclusion_proof"][0][:-1] + ("0" if good["inclusion_proof"][0][-1] != "0" else "1")
    cases = {
        "entry": mutated(("entry", "event"), "amended"),
        "time": mutated(("entry", "time"), "2020-01-01T00:00:00+08:00"),
        "index": mutated(("leaf_index",), 4),
        "proof": mutated(("inclusion_proof", 0), flipped),
        "root": mutated(("root_hash",), "00" * 32),
        "size": mutated(("tree_size",), 7),
        "signature": mutated(("signed_tree_head", "timestamp"), good["signed_tree_head"]["timestamp"] + 1),
    }
    for name, bad in cases.items():
        result = verify_receipt(Receipt.from_json(bad), key)
        assert not result.ok and result.reasons, name
    other_key = Ed25519PrivateKey.generate().public_key()
    assert "public key" in verify_receipt(Receipt.from_json(good), other_key).reasons[0]
    with pytest.raises(InvalidRequestError):
        Receipt.from_json({**good, "format": "something else"})
    with pytest.raises(InvalidRequestError):
        Receipt.from_json({**good, "root_hash": "not hex"})


def test_consistency_records_link_old_receipts_to_new_heads(log_dir: Path, tmp_path: Path) -> None:
    doc = _doc(tmp_path, "doc.pdf", b"packing list")
    with AttestationLog.open(log_dir) as log:
        old = log.add_document(doc, "LC-1", "issued")
        for event in ("sent", "received", "amended", "paid"):
            log.add_document(doc, "LC-1", event)
        record = log.prove_consistency(old.tree_size)
        with pytest.raises(InvalidRequestError):
            log.prove_consistency(0, 5)
        with pytest.raises(InvalidRequestError):
            log.prove_consistency(3, 9)
    key = load_public_key(log_dir)
    parsed = ConsistencyRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert verify_consistency_record(parsed, key).ok
    assert receipt_is_covered(old, parsed)
    assert verify_sth(parsed.new_head, key) and parsed.new_head.tree_size == 5
    forged = ConsistencyRecord(parsed.old_head, parsed.new_head, (b"\x00" * 32,) + parsed.proof[1:])
    assert not verify_consistency_record(forged, key).ok


def test_receipt_from_another_process_verifies_here(log_dir: Path, tmp_path: Path) -> None:
    """A receipt written by one process verifies in another, with only the receipt, file and key."""
    doc = _doc(tmp_path, "draft.pdf", b"draft under LC-42")
    script = textwrap.dedent(
        f"""
        import json
        from wupian.attest.log import AttestationLog
        with AttestationLog.open({str(log_dir)!r}) as log:
            print(json.dumps(log.add_document({str(doc)!r}, "LC-42", "issued").to_json()))
        """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    receipt = Receipt.from_json(json.loads(out.stdout))
    assert verify_receipt(receipt, load_public_key(log_dir), document=doc.read_bytes()).ok
    assert canonical_json(receipt.entry) == TradeEntry.from_json(receipt.entry).canonical_bytes()
