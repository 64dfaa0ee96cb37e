"""Reference dataset digital_economy_2021: CSV files and their PROVENANCE.md (package data only)."""
