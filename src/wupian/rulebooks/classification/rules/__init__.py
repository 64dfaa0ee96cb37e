"""Classification rules, one YAML document per rule."""
