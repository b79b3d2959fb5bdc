"""PostgreSQL row-level security by region: a second wall behind the application's scope checks.

The application already answers 404 for a person outside a staff member's region
(`authz`). If a query ever forgot that check, the database itself still refuses: every
transaction of a staff member's request runs as the role `shebao_scoped` (`SET LOCAL ROLE`),
whose policy (migration 0021) shows and accepts only persons residing within the region
prefix set for the transaction (`shebao.region_prefix`, marked "^": the nation's prefix is
empty, and so is a setting left over from an earlier transaction).
With no marked prefix set, the scoped role sees nothing: the wall fails closed. Employers are
not walled: staff reach an employer in another region through the spells of their own
region's persons, and the application decides what they may do there.

Citizens and employers reach persons by other links (their own record, their employees
wherever they live), checked by the application; batch jobs and the CLI run as the database
owner, which policies do not bind. SQLite has no row security: there the application's
checks are the only wall.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from shebao.auth.models import STAFF_ROLES, User
from shebao.registry.regions import scope_prefix

SCOPED_ROLE = "shebao_scoped"
PREFIX_SETTING = "shebao.region_prefix"

_KEY = "row_security_prefix"


def _enter(connection: Any, prefix: str) -> None:
    connection.exec_driver_sql(f"SET LOCAL ROLE {SCOPED_ROLE}")
    connection.execute(text("SELECT set_config(:setting, :prefix, true)"),
                       {"setting": PREFIX_SETTING, "prefix": "^" + prefix})


def wall(db: Session, user: User) -> None:
    """Put the session's transactions, the open one included, behind the user's region."""
    if user.role not in STAFF_ROLES or db.get_bind().dialect.name != "postgresql":
        return
    prefix = scope_prefix(user.region_code)
    db.info[_KEY] = prefix
    if db.in_transaction():
        _enter(db.connection(), prefix)


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, _transaction: Any, connection: Any) -> None:
    prefix = session.info.get(_KEY)
    if prefix is not None:
        _enter(connection, prefix)
