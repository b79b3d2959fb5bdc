"""the citizen portal: appeals and complaints, correction requests, notices

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.String(length=2000), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_notices_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_person_id'), ['person_id'], unique=False)

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=True),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('filed_by', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=2000), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('appeal', 'complaint')", name=op.f('ck_appeals_kind')),
    sa.CheckConstraint("status IN ('submitted', 'in_review', 'upheld', 'partly_upheld', 'dismissed')", name=op.f('ck_appeals_status')),
    sa.CheckConstraint("subject IN ('pension_award', 'claim', 'assistance', 'contribution', 'transfer', 'other')", name=op.f('ck_appeals_subject')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_appeals_decided_by_users')),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_appeals_filed_by_users')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_appeals_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_appeals_region_status', ['region_code', 'status'], unique=False)

    op.create_table('correction_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('requested_value', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('filed_by', sa.Integer(), nullable=False),
    sa.Column('response', sa.String(length=1000), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("field IN ('name', 'phone', 'hukou_region', 'contributions', 'employment', 'other')", name=op.f('ck_correction_requests_field')),
    sa.CheckConstraint("status IN ('submitted', 'corrected', 'refused')", name=op.f('ck_correction_requests_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_correction_requests_decided_by_users')),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_correction_requests_filed_by_users')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_correction_requests_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_requests'))
    )
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_correction_requests_region_status', ['region_code', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_correction_requests_region_status')
        batch_op.drop_index(batch_op.f('ix_correction_requests_person_id'))

    op.drop_table('correction_requests')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_region_status')
        batch_op.drop_index(batch_op.f('ix_appeals_person_id'))

    op.drop_table('appeals')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_person_id'))

    op.drop_table('notices')
