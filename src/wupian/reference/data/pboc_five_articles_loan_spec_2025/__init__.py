"""Reference dataset pboc_five_articles_loan_spec_2025: CSV files and their PROVENANCE.md (package data only)."""
