"""row-level security by region on PostgreSQL: staff write persons of their own region only

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 22:00:00

The role `shebao_scoped` (cluster-wide, made once, never dropped here: other databases of the
cluster may use it) gets the table privileges the application needs; staff requests switch to
it per transaction (auth/row_security.py). The owner running migrations, batch jobs and the
CLI is not bound by the policies. SQLite has no row security: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ROLE = 'shebao_scoped'
WALLED = {'persons': 'residence_region'}
TABLE_RIGHTS = 'SELECT, INSERT, UPDATE, DELETE'
SEQUENCE_RIGHTS = 'USAGE, SELECT, UPDATE'
SET = "current_setting('shebao.region_prefix', true)"
"""'^' and the region prefix: a setting without the mark (unset, or '' as a placeholder
reverts to after the transaction that set it) shows nothing."""
POLICIES = (
    ("region_read", "SELECT", "USING ({marked})"),
    ("region_insert", "INSERT", "WITH CHECK ({within})"),
    ("region_update", "UPDATE", "USING ({within} OR {incoming}) WITH CHECK ({within})"),
    ("region_delete", "DELETE", "USING ({within})"),
)
"""Staff read persons of any region (a transfer's destination desk, the desk of an employer's
county: the application decides which) but register, change and remove only their own, and
take in a person whose transfer to their region has its funds on the way."""
INCOMING = ("EXISTS (SELECT 1 FROM transfers t WHERE t.person_id = persons.id "
            "AND t.status = 'funds_moved' AND t.destination_region LIKE substr({set}, 2) || '%')")


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN; "
               "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {TABLE_RIGHTS} ON TABLES "
               f"TO {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {SEQUENCE_RIGHTS} ON "
               f"SEQUENCES TO {ROLE}")
    for table, column in WALLED.items():
        within = f"{SET} LIKE '^%' AND {column} LIKE substr({SET}, 2) || '%'"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for policy, command, clauses in POLICIES:
            op.execute(f"CREATE POLICY {policy} ON {table} FOR {command} TO {ROLE} "
                       + clauses.format(marked=f"{SET} LIKE '^%'", within=within,
                                        incoming=f"{SET} LIKE '^%' AND "
                                                 + INCOMING.format(set=SET)))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in WALLED:
        for policy, _, _ in POLICIES:
            op.execute(f"DROP POLICY {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE {SEQUENCE_RIGHTS} ON "
               f"SEQUENCES FROM {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE {TABLE_RIGHTS} ON TABLES "
               f"FROM {ROLE}")
    op.execute(f"REVOKE {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
