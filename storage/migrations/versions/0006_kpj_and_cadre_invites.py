"""The KPJ card number on a worker, and single-use Telegram invites for cadres.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("worker") as batch:
        batch.add_column(sa.Column("kpj", sa.String(length=11), nullable=True))
        batch.create_unique_constraint(op.f("uq_worker_kpj"), ["kpj"])
    op.create_table(
        "cadre_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.Column("used_by_contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_cadre_invite_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["person.id"], name=op.f("fk_cadre_invite_created_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["used_by_contact_id"],
            ["contact.id"],
            name=op.f("fk_cadre_invite_used_by_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_cadre_invite_token_hash")),
    )
    op.create_index(op.f("ix_cadre_invite_person_id"), "cadre_invite", ["person_id"])


def downgrade() -> None:
    op.drop_table("cadre_invite")
    with op.batch_alter_table("worker") as batch:
        batch.drop_constraint(op.f("uq_worker_kpj"), type_="unique")
        batch.drop_column("kpj")
