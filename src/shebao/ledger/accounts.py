"""Ledger account codes: readable, stable strings, and what each kind of account may do.

Every account is named by a code whose first part is its kind and whose last part names its
owner (a province, a person, an employer, a transfer's reference):

    pool:employee_pension:440000    a province's pooled fund for one scheme
    person:pension:17               a person's individual pension account (subsidiary ledger)
    individual:pension:440000       a province's control account for individual pension accounts
    employer:receivable:5           what an employer owes
    settlement:510000               cash a province holds at its banks
    central:adjustment              the central adjustment fund
    fine:payable:510000             fines for fraud a province collected, owed to the treasury

The kind fixes the account's normal side and whether its balance may go negative, so that
two accounts with the same kind always behave the same way (TigerBeetle's account flags
`debits_must_not_exceed_credits` and `credits_must_not_exceed_debits`, kept by kind here).

This module parses codes without touching the database; `service.open_account` also checks that
the person or employer a code names exists.

Individual accounts are a subsidiary ledger (docs/ledger.md): a posting names
`person:<account>:<id>` as before, and the ledger writes the person's line to the sub-ledger
and one aggregated line per account to the control account `individual:<account>:<province>`
of the entry's province. Control accounts are never named in a posting request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from shebao.errors import InputError
from shebao.registry.regions import get_region


class Side(StrEnum):
    debit = "debit"
    credit = "credit"


SCHEMES = (
    "employee_pension",
    "resident_pension",
    "employee_medical",
    "resident_medical",
    "unemployment",
    "work_injury",
    "assistance",
)
"""The schemes a province keeps a pooled fund for."""

PERSONAL_ACCOUNTS = ("pension", "resident_pension", "medical", "personal_pension", "annuity")
"""A person's own accounts, which hold money for them (credit-normal, never negative)."""


@dataclass(frozen=True)
class Kind:
    """What a kind of account is: its normal side and whether it may go below zero."""

    name: str
    normal_side: Side
    allow_negative: bool
    description: str


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("pool", Side.credit, False, "a province's pooled fund for one scheme"),
        Kind("person", Side.credit, False, "a person's individual account (money held for them)"),
        Kind("individual", Side.credit, False, "a province's control account for one kind of "
             "individual account: the sum of the persons' sub-ledger lines posted there"),
        Kind("person_receivable", Side.debit, True, "what a person owes (flexible employment)"),
        Kind("employer_receivable", Side.debit, True, "what an employer owes"),
        Kind("settlement", Side.debit, True, "cash a province receives and pays through banks"),
        Kind("central", Side.credit, False, "the central adjustment fund"),
        Kind("transit", Side.credit, False, "money between the source and the destination of "
             "a transfer; nets to zero when the transfer completes"),
        Kind("fiscal_subsidy", Side.debit, True, "subsidies a province's finance owes the funds"),
        Kind("pensioner_payable", Side.credit, False, "benefits awarded to a person, not yet paid"),
        Kind("tax_payable", Side.credit, False, "income tax withheld in a province, owed to the "
             "tax authority"),
        Kind("annuity_plan", Side.credit, False, "an employer's enterprise annuity plan's own "
             "money: employer shares that did not vest"),
        Kind("pensioner_receivable", Side.debit, True, "benefits paid to a person that were not "
             "due (after a death): an overpayment to recover"),
        Kind("hospital_payable", Side.credit, False, "settled medical claims owed to a hospital"),
        Kind("fine_payable", Side.credit, False, "fines for fraud collected in a province, owed "
             "to the treasury (fines are not the funds' money)"),
    )
}

_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ID = re.compile(r"[1-9][0-9]{0,17}")
MAX_CODE_LENGTH = 96


@dataclass(frozen=True)
class AccountCode:
    """A parsed account code."""

    code: str
    kind: Kind
    region: str | None = None
    person_id: int | None = None
    employer_id: int | None = None

    @property
    def normal_side(self) -> Side:
        return self.kind.normal_side

    @property
    def allow_negative(self) -> bool:
        return self.kind.allow_negative


# -- builders: the one way code elsewhere names an account -----------------------------------


def pool(scheme: str, province: str) -> str:
    return f"pool:{scheme}:{province}"


def person(account: str, person_id: int) -> str:
    return f"person:{account}:{person_id}"


def individual(account: str, province: str) -> str:
    """The control account of `province` for the individual accounts of kind `account`."""
    return f"individual:{account}:{province}"


def person_receivable(person_id: int) -> str:
    return f"person:receivable:{person_id}"


def employer_receivable(employer_id: int) -> str:
    return f"employer:receivable:{employer_id}"


def settlement(province: str) -> str:
    return f"settlement:{province}"


CENTRAL_ADJUSTMENT = "central:adjustment"


def transit(reference: str) -> str:
    return f"transit:{reference}"


def fiscal_subsidy(province: str) -> str:
    return f"fiscal:subsidy:{province}"


