"""wupian.ingest package."""
