"""The five-priorities loan classification rulebook (manifest, citations, rules/*.yaml)."""
