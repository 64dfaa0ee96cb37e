"""wupian.monitor package."""
