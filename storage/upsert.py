"""Dialect-aware INSERT … ON CONFLICT DO NOTHING, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


async def insert_ignoring_conflict(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """Inserts one row unless it would break a unique constraint; True when a row was inserted."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(model).values(**values).on_conflict_do_nothing()
    # Without preserve_rowcount SQLAlchemy does not keep an INSERT's row count: psycopg then reports -1,
    # which would make every conflict look like an insert on PostgreSQL.
    result = await session.execute(statement, execution_options={"preserve_rowcount": True})
    return result.rowcount == 1


async def insert_returning_id(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> int | None:
    """Inserts one row unless it would break a unique constraint; the new row's id, or None."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(model).values(**values).on_conflict_do_nothing().returning(model.id)  # type: ignore[attr-defined]
    return (await session.execute(statement)).scalar_one_or_none()
