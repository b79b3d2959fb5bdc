"""Registry request and response shapes; identity numbers leave the server masked."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shebao.registry.identifiers import mask_resident_id, parse_resident_id
from shebao.registry.regions import get_region


def _identity_number(value: str) -> str:
    return parse_resident_id(value).number


def _region_code(value: str) -> str:
    return get_region(value).code


IdentityNumber = Annotated[str, AfterValidator(_identity_number)]
RegionCode = Annotated[str, AfterValidator(_region_code)]


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity_number: IdentityNumber
    name: str = Field(min_length=1, max_length=64)
    hukou_region: RegionCode
    residence_region: RegionCode
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")


class PersonUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64)
    residence_region: RegionCode | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    identity_number_masked: str
    name: str
    sex: str
    birth_date: date
    hukou_region: str
    residence_region: str
    status: str

    @classmethod
    def of(cls, person: object) -> PersonOut:
        data = {k: getattr(person, k) for k in cls.model_fields if k != "identity_number_masked"}
        return cls(
            identity_number_masked=mask_resident_id(person.identity_number),  # type: ignore[attr-defined]
            **data,
        )


class RegionOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None


class IdentifierCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=32)
