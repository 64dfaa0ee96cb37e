"""wupian.contract package."""
