"""emergency relief measures: drafted, enacted by a second administrator

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('relief_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('cost', sa.JSON(), nullable=False),
    sa.Column('drafted_by', sa.Integer(), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'enacted', 'rejected')", name=op.f('ck_relief_measures_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_relief_measures_decided_by_users')),
    sa.ForeignKeyConstraint(['drafted_by'], ['users.id'], name=op.f('fk_relief_measures_drafted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relief_measures'))
    )
    op.create_index(op.f('ix_relief_measures_status'), 'relief_measures', ['status'])


def downgrade() -> None:
    op.drop_index(op.f('ix_relief_measures_status'), table_name='relief_measures')
    op.drop_table('relief_measures')
