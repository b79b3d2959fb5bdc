"""Personal data sealed at rest: nothing in clear in the database, found by its blind index,
opened only with the key it was sealed with and only in the column it was sealed for."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from shebao.db.engine import get_engine, transaction
from shebao.registry import sealed
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Person
from tests.helpers import bearer, two_counties

NUMBER = make_resident_id("510104", date(1962, 7, 21), 22)  # the world's Jinjiang person
PHONE = "13800000000"


@pytest.fixture
def world(database_url: str):  # type: ignore[no-untyped-def]
    return two_counties(database_url)


def _raw_rows(url: str, table: str) -> str:
    with get_engine(url).connect() as connection:
        return repr(connection.execute(text(f"SELECT * FROM {table}")).all())


def test_the_database_holds_no_identity_number_or_phone_in_clear(
    client: TestClient, database_url: str, world
) -> None:
    changed = client.patch(f"/api/v1/persons/{world.jinjiang_person}",
                           json={"phone": PHONE, "name": "刘淑芳"},
                           headers=bearer(client, "clerk-jinjiang"))
    assert changed.status_code == 200
    client.patch(f"/api/v1/persons/{world.jinjiang_person}", json={"phone": "13900000000"},
                 headers=bearer(client, "clerk-jinjiang"))
    for table in ("persons", "person_changes", "audit_entries"):
        stored = _raw_rows(database_url, table)
        assert NUMBER not in stored and NUMBER[6:14] not in stored, table
        assert PHONE not in stored, table
    # ... while the application reads them in clear, and the history still tells the change.
    with transaction(database_url) as db:
        person = db.get_one(Person, world.jinjiang_person)
        assert (person.identity_number, person.phone) == (NUMBER, "13900000000")
        assert person.identity_number_masked == NUMBER[:6] + "********" + NUMBER[-4:]
    history = client.get(f"/api/v1/persons/{world.jinjiang_person}/history",
                         headers=bearer(client, "clerk-jinjiang")).json()
    assert [(h["field"], h["old_value"], h["new_value"]) for h in history
            if h["field"] == "phone"] == [("phone", None, PHONE), ("phone", PHONE, "13900000000")]


def test_lookups_go_through_the_blind_index(database_url: str, world) -> None:
    with transaction(database_url) as db:
        assert db.scalar(select(Person.id).where(Person.identity_number == NUMBER)) \
            == world.jinjiang_person
        assert db.scalar(select(Person.id).where(Person.identity_number == NUMBER.lower())) \
            == world.jinjiang_person  # a lower-case check character is the same number
        found = db.execute(select(Person.identity_number, Person.id)
                           .where(Person.identity_number.in_([NUMBER, "110105194912310021"])))
        assert found.all() == [(NUMBER, world.jinjiang_person)]
        assert db.scalars(select(Person.id).where(Person.identity_number.endswith(NUMBER[-4:])))\
            .all() == [world.jinjiang_person]
        with pytest.raises(TypeError, match="sealed"):
            Person.identity_number.startswith("5101")


def test_the_desk_finds_a_person_by_full_number_or_last_four(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    for query in (NUMBER, NUMBER[-4:], "刘"):
        found = client.get("/api/v1/persons", params={"q": query}, headers=clerk)
        assert [p["id"] for p in found.json()] == [world.jinjiang_person], query
    # a longer fragment of the number is not searchable: it is not stored in clear anywhere
    assert client.get("/api/v1/persons", params={"q": NUMBER[-8:]}, headers=clerk).json() == []


def test_a_value_opens_only_with_its_key_and_in_its_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = sealed.seal(NUMBER, "persons.identity_number")
    assert sealed.unseal(stored, "persons.identity_number") == NUMBER
    assert stored != sealed.seal(NUMBER, "persons.identity_number")  # a fresh nonce each time
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidTag)
        sealed.unseal(stored, "persons.phone")  # moved to another column: refused
    index = sealed.blind_index(NUMBER)
    monkeypatch.setenv(sealed.KEY_ENV, sealed.new_key_text())
    sealed.data_key.cache_clear()
    try:
        with pytest.raises(sealed.DataKeyError, match="sealed with data key"):
            sealed.unseal(stored, "persons.identity_number")
        assert sealed.blind_index(NUMBER) != index  # the index is keyed too
    finally:
        monkeypatch.undo()
        sealed.data_key.cache_clear()


def test_a_malformed_key_is_refused_with_its_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sealed.KEY_ENV, "dG9vLXNob3J0")  # base64 of 9 bytes
    sealed.data_key.cache_clear()
    try:
        with pytest.raises(sealed.DataKeyError, match="SHEBAO_DATA_KEY: the data key must be 32"):
            sealed.data_key()
    finally:
        monkeypatch.undo()
        sealed.data_key.cache_clear()


def test_a_demo_key_file_is_made_once_and_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv(sealed.KEY_ENV)
    monkeypatch.setenv("SHEBAO_DATA_DIR", str(tmp_path))
    from shebao.config import get_settings

    get_settings.cache_clear()
    sealed.data_key.cache_clear()
    try:
        first = sealed.data_key().key_id
        path = tmp_path / "data.key"
        assert path.stat().st_mode & 0o777 == 0o600
        sealed.data_key.cache_clear()
        assert sealed.data_key().key_id == first  # read back, not made again
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        sealed.data_key.cache_clear()
