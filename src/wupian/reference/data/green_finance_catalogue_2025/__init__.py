"""Reference dataset green_finance_catalogue_2025: CSV files and their PROVENANCE.md (package data only)."""
