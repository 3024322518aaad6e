"""Message catalogues, one TOML file per language: id (Bahasa Indonesia) first, en second."""
