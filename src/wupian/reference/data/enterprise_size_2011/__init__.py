"""Reference dataset enterprise_size_2011: CSV files and their PROVENANCE.md (package data only)."""
