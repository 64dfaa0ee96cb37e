"""wupian (五篇): a bank's own data turned into the official 'five priorities of finance' numbers and actions."""

__version__ = "0.1.0"
