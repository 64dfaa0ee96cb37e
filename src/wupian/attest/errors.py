"""Exceptions raised by the attestation log (``wupian.attest``) for conditions that stop an operation.

Verification failures are *not* exceptions: verifiers return False or a result listing the failed checks.
These exceptions cover a missing or damaged log directory and bad requests (unknown index, bad LC number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wupian.attest.audit import AuditReport


class AttestError(Exception):
    """Base class of the attestation log's exceptions."""


class LogNotFoundError(AttestError):
    """The log directory does not exist or was never initialised (run ``wupian attest init``)."""


class LogExistsError(AttestError):
    """``init`` was asked to create a log where one already exists (keys are never overwritten)."""


class LogCorruptError(AttestError):
    """Acknowledged data is missing or does not match the signed checkpoint; the log needs an operator."""


class AuditFailedError(LogCorruptError):
    """The log fails its audit; ``report`` says where. Raised before appending to, or proving from, it."""

    def __init__(self, report: AuditReport) -> None:
        first = report.findings[0].message() if report.findings else "see the audit report"
        super().__init__(f"the log fails its audit ({report.total_findings} finding(s)); first: {first}")
        self.report = report


class InvalidRequestError(AttestError):
    """The caller asked for something the log cannot do (index beyond the tree, bad LC number, bad meta)."""
