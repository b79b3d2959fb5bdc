"""a person's last survival authentication read from the index alone

The payroll reads every pensioner's last authentication each month (`max(authenticated_on)`
per person). The index on `person_id` alone made that a heap visit per pensioner; the index
on (`person_id`, `authenticated_on`) answers it from the index, and serves every read by
person as the old one did, which it replaces.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_pension_authentications_person_id_on', 'pension_authentications',
                    ['person_id', 'authenticated_on'], unique=False)
    op.drop_index('ix_pension_authentications_person_id', table_name='pension_authentications')


def downgrade() -> None:
    op.create_index('ix_pension_authentications_person_id', 'pension_authentications',
                    ['person_id'], unique=False)
    op.drop_index('ix_pension_authentications_person_id_on',
                  table_name='pension_authentications')
