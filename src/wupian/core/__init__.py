"""Stdlib-only domain types shared by every layer: Issue/Source, money, errors, branch tree, periods."""
