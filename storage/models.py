"""The database tables as SQLAlchemy 2 typed models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import JSONDocument, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with one naming convention for every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Village(Base):
    """A Kemendagri desa or kelurahan the programme runs in."""

    __tablename__ = "village"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(120))
    regency: Mapped[str] = mapped_column(String(120))
    province: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Person(Base):
    """Someone who works the programme: an admin or a cadre, identified by phone."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    roles: Mapped[list[Role]] = relationship(back_populates="person", cascade="all, delete-orphan")


class Role(Base):
    """A person's role: admin (all villages) or cadre of one village."""

    __tablename__ = "role"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "village_code"),
        CheckConstraint("role IN ('admin', 'cadre')", name="known_role"),
        CheckConstraint("role = 'admin' OR village_code IS NOT NULL", name="cadre_has_village"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    village_code: Mapped[str | None] = mapped_column(ForeignKey("village.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="roles")
    village: Mapped[Village | None] = relationship()


class Contact(Base):
    """One address on one channel (a Telegram chat, a WhatsApp number, a console phone)."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="id")
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """Where a contact's conversation stands: flow, step and the answers so far, as JSON."""

    __tablename__ = "conversation"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReceivedMessage(Base):
    """An external message id already handled, so that a redelivery has no second effect."""

    __tablename__ = "received_message"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AuditEvent(Base):
    """Who did what to which record, and when."""

    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(60))
    actor_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class OutboundMessage(Base):
    """A message to one contact: its text or template, when it may go, and what became of it."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index(None, "status", "not_before"),
        Index(None, "channel", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str | None] = mapped_column(String(160), unique=True)
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(40))
    variables: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reason: Mapped[str | None] = mapped_column(String(200))
    error_code: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Worker(Base):
    """A vulnerable worker registered by a cadre: one NIK, one registration."""

    __tablename__ = "worker"
    __table_args__ = (
        CheckConstraint("sex IN ('F', 'M')", name="known_sex"),
        CheckConstraint("segment IN ('BPU', 'PU')", name="known_segment"),
        CheckConstraint("declared_income > 0", name="positive_income"),
        Index(None, "village_code", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    occupation: Mapped[str] = mapped_column(String(30))
    occupation_other: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str] = mapped_column(String(3), default="BPU")
    declared_income: Mapped[int] = mapped_column(Integer)
    programmes: Mapped[str] = mapped_column(String(20))
    payer: Mapped[str] = mapped_column(String(10))
    sponsor: Mapped[str | None] = mapped_column(String(100))
    heir_name: Mapped[str | None] = mapped_column(String(100))
    heir_relation: Mapped[str | None] = mapped_column(String(30))
    heir_phone: Mapped[str | None] = mapped_column(String(20))
    village_code: Mapped[str] = mapped_column(ForeignKey("village.code"), index=True)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deceased_on: Mapped[date | None] = mapped_column(Date)
    kpj: Mapped[str | None] = mapped_column(String(11), unique=True)

    village: Mapped[Village] = relationship()


NOT_VOIDED = "voided_at IS NULL"


class Payment(Base):
    """Whole months of a worker's contributions from one source with a reference; a voided one covers no month."""

    __tablename__ = "payment"
    __table_args__ = (
        Index(
            None,
            "worker_id",
            "source",
            "reference",
            "first_month",
            unique=True,
            postgresql_where=text(NOT_VOIDED),
            sqlite_where=text(NOT_VOIDED),
        ),
        CheckConstraint("months BETWEEN 1 AND 24", name="whole_months"),
        CheckConstraint("amount >= 0", name="non_negative_amount"),
        CheckConstraint("source IN ('import', 'cadre', 'admin')", name="known_source"),
        CheckConstraint(
            "(voided_at IS NULL AND void_reason IS NULL AND voided_by IS NULL)"
            " OR (voided_at IS NOT NULL AND void_reason IS NOT NULL)",
            name="void_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"), index=True)
    first_month: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))


class CadreInvite(Base):
    """A single-use, expiring Telegram deep link for one cadre's phone; only the token's hash is kept."""

    __tablename__ = "cadre_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))


CLAIM_KINDS = ("death", "accident")
CLAIM_STATUSES = ("baru", "diproses", "dokumen-kurang", "dibayar", "ditolak", "ditarik")
CLAIM_MATCHES = ("confirmed", "pending", "rejected")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Claim(Base):
    """A reported death (JKM) or work accident (JKK): the case a family follows by its reference."""

    __tablename__ = "claim"
    __table_args__ = (
        CheckConstraint(_one_of("kind", CLAIM_KINDS), name="known_kind"),
        CheckConstraint(_one_of("status", CLAIM_STATUSES), name="known_status"),
        CheckConstraint(_one_of("match", CLAIM_MATCHES), name="known_match"),
        CheckConstraint("worker_id IS NOT NULL OR village_code IS NOT NULL", name="worker_or_village"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="baru", index=True)
    # Whether a cadre, an admin or the registered heir stands behind the report ("pending" until one does).
    match: Mapped[str] = mapped_column(String(10), default="pending")
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id", ondelete="SET NULL"), index=True)
    village_code: Mapped[str | None] = mapped_column(ForeignKey("village.code"), index=True)
    named_worker: Mapped[str | None] = mapped_column(String(100))
    event_date: Mapped[date] = mapped_column(Date)
    event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cause: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    reporter_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    reporter_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(String(100))
    reporter_relation: Mapped[str | None] = mapped_column(String(30))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(15))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClaimDocument(Base):
    """A photo or file received for a case, kept in the media store with its checksum."""

    __tablename__ = "claim_document"
    __table_args__ = (UniqueConstraint("claim_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxMessage(Base):
    """A message as a channel delivered it, written before it is acknowledged; handled_at is set in its turn."""

    __tablename__ = "inbox_message"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index(None, "handled_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
