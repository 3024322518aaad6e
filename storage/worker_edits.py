"""Changing a registered worker's details: only what really changes, checked, and audited in one event.

A cadre or an admin may change the details in EDITABLE; the NIK and the birth date (ADMIN_ONLY) are corrections an
admin makes with a reason. The command line, run by whoever holds the database (no actor person and no actor
contact), counts as an admin. Values arrive as stored (E.164 phones, 16-digit NIK, 11-digit KPJ, programme codes
"JKK,JKM[,JHT]", a date for the birth date): the callers read them with rules/ first; what is checked here are the
things only the database knows (a KPJ or NIK held by another worker, a village row) and the shapes that would store
nonsense.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rules.contribution import JHT, JKK, JKM
from rules.kpj import InvalidKpjError, read_kpj
from rules.occupations import OCCUPATIONS, OTHER
from storage import audit
from storage.models import Role, Village, Worker
from storage.personal_traces import SCRUBBED
from storage.workers import ANONYMOUS_PREFIX

EDITABLE = (
    "phone",
    "heir_name",
    "heir_relation",
    "heir_phone",
    "occupation",
    "occupation_other",
    "declared_income",
    "programmes",
    "village_code",
    "kpj",
)
ADMIN_ONLY = ("nik", "birth_date")  # need a reason, and the caller must be an admin
EDITED = "worker.edited"
CORRECTED = "worker.corrected"
EDIT_ACTIONS = (EDITED, CORRECTED)
# The fields whose old and new values forgetting a worker scrubs from these events (the rest say nothing about
# the person: an occupation group, programmes, a village).
PERSONAL_FIELDS = frozenset(
    {"phone", "heir_name", "heir_relation", "heir_phone", "occupation_other", "declared_income", "kpj", "nik"}
    | {"birth_date"}
)
PROGRAMME_SETS = (f"{JKK},{JKM}", f"{JKK},{JKM},{JHT}")
MAX_TEXT = 100
MAX_REASON = 500


class WorkerEditError(Exception):
    """A change to a worker refused; nothing was changed."""


class KpjTakenError(WorkerEditError):
    """Another worker holds this KPJ number."""

    def __init__(self, kpj: str, holder_id: int | None) -> None:
        """Keeps the KPJ and the id of the worker holding it (None when only the constraint said so)."""
        super().__init__("the KPJ number is held by another worker")
        self.kpj = kpj
        self.holder_id = holder_id


class NikTakenError(WorkerEditError):
    """Another worker is registered with this NIK."""

    def __init__(self, nik: str, holder_id: int | None) -> None:
        """Keeps the NIK and the id of the worker registered with it (None when only the constraint said so)."""
        super().__init__("the NIK is registered to another worker")
        self.nik = nik
        self.holder_id = holder_id


class ReasonRequiredError(WorkerEditError):
    """A NIK or birth-date correction needs a reason."""


class AdminRequiredError(WorkerEditError):
    """Only an admin may correct a NIK or a birth date."""


class UnknownFieldError(WorkerEditError):
    """A field that cannot be changed this way (or does not exist)."""

    def __init__(self, field: str) -> None:
        """Keeps the field's name."""
        super().__init__(f"the field {field!r} cannot be changed")
        self.field = field


class InvalidValueError(WorkerEditError):
    """A value the field cannot hold (the callers read values with rules/ first, so this is a programming slip)."""

    def __init__(self, field: str, detail: str) -> None:
        """Keeps the field's name and what is wrong (never the value)."""
        super().__init__(f"{field}: {detail}")
        self.field = field


