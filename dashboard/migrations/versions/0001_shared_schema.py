"""shared schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 00:40:01.966952
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('areas',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=40), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('geom', sa.LargeBinary(), nullable=True),
    sa.Column('geom_crs', sa.String(length=40), nullable=True),
    sa.Column('geom_source', sa.String(length=20), nullable=True),
    sa.CheckConstraint("level IN ('county','town','village','grid')", name=op.f('ck_areas_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['areas.code'], name=op.f('fk_areas_parent_code_areas')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_parent_code'), ['parent_code'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('case_categories',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=True),
    sa.Column('parent_code', sa.String(length=20), nullable=True),
    sa.Column('sla_hours', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['case_categories.code'], name=op.f('fk_case_categories_parent_code_case_categories')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_case_categories'))
    )
    op.create_table('dataset_meta',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_dataset_meta'))
    )
    op.create_table('area_paths',
    sa.Column('ancestor_code', sa.String(length=40), nullable=False),
    sa.Column('descendant_code', sa.String(length=40), nullable=False),
    sa.Column('depth', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['ancestor_code'], ['areas.code'], name=op.f('fk_area_paths_ancestor_code_areas')),
    sa.ForeignKeyConstraint(['descendant_code'], ['areas.code'], name=op.f('fk_area_paths_descendant_code_areas')),
    sa.PrimaryKeyConstraint('ancestor_code', 'descendant_code', name=op.f('pk_area_paths'))
    )
    with op.batch_alter_table('area_paths', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_paths_descendant_code_ancestor_code'), ['descendant_code', 'ancestor_code'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('category_code', sa.String(length=20), nullable=False),
    sa.Column('area_code', sa.String(length=40), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('reopen_count', sa.SmallInteger(), nullable=False),
    sa.Column('handling_unit', sa.String(length=80), nullable=True),
    sa.Column('reporter_name', sa.String(length=50), nullable=True),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('reported','accepted','dispatched','resolved','closed')", name=op.f('ck_cases_status')),
    sa.CheckConstraint('satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5', name=op.f('ck_cases_satisfaction')),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_cases_area_code_areas')),
    sa.ForeignKeyConstraint(['category_code'], ['case_categories.code'], name=op.f('fk_cases_category_code_case_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_area_code_reported_at'), ['area_code', 'reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_category_code_reported_at'), ['category_code', 'reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_resolved_at'), ['resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_updated_at'), ['updated_at'], unique=False)

    op.create_table('grid_workers',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('grid_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['grid_code'], ['areas.code'], name=op.f('fk_grid_workers_grid_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_workers'))
    )
    with op.batch_alter_table('grid_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_workers_grid_code'), ['grid_code'], unique=False)

    op.create_table('party_branches',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('area_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_party_branches_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_branches'))
    )
    with op.batch_alter_table('party_branches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_branches_area_code'), ['area_code'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('area_code', sa.String(length=40), nullable=True),
    sa.Column('can_view_pii', sa.Boolean(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_users_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('coverage_monthly',
    sa.Column('branch_id', sa.String(length=40), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('active_30d', sa.Integer(), nullable=False),
    sa.Column('study_completion', sa.Float(), nullable=True),
    sa.Column('meetings_required', sa.Integer(), nullable=True),
    sa.Column('meetings_recorded', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('broadband_households', sa.Integer(), nullable=True),
    sa.Column('has_5g', sa.Boolean(), nullable=True),
    sa.Column('app_users', sa.Integer(), nullable=True),
    sa.Column('mobile_members', sa.Integer(), nullable=True),
    sa.Column('mobile_active', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['party_branches.id'], name=op.f('fk_coverage_monthly_branch_id_party_branches')),
    sa.PrimaryKeyConstraint('branch_id', 'month', name=op.f('pk_coverage_monthly'))
    )
    with op.batch_alter_table('coverage_monthly', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coverage_monthly_month'), ['month'], unique=False)

    op.create_table('grid_party_groups',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('grid_code', sa.String(length=40), nullable=False),
    sa.Column('branch_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['party_branches.id'], name=op.f('fk_grid_party_groups_branch_id_party_branches')),
    sa.ForeignKeyConstraint(['grid_code'], ['areas.code'], name=op.f('fk_grid_party_groups_grid_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_party_groups'))
    )
    with op.batch_alter_table('grid_party_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_party_groups_grid_code'), ['grid_code'], unique=False)

    op.create_table('party_members',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('branch_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('joined_year', sa.SmallInteger(), nullable=True),
    sa.Column('is_mobile', sa.Boolean(), nullable=False),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('last_active_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['party_branches.id'], name=op.f('fk_party_members_branch_id_party_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_members'))
    )
    with op.batch_alter_table('party_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_members_branch_id'), ['branch_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('party_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_members_branch_id'))

    op.drop_table('party_members')
    with op.batch_alter_table('grid_party_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_party_groups_grid_code'))

    op.drop_table('grid_party_groups')
    with op.batch_alter_table('coverage_monthly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coverage_monthly_month'))

    op.drop_table('coverage_monthly')
    op.drop_table('users')
    with op.batch_alter_table('party_branches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_branches_area_code'))

    op.drop_table('party_branches')
    with op.batch_alter_table('grid_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_workers_grid_code'))

    op.drop_table('grid_workers')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_updated_at'))
        batch_op.drop_index(batch_op.f('ix_cases_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_cases_reported_at'))
        batch_op.drop_index(batch_op.f('ix_cases_due_at'))
        batch_op.drop_index(batch_op.f('ix_cases_category_code_reported_at'))
        batch_op.drop_index(batch_op.f('ix_cases_area_code_reported_at'))

    op.drop_table('cases')
    with op.batch_alter_table('area_paths', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_paths_descendant_code_ancestor_code'))

    op.drop_table('area_paths')
    op.drop_table('dataset_meta')
    op.drop_table('case_categories')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_parent_code'))
        batch_op.drop_index(batch_op.f('ix_areas_level'))

    op.drop_table('areas')

