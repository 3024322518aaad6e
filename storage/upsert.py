"""Dialect-aware INSERT … ON CONFLICT DO NOTHING, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


@cache
def _insert(dialect_name: str, table: Table, columns: tuple[str, ...], returning_id: bool) -> Insert:
    """The Core INSERT … ON CONFLICT DO NOTHING of these columns for the dialect, built once: a turn runs several."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    values = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in columns}
    statement = module.insert(table).values(values).on_conflict_do_nothing()
    return statement.returning(table.c.id) if returning_id else statement


async def _statement(
    session: AsyncSession, model: type[Base], values: dict[str, Any], returning_id: bool
) -> tuple[Insert, dict[str, Any]]:
    """The cached statement and its parameters; pending ORM changes are flushed first, as ORM statements do."""
    await session.flush()
    table = model.__table__
    assert isinstance(table, Table)
    statement = _insert(session.get_bind().dialect.name, table, tuple(values), returning_id)
    return statement, {f"new_{name}": value for name, value in values.items()}


async def insert_ignoring_conflict(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """Inserts one row unless it would break a unique constraint; True when a row was inserted."""
    statement, params = await _statement(session, model, values, returning_id=False)
    # Without preserve_rowcount SQLAlchemy does not keep an INSERT's row count: psycopg then reports -1,
    # which would make every conflict look like an insert on PostgreSQL.
    result = await session.execute(statement, params, execution_options={"preserve_rowcount": True})
    return result.rowcount == 1  # type: ignore[attr-defined]


async def insert_returning_id(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> int | None:
    """Inserts one row unless it would break a unique constraint; the new row's id, or None."""
    statement, params = await _statement(session, model, values, returning_id=True)
    return (await session.execute(statement, params)).scalar_one_or_none()
