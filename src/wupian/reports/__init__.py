"""wupian.reports package."""
