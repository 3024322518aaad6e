"""Recording many KPJ card numbers at once (the branch office's file): set-based, with the same checks and the same
audit trail as storage/worker_edits.py's change_worker gives one worker at a time.

plan_kpj_numbers reads what the rows would do in one query per 10,000 NIKs and one per 10,000 KPJs (and locks the
workers' rows on PostgreSQL, as change_worker does); apply_kpj_numbers writes the changes per 10,000 (an UPDATE
executed for many rows on SQLite, one UPDATE ... FROM unnest on PostgreSQL) and inserts one "worker.edited" event per
changed worker in one Core INSERT with the details change_worker writes ({"changes": {"kpj": {"old": ..., "new":
...}}}), so forgetting a worker scrubs them alike. Workers already loaded into the session as ORM objects are not
refreshed by the bulk UPDATE.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import AuditEvent, Worker
from storage.types import utcnow
from storage.worker_edits import EDITED

_BATCH = 10_000
_WORKER = Worker.__table__
_AUDIT = AuditEvent.__table__


@dataclass(frozen=True)
class KpjRow:
    """One KPJ to record: the NIK of the worker and the 11-digit KPJ, with the caller's key (a line number)."""

    key: int
    nik: str
    kpj: str


@dataclass(frozen=True)
class KpjChange:
    """A worker whose KPJ changes: from `old` (None when none was recorded) to `new`."""

    key: int
    worker_id: int
    nik: str
    old: str | None
    new: str


@dataclass(frozen=True)
class KpjRefusal:
    """A row that cannot be recorded: `why` is "not_registered" or "taken" (then holder_id is the holder's id)."""

    key: int
    nik: str
    kpj: str
    why: str
    holder_id: int | None = None


@dataclass
class KpjPlan:
    """What recording the rows does: the changes, the rows already recorded (their keys) and the refused rows."""

    changes: list[KpjChange] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[KpjRefusal] = field(default_factory=list)


def _among(column: ColumnElement[str], values: list[str], sqlite: bool) -> ColumnElement[bool]:
    """`column IN values` with the values as one parameter (a JSON array on SQLite, an array on PostgreSQL): cheaper
    than an IN list of thousands of parameters (as storage/payment_checks.py does)."""
    if sqlite:
        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(values))))
    return column == any_(bindparam("values", values, type_=ARRAY(String)))


async def _holders(connection: AsyncConnection, kpjs: list[str]) -> dict[str, int]:
    """The ids of the workers holding these KPJs, by KPJ."""
    sqlite = connection.dialect.name == "sqlite"
    found: dict[str, int] = {}
    for start in range(0, len(kpjs), _BATCH):
        query = select(_WORKER.c.kpj, _WORKER.c.id).where(_among(_WORKER.c.kpj, kpjs[start : start + _BATCH], sqlite))
        found.update((kpj, worker_id) for kpj, worker_id in (await connection.execute(query)).all())
    return found


async def plan_kpj_numbers(session: AsyncSession, rows: Sequence[KpjRow]) -> KpjPlan:
    """What recording these rows (NIKs and KPJs each unique among them) would change, without writing."""
    await session.flush()
    connection = await session.connection()
    sqlite = connection.dialect.name == "sqlite"
    niks = sorted({row.nik for row in rows})
    registered: dict[str, tuple[int, str | None]] = {}
    for start in range(0, len(niks), _BATCH):
        query = (
            select(_WORKER.c.nik, _WORKER.c.id, _WORKER.c.kpj)
            .where(_among(_WORKER.c.nik, niks[start : start + _BATCH], sqlite))
            .with_for_update()  # as change_worker locks its worker; SQLite locks the whole file anyway
        )
        registered.update((nik, (worker_id, kpj)) for nik, worker_id, kpj in (await connection.execute(query)).all())
    holders = await _holders(connection, sorted({row.kpj for row in rows}))
    plan = KpjPlan()
    for row in rows:
        worker = registered.get(row.nik)
        if worker is None:
            plan.refused.append(KpjRefusal(row.key, row.nik, row.kpj, "not_registered"))
            continue
        worker_id, old = worker
        holder = holders.get(row.kpj)
        if holder is not None and holder != worker_id:
            plan.refused.append(KpjRefusal(row.key, row.nik, row.kpj, "taken", holder))
        elif old == row.kpj:
            plan.unchanged.append(row.key)
        else:
            plan.changes.append(KpjChange(row.key, worker_id, row.nik, old, row.kpj))
    return plan


