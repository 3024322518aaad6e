"""Payments of whole months of protection.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_payment_non_negative_amount")),
        sa.CheckConstraint("months BETWEEN 1 AND 24", name=op.f("ck_payment_whole_months")),
        sa.CheckConstraint("source IN ('import', 'cadre', 'admin')", name=op.f("ck_payment_known_source")),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["person.id"], name=op.f("fk_payment_recorded_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["worker.id"], name=op.f("fk_payment_worker_id_worker"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint(
            "worker_id",
            "source",
            "reference",
            "first_month",
            name=op.f("uq_payment_worker_id_source_reference_first_month"),
        ),
    )
    op.create_index(op.f("ix_payment_worker_id"), "payment", ["worker_id"])


def downgrade() -> None:
    op.drop_table("payment")
