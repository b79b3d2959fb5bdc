"""Row-level security on PostgreSQL: a second wall that holds even when a query forgets the
application's region check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from shebao.auth.models import User
from shebao.auth.row_security import wall
from shebao.db.engine import get_engine, get_sessionmaker, transaction
from shebao.db.models import Base
from shebao.registry.models import Person
from tests.helpers import bearer, two_counties

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only (SQLite has no row security), emptied for each test."""
    url = request.getfixturevalue("postgres_database")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return url


@pytest.fixture
def world(database_url: str):  # type: ignore[no-untyped-def]
    return two_counties(database_url)


def _user(url: str, username: str) -> User:
    with transaction(url) as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        db.expunge(user)
        return user


def test_a_query_without_the_region_check_sees_only_the_region(database_url: str,
                                                                  world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    with get_sessionmaker(database_url)() as db:
        wall(db, clerk)
        # no application filter at all: the database's policy is what holds
        seen = set(db.scalars(select(Person.id)))
        assert seen == {world.jinjiang_person}
        # the wall lasts beyond this transaction's end, for the session's next ones
        db.commit()
        assert set(db.scalars(select(Person.id))) == {world.jinjiang_person}
    province = _user(database_url, "supervisor-sichuan")
    with transaction(database_url) as db:
        wall(db, province)
        assert set(db.scalars(select(Person.id))) == {world.jinjiang_person, world.wuhou_person}


def test_a_write_outside_the_region_is_refused_by_the_database(database_url: str,
                                                                 world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    with transaction(database_url) as db:
        wall(db, clerk)
        moved = db.execute(text("UPDATE persons SET name = 'x' WHERE id = :id"),
                           {"id": world.wuhou_person})
        assert moved.rowcount == 0  # invisible, so untouched


def test_the_wall_fails_closed_without_a_region(database_url: str, world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    with get_sessionmaker(database_url)() as db:
        wall(db, clerk)
        assert db.scalars(select(Person.id)).all() == [world.jinjiang_person]
        db.commit()  # the connection's setting reverts to '' (a placeholder stays defined)
        db.info.clear()
        db.execute(text("SET LOCAL ROLE shebao_scoped"))
        assert db.scalars(select(Person.id)).all() == []


def test_requests_of_staff_run_behind_the_wall(client: TestClient, database_url: str,
                                               world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    assert client.get(f"/api/v1/persons/{world.jinjiang_person}", headers=clerk).status_code \
        == 200
    assert client.get(f"/api/v1/persons/{world.wuhou_person}", headers=clerk).status_code == 404
    listed = client.get("/api/v1/persons", headers=clerk).json()
    assert [p["id"] for p in listed] == [world.jinjiang_person]
