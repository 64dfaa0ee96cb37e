"""Reference dataset pension_industry_2020: CSV files and their PROVENANCE.md (package data only)."""