async def _update(connection: AsyncConnection, batch: list[KpjChange]) -> None:
    """Sets the batch's KPJs: an UPDATE executed for every row on SQLite (sqlite3's executemany is fast), one
    UPDATE ... FROM unnest(ids, kpjs) on PostgreSQL (one statement for the batch, not one per row)."""
    if connection.dialect.name == "postgresql":
        data = (
            func.unnest(
                bindparam("ids", [c.worker_id for c in batch], type_=ARRAY(Integer)),
                bindparam("kpjs", [c.new for c in batch], type_=ARRAY(String)),
            )
            .table_valued("id", "kpj")
            .render_derived(name="data")
        )
        await connection.execute(update(_WORKER).where(_WORKER.c.id == data.c.id).values(kpj=data.c.kpj))
        return
    statement = update(_WORKER).where(_WORKER.c.id == bindparam("worker_id")).values(kpj=bindparam("new_kpj"))
    await connection.execute(statement, [{"worker_id": c.worker_id, "new_kpj": c.new} for c in batch])


async def _audit(
    connection: AsyncConnection, made: list[KpjChange], actor_person_id: int | None, actor_contact_id: int | None
) -> None:
    """One "worker.edited" event per change, with the details change_worker writes: per 10,000 one INSERT of a list
    of rows on SQLite, one INSERT ... SELECT FROM unnest(subject ids, details) on PostgreSQL."""
    shared = {
        "at": utcnow(),
        "action": EDITED,
        "actor_contact_id": actor_contact_id,
        "actor_person_id": actor_person_id,
        "subject_type": "worker",
    }
    for start in range(0, len(made), _BATCH):
        batch = made[start : start + _BATCH]
        details = [{"changes": {"kpj": {"old": c.old, "new": c.new}}} for c in batch]
        if connection.dialect.name != "postgresql":
            rows = [{"subject_id": str(c.worker_id), "details": d} for c, d in zip(batch, details, strict=True)]
            await connection.execute(insert(_AUDIT).values(**shared), rows)
            continue
        data = (
            func.unnest(
                bindparam("subjects", [str(c.worker_id) for c in batch], type_=ARRAY(String)),
                bindparam("details", [json.dumps(d) for d in details], type_=ARRAY(Text)),
            )
            .table_valued("subject_id", "details")
            .render_derived(name="data")
        )
        constants = [literal(value, _AUDIT.c[name].type).label(name) for name, value in shared.items()]
        rows_query = select(*constants, data.c.subject_id, cast(data.c.details, JSONB))
        await connection.execute(insert(_AUDIT).from_select([*shared, "subject_id", "details"], rows_query))


async def apply_kpj_numbers(
    session: AsyncSession, changes: Sequence[KpjChange], *, actor_person_id: int | None, actor_contact_id: int | None
) -> tuple[list[KpjChange], list[KpjRefusal]]:
    """Writes the planned changes and audits each in one "worker.edited" event; the changes made, and the ones
    refused because another worker took the KPJ since the plan (the unique constraint said so)."""
    await session.flush()
    connection = await session.connection()
    pending = list(changes)
    taken: list[KpjRefusal] = []
    while pending:
        try:
            async with connection.begin_nested():
                for start in range(0, len(pending), _BATCH):
                    await _update(connection, pending[start : start + _BATCH])
            break
        except IntegrityError:
            # Another worker took some KPJ between the plan and the write: the savepoint undid every row.
            holders = await _holders(connection, [change.new for change in pending])
            lost = {c.key for c in pending if holders.get(c.new, c.worker_id) != c.worker_id}
            if not lost:
                raise
            taken.extend(KpjRefusal(c.key, c.nik, c.new, "taken", holders[c.new]) for c in pending if c.key in lost)
            pending = [change for change in pending if change.key not in lost]
    if pending:
        await _audit(connection, pending, actor_person_id, actor_contact_id)
    return pending, taken
