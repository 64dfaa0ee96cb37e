"""wupian.demo package."""
