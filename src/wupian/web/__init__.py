"""wupian.web package."""
