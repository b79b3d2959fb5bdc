"""PostgreSQL row-level security by region: a second wall behind the application's scope checks.

The application refuses (404) a staff member's change to a person outside their region. If a
code path ever forgot that check, the database itself still refuses: every transaction of a
staff member's request runs as the role `shebao_scoped` (`SET LOCAL ROLE`), whose policies
(migration 0021) let it register, change and remove only persons residing within the region
prefix set for the transaction (`shebao.region_prefix`, marked "^": the nation's prefix is
empty, and so is a setting left over from an earlier transaction), and take in a person whose
transfer to that region has its funds on the way. Reading is not walled by
region — cross-region service is the platform's purpose: the destination desk of a transfer
reads the newcomer's record, the desk of an employer's county the employees living elsewhere,
and the application decides which — but with no marked prefix the scoped role reads nothing:
the wall fails closed.

Citizens' and employers' requests, batch jobs and the CLI run as the database owner, which
policies do not bind; the application checks those. SQLite has no row security: there the
application's checks are the only wall.
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


_ENTER = text("SELECT set_config('role', :role, true), set_config(:setting, :prefix, true)")


def _enter(connection: Any, prefix: str) -> None:
    """SET LOCAL ROLE and the region prefix in one round trip."""
    connection.execute(_ENTER, {"role": SCOPED_ROLE, "setting": PREFIX_SETTING,
                                "prefix": "^" + prefix})


def wall(db: Session, user: User) -> None:
    """Put the session's transactions, the open one included, behind the user's region."""
    if user.role not in STAFF_ROLES or db.get_bind().dialect.name != "postgresql":
        return
    prefix = scope_prefix(user.region_code)
    db.info[_KEY] = prefix
    if db.in_transaction():
        _enter(db.connection(), prefix)


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, transaction: Any, connection: Any) -> None:
    # A savepoint begins too, inside a transaction that already stands behind the wall.
    prefix = session.info.get(_KEY)
    if prefix is not None and not transaction.nested:
        _enter(connection, prefix)
