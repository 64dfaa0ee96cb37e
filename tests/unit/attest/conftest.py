"""Shared fixtures for the attestation-log tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """The RFC 6962 8-leaf reference tree (transparency-dev/merkle testonly data)."""
    return json.loads((VECTORS / "rfc6962_reference.json").read_text(encoding="utf-8"))
