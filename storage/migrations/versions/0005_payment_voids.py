"""Voided payments: a payment recorded by mistake keeps its row but covers no month, and its key may be recorded again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
NOT_VOIDED = "voided_at IS NULL"
KEY = ["worker_id", "source", "reference", "first_month"]


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("voided_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("voided_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_payment_voided_by_person"), "person", ["voided_by"], ["id"], ondelete="SET NULL"
        )
        batch.create_check_constraint(
            op.f("ck_payment_void_has_reason"),
            "(voided_at IS NULL AND void_reason IS NULL AND voided_by IS NULL)"
            " OR (voided_at IS NOT NULL AND void_reason IS NOT NULL)",
        )
        batch.drop_constraint(op.f("uq_payment_worker_id_source_reference_first_month"), type_="unique")
    op.create_index(
        op.f("ix_payment_worker_id_source_reference_first_month"),
        "payment",
        KEY,
        unique=True,
        postgresql_where=sa.text(NOT_VOIDED),
        sqlite_where=sa.text(NOT_VOIDED),
    )


def downgrade() -> None:
    voided = op.get_bind().execute(sa.text("SELECT count(*) FROM payment WHERE voided_at IS NOT NULL")).scalar()
    if voided:
        raise RuntimeError(f"{voided} voided payment(s) would count as paid again before 0005: downgrade refused")
    op.drop_index(op.f("ix_payment_worker_id_source_reference_first_month"), table_name="payment")
    with op.batch_alter_table("payment") as batch:
        batch.create_unique_constraint(op.f("uq_payment_worker_id_source_reference_first_month"), KEY)
        batch.drop_constraint(op.f("ck_payment_void_has_reason"), type_="check")
        batch.drop_constraint(op.f("fk_payment_voided_by_person"), type_="foreignkey")
        batch.drop_column("voided_by")
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
