"""Alembic migrations of the kader schema."""
