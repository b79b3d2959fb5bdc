"""personal data sealed at rest: identity numbers (with a blind index), phones, change values

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-27 21:45:00

Existing values are sealed with the process's data key (registry/sealed.py), so the key must be
configured before upgrading; downgrading opens them again with the same key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shebao.registry.identifiers import mask_resident_id
from shebao.registry.sealed import blind_index, seal, sealed_length, unseal

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None

PERSON_LENGTH = sealed_length(18)   # identity numbers; phones (20 bytes) fit the same
CHANGE_LENGTH = sealed_length(512)


def _rewrite(table: str, columns: tuple[str, ...], transform) -> None:  # type: ignore[no-untyped-def]
    """Every row's `columns` through `transform(row) -> dict of new values`, by id."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    for row in rows:
        values = transform(row._mapping)
        if values:
            assignments = ", ".join(f"{k} = :{k}" for k in values)
            connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                               {**values, "id": row.id})


def upgrade() -> None:
    with op.batch_alter_table('persons') as batch:
        batch.alter_column('identity_number', type_=sa.String(PERSON_LENGTH))
        batch.alter_column('phone', type_=sa.String(PERSON_LENGTH))
        batch.add_column(sa.Column('identity_number_index', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('identity_number_masked', sa.String(length=18), nullable=True))
    with op.batch_alter_table('person_changes') as batch:
        batch.alter_column('old_value', type_=sa.String(CHANGE_LENGTH))
        batch.alter_column('new_value', type_=sa.String(CHANGE_LENGTH))

    _rewrite('persons', ('identity_number', 'phone'), lambda row: {
        'identity_number': seal(row['identity_number'], 'persons.identity_number'),
        'identity_number_index': blind_index(row['identity_number']),
        'identity_number_masked': mask_resident_id(row['identity_number']),
        'phone': None if row['phone'] is None else seal(row['phone'], 'persons.phone'),
    })
    _rewrite('person_changes', ('old_value', 'new_value'), lambda row: {
        column: None if row[column] is None else seal(row[column], f'person_changes.{column}')
        for column in ('old_value', 'new_value')
    })

    with op.batch_alter_table('persons') as batch:
        batch.drop_constraint('uq_persons_identity_number', type_='unique')
        batch.alter_column('identity_number', new_column_name='identity_number_sealed',
                           existing_type=sa.String(PERSON_LENGTH), existing_nullable=False)
        batch.alter_column('phone', new_column_name='phone_sealed',
                           existing_type=sa.String(PERSON_LENGTH))
        batch.alter_column('identity_number_index', nullable=False,
                           existing_type=sa.String(length=64))
        batch.alter_column('identity_number_masked', nullable=False,
                           existing_type=sa.String(length=18))
        batch.create_unique_constraint('uq_persons_identity_number_index',
                                       ['identity_number_index'])


def downgrade() -> None:
    with op.batch_alter_table('persons') as batch:
        batch.drop_constraint('uq_persons_identity_number_index', type_='unique')
        batch.alter_column('identity_number_sealed', new_column_name='identity_number',
                           existing_type=sa.String(PERSON_LENGTH), existing_nullable=False)
        batch.alter_column('phone_sealed', new_column_name='phone',
                           existing_type=sa.String(PERSON_LENGTH))
    _rewrite('persons', ('identity_number', 'phone'), lambda row: {
        'identity_number': unseal(row['identity_number'], 'persons.identity_number'),
        'phone': None if row['phone'] is None else unseal(row['phone'], 'persons.phone'),
    })
    _rewrite('person_changes', ('old_value', 'new_value'), lambda row: {
        column: None if row[column] is None else unseal(row[column], f'person_changes.{column}')
        for column in ('old_value', 'new_value')
    })
    with op.batch_alter_table('person_changes') as batch:
        batch.alter_column('old_value', type_=sa.String(length=128))
        batch.alter_column('new_value', type_=sa.String(length=128))
    with op.batch_alter_table('persons') as batch:
        batch.drop_column('identity_number_masked')
        batch.drop_column('identity_number_index')
        batch.alter_column('identity_number', type_=sa.String(length=18))
        batch.alter_column('phone', type_=sa.String(length=20))
        batch.create_unique_constraint('uq_persons_identity_number', ['identity_number'])
