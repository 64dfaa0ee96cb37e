"""wupian.engine package."""