class WorkerNotFoundError(WorkerEditError):
    """No worker with this id, or a forgotten one (whose data was erased)."""


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after."""

    field: str
    old: object
    new: object


def _text(field: str, value: object, *, optional: bool = True) -> str | None:
    if value is None:
        if not optional:
            raise InvalidValueError(field, "a value is needed")
        return None
    if not isinstance(value, str):
        raise InvalidValueError(field, "not a text")
    text = " ".join(value.split())
    if not text:
        if not optional:
            raise InvalidValueError(field, "a value is needed")
        return None
    if len(text) > MAX_TEXT:
        raise InvalidValueError(field, f"longer than {MAX_TEXT} characters")
    return text


def _phone(field: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.startswith("+") or not value[1:].isdigit() or len(value) > 20:
        raise InvalidValueError(field, "not an E.164 phone")
    return value


def _programmes(value: object) -> str:
    codes = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, Sequence) else None
    if codes is None:
        raise InvalidValueError("programmes", "not programme codes")
    chosen = {str(code).strip().upper() for code in codes}
    for programmes in PROGRAMME_SETS:
        if chosen == set(programmes.split(",")):
            return programmes
    raise InvalidValueError("programmes", f"one of {', '.join(PROGRAMME_SETS)}")


def _normalised(field: str, value: object) -> object:
    """The value as the column stores it."""
    if field in ("phone", "heir_phone"):
        return _phone(field, value)
    if field in ("heir_name", "heir_relation", "occupation_other"):
        return _text(field, value)
    if field == "occupation":
        if value not in OCCUPATIONS:
            raise InvalidValueError(field, "not a known occupation")
        return value
    if field == "declared_income":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidValueError(field, "not a positive whole amount")
        return value
    if field == "programmes":
        return _programmes(value)
    if field == "village_code":
        return _text(field, value, optional=False)
    if field == "kpj":
        if value is None or value == "":
            return None
        try:
            return read_kpj(str(value))
        except InvalidKpjError as error:
            raise InvalidValueError(field, f"not a KPJ number ({error.reason})") from error
    if field == "nik":
        if not isinstance(value, str) or len(value) != 16 or not (value.isascii() and value.isdigit()):
            raise InvalidValueError(field, "not 16 digits")
        return value
    if field == "birth_date":
        if not isinstance(value, date):
            raise InvalidValueError(field, "not a date")
        return value
    raise UnknownFieldError(field)


def _as_json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


async def _holder(session: AsyncSession, column: Any, value: str, worker_id: int) -> int | None:
    return await session.scalar(select(Worker.id).where(column == value, Worker.id != worker_id))


async def _is_admin(session: AsyncSession, person_id: int) -> bool:
    query = select(Role.id).where(Role.person_id == person_id, Role.role == "admin").limit(1)
    return await session.scalar(query) is not None


async def _check_correction(
    session: AsyncSession, actor_person_id: int | None, actor_contact_id: int | None, reason: str | None
) -> None:
    if actor_person_id is None and actor_contact_id is not None:
        raise AdminRequiredError("only an admin may correct a NIK or a birth date")
    if actor_person_id is not None and not await _is_admin(session, actor_person_id):
        raise AdminRequiredError("only an admin may correct a NIK or a birth date")
    if not reason:
        raise ReasonRequiredError("a NIK or birth-date correction needs a reason")


async def _check_free(session: AsyncSession, worker_id: int, new: Mapping[str, object]) -> None:
    kpj = new.get("kpj")
    if isinstance(kpj, str):
        holder = await _holder(session, Worker.kpj, kpj, worker_id)
        if holder is not None:
            raise KpjTakenError(kpj, holder)
    nik = new.get("nik")
    if isinstance(nik, str):
        holder = await _holder(session, Worker.nik, nik, worker_id)
        if holder is not None:
            raise NikTakenError(nik, holder)
    village = new.get("village_code")
    if isinstance(village, str) and await session.get(Village, village) is None:
        raise InvalidValueError("village_code", "no such village in the database")


async def change_worker(
    session: AsyncSession,
    worker_id: int,
    changes: Mapping[str, object],
    *,
    actor_person_id: int | None,
    actor_contact_id: int | None,
    reason: str | None = None,
) -> list[FieldChange]:
    """Applies the fields whose value really changes and audits them in one event; [] when nothing changed."""
    for field in changes:
        if field not in EDITABLE and field not in ADMIN_ONLY:
            raise UnknownFieldError(field)
    new_values = {field: _normalised(field, value) for field, value in changes.items()}
    worker = await session.scalar(select(Worker).where(Worker.id == worker_id).with_for_update())
    if worker is None or worker.nik.startswith(ANONYMOUS_PREFIX):
        raise WorkerNotFoundError(f"no worker {worker_id} to change")
    occupation = new_values.get("occupation", worker.occupation)
    if occupation != OTHER:
        # Only "lainnya" keeps a described occupation, as at registration.
        if new_values.get("occupation_other") is not None:
            raise InvalidValueError("occupation_other", f"only with the occupation {OTHER}")
        new_values["occupation_other"] = None
    found = [
        FieldChange(field, getattr(worker, field), value)
        for field in (*EDITABLE, *ADMIN_ONLY)
        if field in new_values and getattr(worker, field) != (value := new_values[field])
    ]
    if not found:
        return []
    reason = " ".join((reason or "").split())[:MAX_REASON] or None
    correction = any(change.field in ADMIN_ONLY for change in found)
    if correction:
        await _check_correction(session, actor_person_id, actor_contact_id, reason)
    await _check_free(session, worker_id, {change.field: change.new for change in found})
    try:
        async with session.begin_nested():
            for change in found:
                setattr(worker, change.field, change.new)
            await session.flush()
    except IntegrityError as error:
        # Another worker took the KPJ or NIK between the check and the write: the savepoint undid every field.
        for change in found:
            if change.field == "kpj" and isinstance(change.new, str):
                raise KpjTakenError(change.new, await _holder(session, Worker.kpj, change.new, worker_id)) from error
            if change.field == "nik" and isinstance(change.new, str):
                raise NikTakenError(change.new, await _holder(session, Worker.nik, change.new, worker_id)) from error
        raise
    event = await audit.record_event(
        session,
        CORRECTED if correction else EDITED,
        contact_id=actor_contact_id,
        person_id=actor_person_id,
        subject_type="worker",
        subject_id=str(worker_id),
        details={"changes": {c.field: {"old": _as_json(c.old), "new": _as_json(c.new)} for c in found}},
    )
    if reason:
        event.note = reason
        await session.flush()
    return found


def edited_fields(action: str, details: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The personal fields (PERSONAL_FIELDS) an edit or correction event holds old or new values of, else ()."""
    if action not in EDIT_ACTIONS or not isinstance(details, Mapping):
        return ()
    changes = details.get("changes")
    if not isinstance(changes, Mapping):
        return ()
    return tuple(field for field in changes if field in PERSONAL_FIELDS)


def scrub_edit(action: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """An edit or correction event's details with the old and new values of personal fields replaced by SCRUBBED."""
    fields = edited_fields(action, details)
    if not fields:
        return dict(details)
    changes = {
        field: (
            {key: (SCRUBBED if item is not None else None) for key, item in change.items()}
            if field in fields and isinstance(change, Mapping)
            else change
        )
        for field, change in details["changes"].items()
    }
    return {**details, "changes": changes}
