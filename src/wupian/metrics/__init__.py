"""wupian.metrics package."""
