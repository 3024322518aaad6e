"""Workers registered by cadres.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "worker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_number", sa.String(length=20), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("occupation", sa.String(length=30), nullable=False),
        sa.Column("occupation_other", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=3), nullable=False),
        sa.Column("declared_income", sa.Integer(), nullable=False),
        sa.Column("programmes", sa.String(length=20), nullable=False),
        sa.Column("payer", sa.String(length=10), nullable=False),
        sa.Column("sponsor", sa.String(length=100), nullable=True),
        sa.Column("heir_name", sa.String(length=100), nullable=True),
        sa.Column("heir_relation", sa.String(length=30), nullable=True),
        sa.Column("heir_phone", sa.String(length=20), nullable=True),
        sa.Column("village_code", sa.String(length=13), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registered_at", TIMESTAMP, nullable=False),
        sa.Column("consent_at", TIMESTAMP, nullable=False),
        sa.Column("deceased_on", sa.Date(), nullable=True),
        sa.CheckConstraint("declared_income > 0", name=op.f("ck_worker_positive_income")),
        sa.CheckConstraint("segment IN ('BPU', 'PU')", name=op.f("ck_worker_known_segment")),
        sa.CheckConstraint("sex IN ('F', 'M')", name=op.f("ck_worker_known_sex")),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["person.id"], name=op.f("fk_worker_registered_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["village_code"], ["village.code"], name=op.f("fk_worker_village_code_village")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
        sa.UniqueConstraint("nik", name=op.f("uq_worker_nik")),
        sa.UniqueConstraint("registration_number", name=op.f("uq_worker_registration_number")),
    )
    op.create_index(op.f("ix_worker_phone"), "worker", ["phone"])
    op.create_index(op.f("ix_worker_village_code"), "worker", ["village_code"])
    op.create_index(op.f("ix_worker_village_code_name"), "worker", ["village_code", "name"])


def downgrade() -> None:
    op.drop_table("worker")
