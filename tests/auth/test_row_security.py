"""Row-level security on PostgreSQL: a second wall that holds even when a statement forgets
the application's region check."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text
from sqlalchemy.exc import ProgrammingError

from shebao.auth.models import User
from shebao.auth.row_security import wall
from shebao.db.engine import get_sessionmaker, transaction
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Person
from tests.conftest import emptied
from tests.helpers import bearer, two_counties

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only (SQLite has no row security), emptied for each test."""
    return emptied(request.getfixturevalue("postgres_database"))


@pytest.fixture
def world(database_url: str):  # type: ignore[no-untyped-def]
    return two_counties(database_url)


def _user(url: str, username: str) -> User:
    with transaction(url) as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        db.expunge(user)
        return user


def _name(url: str, person_id: int) -> str:
    with transaction(url) as db:
        return db.get_one(Person, person_id).name


def test_a_change_outside_the_region_is_refused_by_the_database(database_url: str,
                                                                 world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    before = _name(database_url, world.wuhou_person)
    with get_sessionmaker(database_url)() as db:
        wall(db, clerk)
        # no application filter at all: the database's policy is what holds
        for person_id in (world.jinjiang_person, world.wuhou_person):
            db.execute(text("UPDATE persons SET name = '改' WHERE id = :id"), {"id": person_id})
        assert db.execute(text("DELETE FROM persons WHERE id = :id"),
                          {"id": world.wuhou_person}).rowcount == 0
        db.commit()  # the wall lasts beyond a transaction: the session's next one is walled too
        assert db.execute(text("UPDATE persons SET name = '再改' WHERE id = :id"),
                          {"id": world.wuhou_person}).rowcount == 0
        db.commit()
    assert _name(database_url, world.jinjiang_person) == "改"  # own county: changed
    assert _name(database_url, world.wuhou_person) == before  # the other county: untouched


def test_the_wall_holds_in_savepoints_entered_once_a_transaction(database_url: str,
                                                                  world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    entered: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "set_config('role'" in statement:
            entered.append(statement)

    with get_sessionmaker(database_url)() as db:
        engine = db.get_bind()  # the session's own engine, whatever the engine cache holds
        event.listen(engine, "before_cursor_execute", count)
        try:
            wall(db, clerk)
            db.commit()
            for release in (True, False):
                savepoint = db.begin_nested()
                assert db.scalar(text("SELECT current_user")) == "shebao_scoped"
                assert db.execute(text("UPDATE persons SET name = '改' WHERE id = :id"),
                                  {"id": world.wuhou_person}).rowcount == 0
                savepoint.commit() if release else savepoint.rollback()
                assert db.scalar(text("SELECT current_user")) == "shebao_scoped"
            db.rollback()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(entered) == 1  # the transaction's begin; the savepoints do not enter again


def test_registering_a_person_in_another_region_is_refused(database_url: str, world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    with get_sessionmaker(database_url)() as db:
        wall(db, clerk)
        db.add(Person(identity_number=make_resident_id("510107", date(1990, 1, 1), 5),
                      name="外区", sex="male", birth_date=date(1990, 1, 1),
                      hukou_region="510107", residence_region="510107"))
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.flush()


def test_reads_cross_regions_but_not_without_a_region(database_url: str, world) -> None:
    clerk = _user(database_url, "clerk-jinjiang")
    with get_sessionmaker(database_url)() as db:
        wall(db, clerk)
        assert set(db.scalars(select(Person.id))) == {world.jinjiang_person,
                                                      world.wuhou_person}
        db.commit()  # the connection's setting reverts to '' (a placeholder stays defined)
        db.info.clear()
        db.execute(text("SET LOCAL ROLE shebao_scoped"))
        assert db.scalars(select(Person.id)).all() == []


def test_requests_of_staff_run_behind_the_wall(client: TestClient, database_url: str,
                                               world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    role = client.get(f"/api/v1/persons/{world.jinjiang_person}", headers=clerk)
    assert role.status_code == 200
    assert client.get(f"/api/v1/persons/{world.wuhou_person}", headers=clerk).status_code == 404
    changed = client.patch(f"/api/v1/persons/{world.jinjiang_person}", json={"name": "刘淑芳"},
                           headers=clerk)
    assert changed.status_code == 200 and changed.json()["name"] == "刘淑芳"
