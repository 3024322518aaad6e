"""Outbound messages and their delivery state; contacts a channel can no longer reach.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("unreachable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=True),
        sa.Column("variables", JSON_DOCUMENT, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", TIMESTAMP, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_outbound_message_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_message")),
        sa.UniqueConstraint("key", name=op.f("uq_outbound_message_key")),
    )
    op.create_index(op.f("ix_outbound_message_contact_id"), "outbound_message", ["contact_id"])
    op.create_index(op.f("ix_outbound_message_status_not_before"), "outbound_message", ["status", "not_before"])
    op.create_index(op.f("ix_outbound_message_channel_external_id"), "outbound_message", ["channel", "external_id"])


def downgrade() -> None:
    op.drop_table("outbound_message")
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("unreachable")
