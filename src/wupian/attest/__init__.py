"""wupian.attest package."""
