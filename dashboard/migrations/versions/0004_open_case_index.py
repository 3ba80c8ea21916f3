"""open-case index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Open cases ("resolved_at IS NULL OR resolved_at > now") are a few thousand rows of a table of
a million: a covering index led by resolved_at finds them without touching the table (an
index-only range scan per branch of the OR), where the (area_code, reported_at) index made
SQLite and PostgreSQL read every case of the area. ANALYZE gives both planners the
statistics to choose it on an existing database.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_cases_resolved_at_area_code_due_at_reported_at"), "cases",
                    ["resolved_at", "area_code", "due_at", "reported_at"], unique=False)
    op.execute("ANALYZE cases")


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_resolved_at_area_code_due_at_reported_at"), table_name="cases")
