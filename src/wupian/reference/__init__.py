"""wupian.reference package."""
