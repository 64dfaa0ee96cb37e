"""wupian.core package."""
