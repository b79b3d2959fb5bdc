"""Test data built through shebao's own services, and sign-in helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi.testclient import TestClient

from shebao.auth.service import create_user
from shebao.db.engine import transaction
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Employer, Person

PASSWORD = "correct horse battery"


def add_person(
    url: str, name: str, county: str, birth: date, sequence: int, hukou: str | None = None
) -> int:
    """A person living in `county`, with their hukou there too unless `hukou` says otherwise."""
    with transaction(url) as db:
        sex = "male" if sequence % 2 else "female"
        person = Person(
            identity_number=make_resident_id(hukou or county, birth, sequence), name=name,
            sex=sex, birth_date=birth, hukou_region=hukou or county, residence_region=county,
        )
        db.add(person)
        db.flush()
        return person.id


def add_employer(url: str, credit_code: str, county: str, **fields: object) -> int:
    with transaction(url) as db:
        employer = Employer(
            credit_code=credit_code, region_code=county,
            **{"name": "测试单位", "industry": "教育", "injury_class": 1, "size": "small",
               **fields},
        )
        db.add(employer)
        db.flush()
        return employer.id


def add_user(url: str, username: str, role: str, region: str, **links: int) -> None:
    with transaction(url) as db:
        create_user(db, username=username, password=PASSWORD, role=role, region_code=region,
                    **links)


def bearer(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass(frozen=True)
class TwoCounties:
    """Two Chengdu districts: Jinjiang (510104) and Wuhou (510107), a person in each."""

    jinjiang_person: int
    wuhou_person: int


def two_counties(url: str) -> TwoCounties:
    world = TwoCounties(
        jinjiang_person=add_person(url, "刘淑芬", "510104", date(1962, 7, 21), 22),
        wuhou_person=add_person(url, "张伟", "510107", date(1980, 1, 5), 31),
    )
    add_user(url, "clerk-jinjiang", "clerk", "510104")
    add_user(url, "supervisor-sichuan", "supervisor", "510000")
    add_user(url, "analyst", "analyst", "000000")
    add_user(url, "citizen-liu", "citizen", "510104", person_id=world.jinjiang_person)
    return world
