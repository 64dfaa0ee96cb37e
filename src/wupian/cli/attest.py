"""``wupian attest``: the command line of the trade-document attestation log (thin: parse → wupian.attest → render).

Exit codes: 0 success / valid, 1 invalid receipt, nothing found, or a log that fails its audit (a data-integrity
problem: ``add``, ``status`` and ``prove-consistency`` audit the log first and refuse to run on a damaged one),
2 usage or environment error.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from wupian.attest.audit import AuditReport
from wupian.attest.documents import EVENT_LABELS_ZH, parse_meta
from wupian.attest.errors import AttestError, LogCorruptError
from wupian.attest.log import DEFAULT_LOG_DIR, LOG_DIR_ENV, AttestationLog, init_log
from wupian.attest.receipts import (
    CONSISTENCY_FORMAT,
    ConsistencyRecord,
    Receipt,
    Verification,
    verify_consistency_record,
    verify_receipt,
)
from wupian.attest.sth import PUBLIC_KEY_FILE, fingerprint, load_public_key_pem

app = typer.Typer(
    help="Tamper-evident log of letter-of-credit documents (RFC 9162 Merkle tree) with offline-verifiable receipts.",
    no_args_is_help=True,
)


class Event(StrEnum):
    issued = "issued"
    sent = "sent"
    received = "received"
    amended = "amended"
    paid = "paid"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


LogDir = Annotated[
    Path,
    typer.Option("--log-dir", envvar=LOG_DIR_ENV, help=f"Log directory (env {LOG_DIR_ENV}).", show_default=True),
]
_DEFAULT_DIR = Path(DEFAULT_LOG_DIR)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _fail_on(exc: AttestError | OSError) -> NoReturn:
    """A damaged log is a data-integrity problem (exit 1); anything else is usage or environment (exit 2)."""
    _fail(str(exc), 1 if isinstance(exc, LogCorruptError) else 2)


def _refuse(log_dir: Path, report: AuditReport, action: str) -> NoReturn:
    typer.echo(f"error: the attestation log in {log_dir} fails its audit ({report.total_findings} finding(s)); "
               f"refusing to {action}:", err=True)
    for finding in report.findings[:5]:
        typer.echo(f"  {finding.message()}", err=True)
    typer.echo("run `wupian attest audit` for the full report; an operator must restore the log from a backup",
               err=True)
    raise typer.Exit(1)


def _open_audited(log_dir: Path, *, writable: bool, action: str) -> AttestationLog:
    """Open the log and run the incremental audit; a log that fails it is refused with the places it fails."""
    try:
        log = AttestationLog.open(log_dir, writable=writable)
    except LogCorruptError:
        try:
            with AttestationLog.open(log_dir, writable=False, check_root=False) as damaged:
                report = damaged.audit(full=True)
        except (AttestError, OSError) as exc:
            _fail_on(exc)
        _refuse(log_dir, report, action)
    try:
        report = log.audit()
    except BaseException:
        log.close()
        raise
    if not report.ok:
        log.close()
        _refuse(log_dir, report, action)
    return log


def _emit(obj: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {out}: {exc.strerror}")
        typer.echo(f"written to {out}", err=True)
    else:
        typer.echo(text)


@app.command()
def init(log_dir: LogDir = _DEFAULT_DIR) -> None:
    """Create an empty log and its Ed25519 signing key (private key file mode 0600)."""
    try:
        key = init_log(log_dir)
    except (AttestError, OSError) as exc:
        _fail(str(exc))
    typer.echo(f"initialised attestation log in {log_dir}")
    typer.echo(f"public key: {log_dir / PUBLIC_KEY_FILE}")
    typer.echo(f"fingerprint (SHA-256): {key.fingerprint}")


@app.command()
def add(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="Document to attest; only its SHA-256 is recorded.")],
    lc: Annotated[str, typer.Option("--lc", help="Letter of credit number.")],
    event: Annotated[Event, typer.Option("--event", help="LC event this document belongs to.")],
    meta: Annotated[list[str] | None, typer.Option("--meta", help="Extra key=value metadata (repeatable).")] = None,
    time: Annotated[str | None, typer.Option("--time", help="Event time, ISO 8601 with offset (default: now, UTC+8).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the receipt here instead of stdout.")] = None,
    log_dir: LogDir = _DEFAULT_DIR,
) -> None:
    """Record a document event for an LC and print its receipt (JSON)."""
    try:
        pairs = parse_meta(meta or [])
        with _open_audited(log_dir, writable=True, action="add to it") as log:
            receipt = log.add_document(file, lc, event.value, meta=pairs, time=time)
    except (AttestError, OSError) as exc:
        _fail_on(exc)
    _emit(receipt.to_json(), out)


@app.command()
def status(
    lc_no: Annotated[str, typer.Argument(help="Letter of credit number.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    log_dir: LogDir = _DEFAULT_DIR,
) -> None:
    """Show the recorded event history of an LC."""
    try:
        with _open_audited(log_dir, writable=False, action="show it") as log:
            items = log.history(lc_no, verify=True)
            size = log.size
    except (AttestError, OSError) as exc:
        _fail_on(exc)
    if output is OutputFormat.json:
        typer.echo(json.dumps({"lc_no": lc_no, "tree_size": size,
                               "events": [{"leaf_index": i.leaf_index, **i.entry.to_json()} for i in items]},
                              ensure_ascii=False, indent=2))
    else:
        table = Table(title=f"信用证 {lc_no} 事件记录（日志共 {size} 条）")
        for header in ("序号", "事件", "时间", "单据 SHA-256", "附加信息"):
            table.add_column(header, overflow="fold")
        for item in items:
            e = item.entry
            table.add_row(str(item.leaf_index), f"{EVENT_LABELS_ZH[e.event]} {e.event}", e.time,
                          e.document_sha256, "; ".join(f"{k}={v}" for k, v in e.meta) or "-")
        Console(width=160).print(table)
        if items:
            last = items[-1].entry
            typer.echo(f"current status: {last.event} ({EVENT_LABELS_ZH[last.event]})")
    if not items:
        typer.echo(f"no events recorded for LC {lc_no}", err=True)
        raise typer.Exit(1)


def _render(result: Verification, what: str) -> None:
    for check in result.checks:
        typer.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    if result.ok:
        typer.echo(f"VALID {what}")
        return
    typer.echo(f"INVALID {what}: " + "; ".join(result.reasons))
    raise typer.Exit(1)


@app.command()
def verify(
    receipt: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                            help="Receipt (or consistency record) JSON file.")],
    file: Annotated[Path | None, typer.Option("--file", exists=True, dir_okay=False, readable=True,
                                              help="The document; its SHA-256 must match the receipt.")] = None,
    pubkey: Annotated[Path | None, typer.Option("--pubkey", exists=True, dir_okay=False, readable=True,
                                                help="Log public key (PEM); default: the log directory's.")] = None,
    log_dir: LogDir = _DEFAULT_DIR,
) -> None:
    """Verify a receipt offline: document hash, signed tree head and inclusion proof (exit 0 valid, 1 invalid)."""
    key_path = pubkey if pubkey is not None else log_dir / PUBLIC_KEY_FILE
    if not key_path.is_file():
        _fail("a public key is needed: pass --pubkey PEM (the log's exported public key)")
    try:
        public_key = load_public_key_pem(key_path.read_bytes())
    except AttestError as exc:
        _fail(f"{key_path}: {exc}")
    try:
        obj = json.loads(receipt.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.echo(f"INVALID receipt: not JSON ({exc})")
        raise typer.Exit(1) from None
    try:
        if isinstance(obj, dict) and obj.get("format") == CONSISTENCY_FORMAT:
            if file is not None:
                _fail("--file applies to receipts, not consistency records")
            _render(verify_consistency_record(ConsistencyRecord.from_json(obj), public_key), "consistency record")
            return
        parsed = Receipt.from_json(obj)
    except AttestError as exc:
        typer.echo(f"INVALID receipt: {exc}")
        raise typer.Exit(1) from None
    document = file.read_bytes() if file is not None else None
    _render(verify_receipt(parsed, public_key, document=document), "receipt")


@app.command("prove-consistency")
def prove_consistency(
    old_size: Annotated[int, typer.Argument(min=1, help="Size of the older tree head.")],
    new_size: Annotated[int, typer.Argument(min=1, help="Size of the newer tree head.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the record here instead of stdout.")] = None,
    log_dir: LogDir = _DEFAULT_DIR,
) -> None:
    """Print signed tree heads for both sizes and the consistency proof between them (JSON)."""
    try:
        with _open_audited(log_dir, writable=False, action="prove anything from it") as log:
            record = log.prove_consistency(old_size, new_size)
    except (AttestError, OSError) as exc:
        _fail_on(exc)
    _emit(record.to_json(), out)


@app.command()
def audit(
    incremental: Annotated[bool, typer.Option("--incremental", help="Check only what was added since the last "
                                              "passing audit (plus a digest of the rest) instead of everything.")
                           ] = False,
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    log_dir: LogDir = _DEFAULT_DIR,
) -> None:
    """Check every entry against its leaf hash, every node, the checkpoint and every signed head (exit 1 on damage)."""
    try:
        with AttestationLog.open(log_dir, writable=False, check_root=False) as log:
            report = log.audit(full=not incremental)
    except (AttestError, OSError) as exc:
        _fail_on(exc)
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.summary())
        for finding in report.findings:
            typer.echo(f"FAIL {finding.message()}")
        if report.total_findings > len(report.findings):
            typer.echo(f"… and {report.total_findings - len(report.findings)} more")
    if not report.ok:
        raise typer.Exit(1)


@app.command("export-key")
def export_key(
    out: Annotated[Path | None, typer.Option("--out", help="Write the PEM here instead of stdout.")] = None,
    log_dir: LogDir = _DEFAULT_DIR,
) -> None:
    """Print the log's public key (PEM) for counterparties; the fingerprint goes to stderr."""
    key_path = log_dir / PUBLIC_KEY_FILE
    if not key_path.is_file():
        _fail(f"no public key in {log_dir} (run `wupian attest init`)")
    pem = key_path.read_text(encoding="ascii")
    try:
        fp = fingerprint(load_public_key_pem(pem))
    except AttestError as exc:
        _fail(f"{key_path}: {exc}")
    if out is not None:
        try:
            out.write_text(pem, encoding="ascii")
        except OSError as exc:
            _fail(f"cannot write {out}: {exc.strerror}")
    else:
        typer.echo(pem, nl=False)
    typer.echo(f"fingerprint (SHA-256): {fp}", err=True)
