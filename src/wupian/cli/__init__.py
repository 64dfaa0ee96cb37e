"""wupian.cli package."""
