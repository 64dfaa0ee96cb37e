"""wupian.rules package."""
