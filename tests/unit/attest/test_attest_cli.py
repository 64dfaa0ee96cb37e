"""``wupian attest`` commands, run in-process with Typer's CliRunner against the sub-app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wupian.cli.attest import app

runner = CliRunner()


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {"WUPIAN_ATTEST_DIR": str(tmp_path / "log")}


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_full_workflow(tmp_path: Path, env: dict[str, str]) -> None:
    doc = tmp_path / "invoice.pdf"
    doc.write_bytes(b"commercial invoice no. 88")
    code, out, _ = _run(["init"], env)
    assert code == 0 and "fingerprint" in out
    assert _run(["init"], env)[0] == 2  # never overwrites a log

    code, out, _ = _run(["add", str(doc), "--lc", "LC-2025-001", "--event", "issued",
                         "--meta", "applicant=华东进出口", "--meta", "amount=USD 100000"], env)
    assert code == 0, out
    first = json.loads(out)
    assert first["leaf_index"] == 0 and first["entry"]["meta"]["applicant"] == "华东进出口"
    receipt_path = tmp_path / "r.json"
    code, _, err = _run(["add", str(doc), "--lc", "LC-2025-001", "--event", "sent",
                         "--time", "2025-06-02T10:00:00+08:00", "--out", str(receipt_path)], env)
    assert code == 0 and "written" in err
    assert json.loads(receipt_path.read_text())["tree_size"] == 2

    code, out, _ = _run(["status", "LC-2025-001"], env)
    assert code == 0
    for header in ("序号", "事件", "时间", "单据 SHA-256", "附加信息"):
        assert header in out
    assert "开证 issued" in out and "发送 sent" in out and "current status: sent" in out
    code, out, _ = _run(["status", "LC-2025-001", "--format", "json"], env)
    assert [e["event"] for e in json.loads(out)["events"]] == ["issued", "sent"]
    assert _run(["status", "LC-UNKNOWN"], env)[0] == 1

    pem = tmp_path / "bank.pem"
    code, _, err = _run(["export-key", "--out", str(pem)], env)
    assert code == 0 and "fingerprint" in err
    code, out, _ = _run(["export-key"], env)
    assert out.startswith("-----BEGIN PUBLIC KEY-----")

    # offline verification: only the receipt, the file and the key (log directory unreachable)
    offline = {"WUPIAN_ATTEST_DIR": str(tmp_path / "nowhere")}
    code, out, _ = _run(["verify", str(receipt_path), "--file", str(doc), "--pubkey", str(pem)], offline)
    assert code == 0 and "VALID receipt" in out
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(b"commercial invoice no. 89")
    code, out, _ = _run(["verify", str(receipt_path), "--file", str(forged), "--pubkey", str(pem)], offline)
    assert code == 1 and "INVALID receipt" in out and "document" in out
    tampered = json.loads(receipt_path.read_text())
    tampered["entry"]["event"] = "paid"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    code, out, _ = _run(["verify", str(bad), "--pubkey", str(pem)], offline)
    assert code == 1 and "inclusion" in out
    (tmp_path / "junk.json").write_text("{not json")
    assert _run(["verify", str(tmp_path / "junk.json"), "--pubkey", str(pem)], offline)[0] == 1
    assert _run(["verify", str(receipt_path)], offline)[0] == 2  # no key anywhere

    code, out, _ = _run(["prove-consistency", "1", "2"], env)
    assert code == 0
    record = tmp_path / "c.json"
    record.write_text(out)
    code, out, _ = _run(["verify", str(record), "--pubkey", str(pem)], offline)
    assert code == 0 and "VALID consistency record" in out
    assert _run(["prove-consistency", "2", "5"], env)[0] == 2


@pytest.mark.parametrize(
    "args",
    [
        ["add", "missing.pdf", "--lc", "LC1", "--event", "issued"],
        ["add", "{doc}", "--lc", "LC1", "--event", "cancelled"],
        ["add", "{doc}", "--lc", "LC1", "--event", "issued", "--meta", "novalue"],
        ["add", "{doc}", "--lc", "bad lc no", "--event", "issued"],
        ["add", "{doc}", "--event", "issued"],
        ["prove-consistency", "0", "1"],
        ["status"],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path, env: dict[str, str]) -> None:
    doc = tmp_path / "d.pdf"
    doc.write_bytes(b"x")
    assert _run(["init"], env)[0] == 0
    assert _run([a.replace("{doc}", str(doc)) for a in args], env)[0] == 2


def test_commands_on_missing_log_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    doc = tmp_path / "d.pdf"
    doc.write_bytes(b"x")
    assert _run(["add", str(doc), "--lc", "LC1", "--event", "issued"], env)[0] == 2
    assert _run(["status", "LC1"], env)[0] == 2
    assert _run(["export-key"], env)[0] == 2
    code = runner.invoke(app, ["status", "LC1", "--log-dir", str(tmp_path / "other")]).exit_code
    assert code == 2
