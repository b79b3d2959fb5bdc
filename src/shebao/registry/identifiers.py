"""Resident identity numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

Every entry point (web forms, APIs, file uploads, the CLI) checks identifiers here, so a person
or employer is refused in the same words everywhere and stored numbers are always normalised
(18 characters, upper case). Errors are `InputError`s naming the field and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from shebao.errors import InputError
from shebao.registry import regions

RESIDENT_ID_LENGTH = 18

# --- resident identity number -------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # check character for r = S mod 11 = 0..10 (ISO 7064 MOD 11-2)
_EARLIEST_BIRTH = date(1900, 1, 1)
_CARD_ONLY_PROVINCES = frozenset({"71", "81", "82"})  # Taiwan, Hong Kong, Macao
_DIGITS = "0123456789"


@dataclass(frozen=True)
class ResidentId:
    """A parsed, normalised 18-character resident identity number."""

    number: str
    region_code: str
    birth_date: date
    sex: Literal["male", "female"]
    upgraded_from_15: bool

    def age_on(self, d: date) -> int:
        """Completed years on `d`; a 29 February birthday counts from 1 March in common years."""
        if d < self.birth_date:
            raise InputError("date", f"{d.isoformat()} is before the birth date")
        before_birthday = (d.month, d.day) < (self.birth_date.month, self.birth_date.day)
        return d.year - self.birth_date.year - before_birthday


def _is_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_check_char(first17: str) -> str:
    """The MOD 11-2 check character ("0".."9" or "X") for the first 17 digits."""
    if not isinstance(first17, str) or len(first17) != 17 or not _is_digits(first17):
        raise InputError("identity_number", "the first 17 characters must be 17 digits")
    return _id_check_char(first17)


def _province_prefixes() -> frozenset[str]:
    return frozenset(p.code[:2] for p in regions.provinces()) | _CARD_ONLY_PROVINCES


def _normalise(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputError(field, f"must be a string, got {type(value).__name__}")
    return value.strip().upper()


def parse_resident_id(
    value: str, *, today: date | None = None, field: str = "identity_number"
) -> ResidentId:
    """Validate and normalise an identity number; a 15-digit old number is upgraded to 18.

    `today` bounds the birth date (defaults to the system date; pass it for reproducible checks).
    """
    number = _normalise(value, field)
    upgraded = False
    if len(number) == 15:
        if not _is_digits(number):
            raise InputError(field, "an old 15-character number must be all digits")
        first17 = number[:6] + "19" + number[6:]
        number = first17 + _id_check_char(first17)
        upgraded = True
    elif len(number) != RESIDENT_ID_LENGTH:
        raise InputError(
            field,
            f"must be 18 characters, got {len(number)} (old 15-digit numbers are also accepted)",
        )
    first17, check = number[:17], number[17]
    if not _is_digits(first17):
        raise InputError(field, "the first 17 characters must be digits")
    if check not in _DIGITS + "X":
        raise InputError(field, f"the last character must be a digit or X, not {check}")

    address = number[:6]
    if address[:2] not in _province_prefixes():
        raise InputError(
            field, f"address code {address} does not start with a province code ({address[:2]})"
        )

    y, m, d = number[6:10], number[10:12], number[12:14]
    try:
        birth = date(int(y), int(m), int(d))
    except ValueError:
        raise InputError(field, f"birth date {y}-{m}-{d} does not exist") from None
    if birth > (today or date.today()):
        raise InputError(field, "birth date is in the future")
    if birth < _EARLIEST_BIRTH:
        raise InputError(field, f"birth date {birth.isoformat()} is before 1900-01-01")

    expected = _id_check_char(first17)
    if check != expected:
        raise InputError(field, f"check character should be {expected}, not {check}")

    sex: Literal["male", "female"] = "male" if int(number[14:17]) % 2 else "female"
    return ResidentId(number, address, birth, sex, upgraded)


def make_resident_id(region_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid 18-character number, for generators of synthetic people.

    `sequence` 0..999 sets sex (odd male, even female). Future birth dates are not refused here
    (there is no "today"), but `parse_resident_id` will refuse them.
    """
    if (
        not isinstance(region_code, str)
        or len(region_code) != 6
        or not _is_digits(region_code)
        or region_code[:2] not in _province_prefixes()
    ):
        raise InputError(
            "region_code", f"must be 6 digits starting with a province code, got {region_code!r}"
        )
    if not isinstance(birth_date, date) or birth_date < _EARLIEST_BIRTH or birth_date.year > 9999:
        raise InputError("birth_date", "must be a date on or after 1900-01-01")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 999:
        raise InputError("sequence", f"must be an integer 0..999, got {sequence!r}")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + _id_check_char(first17)


def mask_resident_id(number: str) -> str:
    """Keep the first 6 and last 4 characters for display (110105********002X)."""
    s = _normalise(number, "identity_number")
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


# --- unified social credit code -----------------------------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class CreditCode:
    """A parsed, normalised 18-character unified social credit code."""

    code: str
    registration_authority: str
    entity_type: str
    region_code: str
    organization_code: str


