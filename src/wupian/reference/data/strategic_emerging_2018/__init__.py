"""Reference dataset strategic_emerging_2018: CSV files and their PROVENANCE.md (package data only)."""
