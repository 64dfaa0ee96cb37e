"""Reference dataset five_articles_industry_reference: CSV files and their PROVENANCE.md (package data only)."""