def _credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]  # 31 is written as 0


def _bad_credit_char(s: str) -> str | None:
    for i, c in enumerate(s, start=1):
        if c not in _CREDIT_VALUE:
            return f"character {c!r} at position {i} is not allowed (I, O, S, V, Z are never used)"
    return None


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    s = _normalise(first17, "credit_code")
    if len(s) != 17:
        raise InputError("credit_code", f"the first 17 characters are needed, got {len(s)}")
    if (reason := _bad_credit_char(s)) is not None:
        raise InputError("credit_code", reason)
    return _credit_check_char(s)


def parse_credit_code(value: str, *, field: str = "credit_code") -> CreditCode:
    """Validate and normalise a unified social credit code (lower case is accepted)."""
    code = _normalise(value, field)
    if len(code) != 18:
        raise InputError(field, f"must be 18 characters, got {len(code)}")
    if (reason := _bad_credit_char(code)) is not None:
        raise InputError(field, reason)
    if not _is_digits(code[2:8]):
        raise InputError(
            field, f"characters 3-8 (administrative division code) must be digits, got {code[2:8]}"
        )
    expected = _credit_check_char(code[:17])
    if code[17] != expected:
        raise InputError(field, f"check character should be {expected}, not {code[17]}")
    return CreditCode(code, code[0], code[1], code[2:8], code[8:17])


def make_credit_code(
    region_code: str,
    organization_code: str,
    registration_authority: str = "9",
    entity_type: str = "1",
) -> str:
    """Build a valid credit code (defaults: "9" market regulator, "1" enterprise).

    The organization code's own GB 11714 check digit (its 9th character) is not enforced, here or
    in `parse_credit_code`: the GB 32100 check character already guards the whole code against
    typing errors, and synthetic generators need not know GB 11714.
    """
    if not isinstance(region_code, str) or len(region_code) != 6 or not _is_digits(region_code):
        raise InputError("region_code", f"must be 6 digits, got {region_code!r}")
    org = _normalise(organization_code, "organization_code")
    if len(org) != 9 or _bad_credit_char(org) is not None:
        raise InputError("organization_code", "must be 9 characters of the credit-code alphabet")
    parts = {"registration_authority": registration_authority, "entity_type": entity_type}
    for name, part in parts.items():
        if not isinstance(part, str) or len(part) != 1 or part.upper() not in _CREDIT_VALUE:
            raise InputError(name, "must be one character of the credit-code alphabet")
    first17 = registration_authority.upper() + entity_type.upper() + region_code + org
    return first17 + _credit_check_char(first17)


def mask_credit_code(code: str) -> str:
    """Keep authority, entity type and region (first 8) and the last 2 characters."""
    s = _normalise(code, "credit_code")
    if len(s) <= 10:
        return "*" * len(s)
    return s[:8] + "*" * (len(s) - 10) + s[-2:]


# --- either ---------------------------------------------------------------------------------


def _region_dict(code: str) -> dict[str, str] | None:
    """Names for a region code: the exact region if known, else its province, else None."""
    for candidate in (code, code[:2] + "0000"):
        if regions.is_region(candidate):
            r = regions.get_region(candidate)
            return {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.level}
    return None


def describe(value: str, *, today: date | None = None) -> dict[str, Any]:
    """Decide by shape whether `value` is an identity number or a credit code; return JSON-able.

    An 18-character value whose first 17 characters are digits is tried as an identity number
    first; if it fails both, the identity-number reason is reported (a mistyped check character
    is far likelier than a credit code of digits). Anything else reports the credit-code reason.
    """
    s = _normalise(value, "value")
    looks_like_id = len(s) == 15 or (len(s) == 18 and _is_digits(s[:17]))
    if looks_like_id:
        try:
            rid = parse_resident_id(s, today=today, field="value")
        except InputError as id_error:
            if len(s) != 18:
                raise
            try:
                return _describe_credit(parse_credit_code(s, field="value"))
            except InputError:
                raise id_error from None
        return {
            "kind": "resident_identity_number",
            "number": rid.number,
            "birth_date": rid.birth_date.isoformat(),
            "sex": rid.sex,
            "region_code": rid.region_code,
            "region": _region_dict(rid.region_code),
            "upgraded_from_15": rid.upgraded_from_15,
        }
    if len(s) != 18:
        raise InputError(
            "value",
            "must be an 18-character identity number or credit code"
            f" (or a 15-digit old identity number), got {len(s)} characters",
        )
    return _describe_credit(parse_credit_code(s, field="value"))


def _describe_credit(cc: CreditCode) -> dict[str, Any]:
    return {
        "kind": "unified_social_credit_code",
        "code": cc.code,
        "registration_authority": cc.registration_authority,
        "entity_type": cc.entity_type,
        "region_code": cc.region_code,
        "region": _region_dict(cc.region_code),
        "organization_code": cc.organization_code,
    }
