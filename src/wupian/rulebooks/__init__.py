"""Rulebooks as data (YAML): classification and monitoring rules with citations; read by wupian.rules."""
