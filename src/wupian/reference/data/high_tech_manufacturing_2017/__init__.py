"""Reference dataset high_tech_manufacturing_2017: CSV files and their PROVENANCE.md (package data only)."""
