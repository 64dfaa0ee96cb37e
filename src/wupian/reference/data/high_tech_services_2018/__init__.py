"""Reference dataset high_tech_services_2018: CSV files and their PROVENANCE.md (package data only)."""
