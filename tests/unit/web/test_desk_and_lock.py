"""The month-end desk end to end (check → load → month-end job with progress → downloads), and the warehouse
lock across processes: a CLI load while the server serves, with nobody getting "Could not set lock" and readers
switching to the new copy in one step."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank
from wupian.api import Warehouse, published_copy
from wupian.core.errors import UsageError
from wupian.engine import published
from wupian.ops import OpsStore

Login = Callable[[str], str]
SRC = str(Path(__file__).resolve().parents[3] / "src")


def wait_job(client: TestClient, job_id: int, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def job_id(html: str) -> int:
    import re

    return int(re.search(r'id="job-(\d+)"', html).group(1))


def test_month_end_desk(client: TestClient, login: Login, bank: Bank, store: OpsStore) -> None:
    csrf = login("analyst")
    folder = bank.out / "snapshots" / bank.as_of.isoformat()
    gen = published_copy(bank.db).generation
    r = client.post("/month-end/check", data={"folder": str(folder), "as_of": bank.as_of.isoformat(),
                                              "csrf_token": csrf})
    assert r.status_code == 200 and "排队中" in r.text or "运行中" in r.text
    check = wait_job(client, job_id(r.text))
    assert check["state"] == "done" and sum(check["result"]["rows"].values()) > 0
    r = client.post("/month-end/load", data={"folder": str(folder), "as_of": bank.as_of.isoformat()},
                    headers={"X-CSRF-Token": csrf})
    load = wait_job(client, job_id(r.text))
    assert load["state"] == "done" and load["result"]["loaded"]["loans"] > 0
    from wupian.monitor.screening import Decision, WarehouseCaseStore, open_or_join
    from wupian.ops import OpsCaseStore

    at = datetime(2026, 3, 31, 10, 0)
    web_case = open_or_join(OpsCaseStore(store), Decision(
        "WEB-1", at, bank.outlet, "CWEB", "AWEB", "transfer_out", Decimal("90000.00"), "high", 80, "暂缓", "hold",
        None, None, (), (), "t+0"), actor="teller")
    r = client.post("/month-end/run", data={"as_of": bank.as_of.isoformat(), "csrf_token": csrf})
    run = wait_job(client, job_id(r.text))
    assert run["state"] == "done", run
    with Warehouse(str(bank.db), read_only=True) as wh:  # the web app's case went into the month-end
        assert [c.request_ids for c in WarehouseCaseStore(wh).cases(case_id=web_case.case_id)] == [("WEB-1",)]
    files = run["result"]["files"]
    assert any(f.endswith(".docx") for f in files) and any(f.endswith(".xlsx") for f in files)
    deadline = time.monotonic() + 60
    while published_copy(bank.db).generation <= gen and time.monotonic() < deadline:
        time.sleep(0.2)
    assert published_copy(bank.db).generation > gen  # the writes were published
    page = client.get("/month-end").text
    assert f"/downloads/{bank.as_of.isoformat()}/{files[0]}" in page
    d = client.get(f"/downloads/{bank.as_of.isoformat()}/{files[0]}")
    assert d.status_code == 200 and len(d.content) > 0
    assert client.get(f"/downloads/{bank.as_of.isoformat()}/..%2Fbank.duckdb").status_code == 404
    assert client.get(f"/downloads/{bank.as_of.isoformat()}/nothing.xlsx").status_code == 404
    actions = [e.action for e in store.audit_entries(actor="analyst")]
    assert {"month_end.check", "month_end.load", "month_end.month_end", "download"} <= set(actions)


def test_desk_refuses_a_missing_folder_and_managers(client: TestClient, login: Login) -> None:
    csrf = login("analyst")
    r = client.post("/month-end/check", data={"folder": "/no/such/folder", "csrf_token": csrf})
    assert r.status_code == 422 and "文件夹不存在或不在允许的目录内" in r.json()["error"]["message"]
    csrf = login("manager")
    r = client.post("/month-end/check", data={"folder": "/tmp", "csrf_token": csrf})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


HOLD = """
import sys, time
from wupian.engine.warehouse import Warehouse
with Warehouse(sys.argv[1]) as wh:
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_a_second_process_waits_for_the_writer_instead_of_failing(bank: Bank) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(bank.db), "1.5"], stdout=subprocess.PIPE, text=True,
                            env=_env())
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        start = time.monotonic()
        with Warehouse(bank.db, read_only=True) as wh:  # would be "Could not set lock" without the lock
            assert wh.snapshot_dates()
        assert time.monotonic() - start > 0.5
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_a_writer_that_never_finishes_gives_a_clear_busy_error(bank: Bank) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(bank.db), "5"], stdout=subprocess.PIPE, text=True,
                            env=_env())
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match=r"busy: another wupian process \(pid \d+\)"):
            published.acquire(bank.db, timeout=0.3)
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_cli_load_while_the_server_serves(client: TestClient, login: Login, bank: Bank) -> None:
    login("analyst")
    params = {"as_of": bank.as_of.isoformat(), "id": "tech.balance"}
    before = client.get("/api/indicators", params=params).json()
    gen = published_copy(bank.db).generation
    folder = bank.out / "snapshots" / bank.as_of.isoformat()
    proc = subprocess.Popen([sys.executable, "-c", "from wupian.cli.main import main; main()", "--db", str(bank.db),
                             "load", "--as-of", bank.as_of.isoformat(), str(folder)], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    answers = []
    while proc.poll() is None:  # the server keeps answering from its published copy during the load
        answers.append(client.get("/api/indicators", params=params).status_code)
        time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode in (0, 1), err  # 1: the demo's deliberately planted bad rows were quarantined
    assert "loans" in out + err and "Traceback" not in err  # the load ran and reported its tables
    assert "Could not set lock" not in err and answers and set(answers) == {200}
    deadline = time.monotonic() + 60
    while published_copy(bank.db).generation == gen and time.monotonic() < deadline:
        time.sleep(0.1)
    assert published_copy(bank.db).generation > gen  # the watcher published the load
    after = client.get("/api/indicators", params=params).json()
    assert after == before  # the same files re-loaded: the same figures, from a fully classified copy


def test_published_copies_are_switched_atomically_and_pruned(bank: Bank) -> None:
    first = published.publish(bank.db)
    with Warehouse(first.path, read_only=True, lock=False) as reader:
        n = reader.scalar("SELECT count(*) FROM loans")
        for _ in range(published.KEEP_GENERATIONS + 1):
            published.publish(bank.db)
        # a reader keeps its copy for as long as it has it open, even once a newer one is current and the old
        # file has been pruned
        assert reader.scalar("SELECT count(*) FROM loans") == n
    cur = published.current(bank.db)
    assert cur is not None and cur.generation == first.generation + published.KEEP_GENERATIONS + 1
    files = sorted(p.name for p in published.published_dir(bank.db).glob("*.duckdb"))
    assert len(files) == published.KEEP_GENERATIONS and not published.is_stale(bank.db, cur)


def test_a_copy_classified_under_other_rules_is_republished_before_serving(bank: Bank, store: OpsStore,
                                                                           tmp_path: Path) -> None:
    from fastapi.testclient import TestClient as Client

    from support.web_bank import settings
    from wupian.api import copy_is_fresh
    from wupian.web.app import create_app

    first = published.publish(bank.db)
    assert copy_is_fresh(first.path)
    with Warehouse(first.path, lock=False) as wh:  # as if an older wupian had classified this copy
        wh.execute("DELETE FROM lineage")
    assert not copy_is_fresh(first.path)
    with Client(create_app(settings(bank, str(tmp_path / "ops.sqlite")), store=store)):
        current = published_copy(bank.db)
        assert current.generation == first.generation + 1 and copy_is_fresh(current.path)


def _upload(client: TestClient, csrf: str, files: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    return client.post("/month-end/upload", data={"csrf_token": csrf},
                       files=[("files", (name, data, "application/octet-stream")) for name, data in files])


def test_upload_a_zip_then_check_and_load_it(client: TestClient, login: Login, bank: Bank, store: OpsStore) -> None:
    import io
    import zipfile

    csrf = login("analyst")
    source = bank.out / "snapshots" / bank.as_of.isoformat()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted(source.iterdir()):
            z.write(f, f"{bank.as_of.isoformat()}/{f.name}")  # a folder inside the zip: names are flattened
        z.writestr("__MACOSX/._loans.csv", b"junk")
    r = _upload(client, csrf, [("month.zip", buf.getvalue())])
    assert r.status_code == 200 and "已上传" in r.text, r.text
    value = re.search(r'<option value="(upload:[^"]+)" selected>', r.text).group(1)
    uploaded = sorted(p.name for p in (bank.db.parent / "bank.duckdb.uploads" / value[7:]).iterdir())
    assert uploaded == sorted(f.name for f in source.iterdir())
    r = client.post("/month-end/load", data={"folder": value, "as_of": bank.as_of.isoformat(), "csrf_token": csrf})
    load = wait_job(client, job_id(r.text))
    assert load["state"] == "done" and load["result"]["loaded"]["loans"] > 0
    assert {"month_end.upload", "month_end.load"} <= {e.action for e in store.audit_entries(actor="analyst")}


def test_upload_several_files_and_refusals(client: TestClient, login: Login, bank: Bank) -> None:
    csrf = login("analyst")
    r = _upload(client, csrf, [("2026-03-31/loans.csv", b"loan_id\n"), ("branches.csv", b"branch_id\n")])
    assert r.status_code == 200 and "已上传 2 个文件" in r.text
    for files, text in (([("evil.sh", b"rm -rf /")], "不接受的文件"),
                        ([("a/loans.csv", b"x"), ("b/loans.csv", b"y")], "文件名重复"),
                        ([("x.zip", b"not a zip")], "不是有效的 zip")):
        r = _upload(client, csrf, files)
        assert r.status_code == 422 and text in r.text, text
    assert _upload(client, "wrong", [("loans.csv", b"x")]).status_code == 403  # CSRF
    login("manager")
    assert client.post("/month-end/upload", data={}, headers={"X-CSRF-Token": csrf}).status_code in (403,)


@pytest.mark.parametrize("folder", ["../", "root:../..", "upload:../../etc", "/etc", "root:/etc", "upload:/tmp",
                                    "root:snapshots/../../..", "root:"])
def test_folders_outside_the_allowed_roots_look_missing(client: TestClient, login: Login, folder: str) -> None:
    csrf = login("analyst")
    r = client.post("/month-end/check", data={"folder": folder, "csrf_token": csrf})
    assert r.status_code == 422 and "文件夹不存在或不在允许的目录内" in r.json()["error"]["message"]


def test_a_symlink_out_of_the_root_is_refused(client: TestClient, login: Login, bank: Bank, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (bank.out / "escape").symlink_to(outside, target_is_directory=True)
    try:
        csrf = login("analyst")
        r = client.post("/month-end/check", data={"folder": "root:escape", "csrf_token": csrf})
        assert r.status_code == 422
        page = client.get("/month-end").text
        assert "escape" not in page and f"root:snapshots/{bank.as_of.isoformat()}" in page
    finally:
        (bank.out / "escape").unlink()
