"""Reference dataset ip_intensive_2019: CSV files and their PROVENANCE.md (package data only)."""
