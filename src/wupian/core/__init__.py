"""Domain types shared by every layer: Issue/Source, money, errors, profiles, periods — standard library only —
and ``yamldoc``, the one validated YAML loader (PyYAML) for every data file the package ships."""
