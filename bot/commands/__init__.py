"""The `kader` command groups, each registering itself on the parser."""
