"""The JSON contract of `shebao calc RULE` and `POST /api/v1/calc/RULE`.

Money is integer fen, months are `YYYY-MM`, regions are GB/T 2260 codes. Every result carries
an `explanation`: the steps, and the parameters used with their legal references.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.regions import get_region


def _month(value: str) -> str:
    return format_month(parse_month(value))


Month = Annotated[str, AfterValidator(_month), Field(examples=["2025-07"])]
Fen = Annotated[int, Field(ge=0, le=10**15)]
Scenario = Annotated[str | None, Field(default=None, pattern=r"^[a-z0-9-]+$")]


def _known_region(code: str) -> str:
    return get_region(code).code


def _province(code: str) -> str:
    region = get_region(code)
    if region.level != "province":
        raise ValueError(f"{code} is not a province-level code (like 440000)")
    return region.code


RegionCode = Annotated[str, AfterValidator(_known_region)]
ProvinceCode = Annotated[str, AfterValidator(_province)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: The input whose date chose the rules in force: named when no rule was in force then.
    date_field: ClassVar[str] = "date"

    scenario: Scenario = None


class Explanation(BaseModel):
    steps: list[dict[str, Any]]
    parameters: list[dict[str, Any]]


class Result(BaseModel):
    explanation: Explanation


class RetirementRequest(Request):
    date_field: ClassVar[str] = "birth_month"

    birth_month: Month
    sex: Literal["male", "female"]
    original_age: Literal[60, 55, 50]

    @model_validator(mode="after")
    def _age_fits_sex(self) -> RetirementRequest:
        if (self.sex == "male") != (self.original_age == 60):
            raise ValueError("original_age: men retire from 60; women from 55 or 50")
        return self


class RetirementResult(Result):
    statutory_age_months: int
    retirement_month: str
    min_contribution_months: int


class PensionRequest(Request):
    date_field: ClassVar[str] = "retirement_month"

    region: RegionCode
    retirement_month: Month
    age_months: int = Field(ge=40 * 12, le=70 * 12)
    contribution_months: int = Field(ge=0, le=70 * 12)
    deemed_months: int = Field(default=0, ge=0, le=70 * 12)
    contribution_index: float = Field(gt=0, le=3)
    account_balance_fen: Fen
    base_wage_fen: Fen | None = None
    transitional_coefficient: float | None = Field(default=None, gt=0, lt=0.1)


class PensionResult(Result):
    basic_fen: int
    account_fen: int
    transitional_fen: int
    total_fen: int
    divisor: float


class ContributionRequest(Request):
    date_field: ClassVar[str] = "month"

    region: RegionCode
    month: Month
    wage_fen: Fen
    category: Literal["employee", "flexible"]
    injury_class: int = Field(default=1, ge=1, le=8)
    enterprise_size: Literal["micro", "small", "medium", "large"] = "small"
    public_body: bool = False
    average_wage_fen: Fen | None = None


class ContributionLine(BaseModel):
    scheme: str
    payer: Literal["employer", "employee", "person"]
    destination: Literal["pooled_fund", "individual_account"]
    rate: float
    relief_factor: float
    amount_fen: int


class ContributionResult(Result):
    base_fen: int
    employer_total_fen: int
    employee_total_fen: int
    lines: list[ContributionLine]


class UnemploymentRequest(Request):
    date_field: ClassVar[str] = "month"

    region: RegionCode
    month: Month
    contribution_months: int = Field(ge=0, le=80 * 12)
    previously_drawn_months: int = Field(default=0, ge=0, le=24)
    previous_entitlement_months: int | None = Field(default=None, ge=0, le=24)

    @model_validator(mode="after")
    def _drawn_within_entitlement(self) -> UnemploymentRequest:
        if (
            self.previous_entitlement_months is not None
            and self.previously_drawn_months > self.previous_entitlement_months
        ):
            raise ValueError("previously_drawn_months: more than the previous entitlement")
        return self


class UnemploymentResult(Result):
    eligible: bool
    max_months: int
    monthly_fen: int


class DibaoRequest(Request):
    """One household's dibao means test: monthly income and assets as the caseworker holds
    them (declared, or after cross-checks)."""

    date_field: ClassVar[str] = "month"

    region: RegionCode
    month: Month
    area: Literal["urban", "rural"]
    household_income_fen: Fen
    household_size: int = Field(ge=1, le=30)
    deposits_fen: Fen = 0
    vehicles: int = Field(default=0, ge=0, le=100)
    properties: int = Field(default=1, ge=0, le=100)


class DibaoResult(Result):
    eligible: bool
    top_up_fen: int
    near_dibao: bool
    asset_disqualified: bool
    standard_fen: int


class InjuryRequest(Request):
    date_field: ClassVar[str] = "month"

    grade: int = Field(ge=1, le=10)
    own_wage_fen: Fen
    average_wage_fen: Fen = Field(gt=0)
    region: RegionCode | None = None
    month: Month | None = None


class InjuryResult(Result):
    own_wage_fen: int
    one_off_subsidy_fen: int
    monthly_allowance_fen: int


class TransferYear(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1950, le=2100)
    months: int = Field(ge=0, le=12)
    base_fen: Fen


class TransferRequest(Request):
    history: list[TransferYear] = Field(min_length=1, max_length=100)
    account_balance_fen: Fen
    date: dt.date | None = Field(default=None, description="YYYY-MM-DD; default today")


class TransferResult(Result):
    pooled_fen: int
    account_fen: int
    contribution_months: int


class ProvinceFigures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: ProvinceCode
    average_wage_fen: Fen
    insured_employees: int = Field(ge=0)
    retirees: int = Field(ge=0)


class CentralAdjustmentRequest(Request):
    date_field: ClassVar[str] = "year"

    year: int = Field(ge=2018, le=2100)
    rate: float | None = Field(default=None, gt=0, lt=0.2)
    provinces: list[ProvinceFigures] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _each_province_once(self) -> CentralAdjustmentRequest:
        codes = [p.region for p in self.provinces]
        if len(set(codes)) != len(codes):
            raise ValueError("provinces: each province may appear once")
        return self


class ProvinceAdjustment(BaseModel):
    region: str
    remittance_fen: int
    allocation_fen: int
    net_fen: int


class CentralAdjustmentResult(Result):
    per_retiree_fen: float
    fund_fen: int
    provinces: list[ProvinceAdjustment]
