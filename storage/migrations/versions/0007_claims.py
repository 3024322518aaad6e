"""Cases for reported deaths (JKM) and work accidents (JKK), and the documents received for them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
KINDS = "kind IN ('death', 'accident')"
STATUSES = "status IN ('baru', 'diproses', 'dokumen-kurang', 'dibayar', 'ditolak', 'ditarik')"
MATCHES = "match IN ('confirmed', 'pending', 'rejected')"


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("match", sa.String(length=10), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("village_code", sa.String(length=13), nullable=True),
        sa.Column("named_worker", sa.String(length=100), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("event_at", TIMESTAMP, nullable=True),
        sa.Column("cause", sa.String(length=20), nullable=True),
        sa.Column("details", JSON_DOCUMENT, nullable=False),
        sa.Column("reporter_contact_id", sa.Integer(), nullable=True),
        sa.Column("reporter_person_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=100), nullable=False),
        sa.Column("reporter_relation", sa.String(length=30), nullable=True),
        sa.Column("reporter_phone", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=15), nullable=True),
        sa.Column("outcome_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(KINDS, name=op.f("ck_claim_known_kind")),
        sa.CheckConstraint(STATUSES, name=op.f("ck_claim_known_status")),
        sa.CheckConstraint(MATCHES, name=op.f("ck_claim_known_match")),
        sa.CheckConstraint(
            "worker_id IS NOT NULL OR village_code IS NOT NULL", name=op.f("ck_claim_worker_or_village")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["worker.id"], name=op.f("fk_claim_worker_id_worker"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["village_code"], ["village.code"], name=op.f("fk_claim_village_code_village")),
        sa.ForeignKeyConstraint(
            ["reporter_contact_id"],
            ["contact.id"],
            name=op.f("fk_claim_reporter_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_person_id"],
            ["person.id"],
            name=op.f("fk_claim_reporter_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        sa.UniqueConstraint("reference", name=op.f("uq_claim_reference")),
    )
    op.create_index(op.f("ix_claim_status"), "claim", ["status"])
    op.create_index(op.f("ix_claim_worker_id"), "claim", ["worker_id"])
    op.create_index(op.f("ix_claim_village_code"), "claim", ["village_code"])
    op.create_index(op.f("ix_claim_reporter_contact_id"), "claim", ["reporter_contact_id"])
    op.create_table(
        "claim_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_claim_document_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_document")),
        sa.UniqueConstraint("claim_id", "sha256", name=op.f("uq_claim_document_claim_id_sha256")),
    )
    op.create_index(op.f("ix_claim_document_claim_id"), "claim_document", ["claim_id"])


def downgrade() -> None:
    op.drop_table("claim_document")
    op.drop_table("claim")
