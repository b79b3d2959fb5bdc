"""Registry endpoints: persons and regions."""

from __future__ import annotations

from fastapi import APIRouter, Query

from shebao.api.deps import CurrentUser, Db
from shebao.registry import service
from shebao.registry.identifiers import describe
from shebao.registry.regions import children, get_region, provinces
from shebao.registry.schemas import (
    IdentifierCheck,
    PersonCreate,
    PersonOut,
    PersonUpdate,
    RegionOut,
)

router = APIRouter(prefix="/api/v1", tags=["registry"])


@router.post("/persons", status_code=201)
def register_person(data: PersonCreate, user: CurrentUser, db: Db) -> PersonOut:
    person = service.register_person(db, user, data)
    db.commit()
    return PersonOut.of(person)


@router.get("/persons")
def search_persons(
    user: CurrentUser, db: Db, q: str | None = Query(default=None, max_length=64)
) -> list[PersonOut]:
    return [PersonOut.of(p) for p in service.search_persons(db, user, q)]


@router.get("/persons/{person_id}")
def get_person(person_id: int, user: CurrentUser, db: Db) -> PersonOut:
    return PersonOut.of(service.get_person(db, user, person_id))


@router.patch("/persons/{person_id}")
def update_person(person_id: int, data: PersonUpdate, user: CurrentUser, db: Db) -> PersonOut:
    person = service.update_person(db, user, person_id, data)
    db.commit()
    return PersonOut.of(person)


def _region_out(code: str) -> RegionOut:
    region = get_region(code)
    return RegionOut(
        code=region.code,
        name_zh=region.name_zh,
        name_en=region.name_en,
        level=region.level,
        parent_code=region.parent_code,
    )


@router.get("/regions")
def list_provinces() -> list[RegionOut]:
    return [_region_out(r.code) for r in provinces()]


@router.get("/regions/{code}")
def region(code: str) -> RegionOut:
    return _region_out(code)


@router.get("/regions/{code}/children")
def region_children(code: str) -> list[RegionOut]:
    get_region(code)
    return [_region_out(r.code) for r in children(code)]


@router.post("/identifiers/check")
def check_identifier(data: IdentifierCheck) -> dict[str, object]:
    """Decode an identity number or credit code, or say why it is refused (in a body, not a URL,
    so that the number stays out of access logs)."""
    return describe(data.value)
