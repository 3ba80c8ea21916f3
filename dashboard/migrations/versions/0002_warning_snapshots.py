"""warning snapshots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_type", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=6), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.CheckConstraint("tier IN ('red','yellow','blue')",
                           name=op.f("ck_warning_snapshots_tier")),
        sa.PrimaryKeyConstraint("day", "unit_type", "code", name=op.f("pk_warning_snapshots")),
    )
    op.create_index(op.f("ix_warning_snapshots_unit_type_code_day"), "warning_snapshots",
                    ["unit_type", "code", "day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_warning_snapshots_unit_type_code_day"),
                  table_name="warning_snapshots")
    op.drop_table("warning_snapshots")
