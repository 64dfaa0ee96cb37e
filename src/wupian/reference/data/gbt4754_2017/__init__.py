"""Reference dataset gbt4754_2017: CSV files and their PROVENANCE.md (package data only)."""