def pensioner_payable(person_id: int) -> str:
    return f"pensioner:payable:{person_id}"


def tax_payable(province: str) -> str:
    return f"tax:payable:{province}"


def annuity_plan(employer_id: int) -> str:
    return f"employer:annuity_plan:{employer_id}"


def pensioner_receivable(person_id: int) -> str:
    return f"pensioner:receivable:{person_id}"


def hospital_payable(hospital_id: int) -> str:
    return f"hospital:payable:{hospital_id}"


def fine_payable(province: str) -> str:
    return f"fine:payable:{province}"


# -- parsing ---------------------------------------------------------------------------------


def province(value: object, field: str = "province") -> str:
    """A province code (e.g. 440000), or InputError naming `field`."""
    if not isinstance(value, str):
        raise InputError(field, "must be a province code such as 440000")
    try:
        region = get_region(value)
    except InputError as bad:
        raise InputError(field, bad.reason) from None
    if region.level != "province":
        raise InputError(field, f"{value} is a {region.level}, not a province "
                                f"({value[:2]}0000)")
    return value


def _province(value: str, field: str) -> str:
    try:
        region = get_region(value)
    except InputError as bad:
        raise InputError(field, f"{bad.reason} in the account code") from None
    if region.level != "province":
        raise InputError(field, f"{value} is a {region.level}; funds are kept per province "
                                f"({value[:2]}0000)")
    return value


def _id(value: str, field: str, what: str) -> int:
    if not _ID.fullmatch(value):
        raise InputError(field, f"{what} must be a positive whole number, got {value!r}")
    return int(value)


def parse(code: object, field: str = "account") -> AccountCode:
    """Parse an account code, refusing a malformed one with an InputError naming `field`."""
    if not isinstance(code, str) or not code:
        raise InputError(field, "must be an account code such as pool:employee_pension:440000")
    if len(code) > MAX_CODE_LENGTH:
        raise InputError(field, f"is longer than {MAX_CODE_LENGTH} characters")
    parts = code.split(":")
    head, rest = parts[0], parts[1:]
    match head, rest:
        case "pool", [scheme, province]:
            if scheme not in SCHEMES:
                raise InputError(field, f"unknown scheme {scheme!r}; one of {', '.join(SCHEMES)}")
            return AccountCode(code, KINDS["pool"], region=_province(province, field))
        case "individual", [account, province]:
            if account not in PERSONAL_ACCOUNTS:
                raise InputError(field, f"unknown personal account {account!r}; one of "
                                        f"{', '.join(PERSONAL_ACCOUNTS)}")
            return AccountCode(code, KINDS["individual"], region=_province(province, field))
        case "person", ["receivable", pid]:
            return AccountCode(code, KINDS["person_receivable"],
                               person_id=_id(pid, field, "the person id"))
        case "person", [account, pid]:
            if account not in PERSONAL_ACCOUNTS:
                raise InputError(field, f"unknown personal account {account!r}; one of "
                                        f"{', '.join((*PERSONAL_ACCOUNTS, 'receivable'))}")
            return AccountCode(code, KINDS["person"], person_id=_id(pid, field, "the person id"))
        case "employer", ["receivable", eid]:
            return AccountCode(code, KINDS["employer_receivable"],
                               employer_id=_id(eid, field, "the employer id"))
        case "employer", ["annuity_plan", eid]:
            return AccountCode(code, KINDS["annuity_plan"],
                               employer_id=_id(eid, field, "the employer id"))
        case "fine", ["payable", province]:
            return AccountCode(code, KINDS["fine_payable"], region=_province(province, field))
        case "tax", ["payable", province]:
            return AccountCode(code, KINDS["tax_payable"], region=_province(province, field))
        case "settlement", [province]:
            return AccountCode(code, KINDS["settlement"], region=_province(province, field))
        case "central", ["adjustment"]:
            return AccountCode(code, KINDS["central"])
        case "transit", [reference]:
            if not _REFERENCE.fullmatch(reference):
                raise InputError(field, "a transit reference is 1 to 64 letters, digits, "
                                        "'.', '_' or '-'")
            return AccountCode(code, KINDS["transit"])
        case "fiscal", ["subsidy", province]:
            return AccountCode(code, KINDS["fiscal_subsidy"], region=_province(province, field))
        case "pensioner", ["payable", pid]:
            return AccountCode(code, KINDS["pensioner_payable"],
                               person_id=_id(pid, field, "the person id"))
        case "pensioner", ["receivable", pid]:
            return AccountCode(code, KINDS["pensioner_receivable"],
                               person_id=_id(pid, field, "the person id"))
        case "hospital", ["payable", hid]:
            _id(hid, field, "the hospital id")
            return AccountCode(code, KINDS["hospital_payable"])
    raise InputError(field, f"unknown account code {code!r}; e.g. pool:employee_pension:440000, "
                            "person:pension:<id>, settlement:<province>, central:adjustment")
