"""Persistence: SQLAlchemy models, the database session, typed queries and Alembic migrations."""
