"""Packaged official reference data (CSV + PROVENANCE.md per dataset); read through wupian.reference."""
