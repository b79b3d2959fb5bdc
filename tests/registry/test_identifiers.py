"""Identity numbers and credit codes: the checks every entry point relies on."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.errors import InputError
from shebao.registry.identifiers import (
    CREDIT_ALPHABET,
    CreditCode,
    ResidentId,
    credit_code_check_char,
    describe,
    make_credit_code,
    make_resident_id,
    mask_credit_code,
    mask_resident_id,
    parse_credit_code,
    parse_resident_id,
    resident_id_check_char,
)
from shebao.registry.regions import all_regions, counties_of

TODAY = date(2026, 11, 27)
WORKED = "11010519491231002X"  # GB 11643-1999 example: S = 167, 167 mod 11 = 2 -> X


def reason(excinfo: pytest.ExceptionInfo[InputError]) -> str:
    return excinfo.value.reason


# --- resident identity numbers ------------------------------------------------------------


def test_worked_example() -> None:
    assert resident_id_check_char(WORKED[:17]) == "X"
    rid = parse_resident_id(WORKED, today=TODAY)
    assert rid == ResidentId(WORKED, "110105", date(1949, 12, 31), "female", False)


def test_weighted_sum_of_worked_example() -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(WORKED[:17], weights, strict=True))
    assert total == 167
    assert total % 11 == 2


def test_lower_case_x_is_normalised() -> None:
    assert parse_resident_id("11010519491231002x", today=TODAY).number == WORKED
    assert parse_resident_id("  11010519491231002x\n", today=TODAY).number == WORKED


def test_15_digit_number_is_upgraded() -> None:
    rid = parse_resident_id("110105491231002", today=TODAY)
    assert rid.number == WORKED
    assert rid.upgraded_from_15 is True
    assert rid.birth_date == date(1949, 12, 31)
    with pytest.raises(InputError) as e:
        parse_resident_id("11010549123100X", today=TODAY)
    assert "digits" in reason(e)


def test_sex_from_sequence_parity() -> None:
    male = make_resident_id("440106", date(1990, 5, 17), 123)
    female = make_resident_id("440106", date(1990, 5, 17), 124)
    assert parse_resident_id(male, today=TODAY).sex == "male"
    assert parse_resident_id(female, today=TODAY).sex == "female"


def test_wrong_check_character() -> None:
    with pytest.raises(InputError) as e:
        parse_resident_id("110105194912310023", today=TODAY)
    assert e.value.field == "identity_number"
    assert reason(e) == "check character should be X, not 3"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1101051949123100", "must be 18 characters, got 16"),
        ("11010519491231002", "must be 18 characters, got 17"),
        ("11010519491231002X1", "must be 18 characters, got 19"),
        ("", "must be 18 characters, got 0"),
    ],
)
def test_wrong_length(value: str, expected: str) -> None:
    with pytest.raises(InputError) as e:
        parse_resident_id(value, today=TODAY)
    assert reason(e).startswith(expected)


def test_bad_characters() -> None:
    with pytest.raises(InputError) as e:
        parse_resident_id("1101051949123100AX", today=TODAY)
    assert "first 17" in reason(e)
    with pytest.raises(InputError) as e:
        parse_resident_id("11010519491231002Y", today=TODAY)
    assert "digit or X" in reason(e)
    with pytest.raises(InputError) as e:
        parse_resident_id(11010519491231002, today=TODAY)  # type: ignore[arg-type]
    assert "string" in reason(e)


def test_impossible_birth_date() -> None:
    first17 = "11010519900230002"
    with pytest.raises(InputError) as e:
        parse_resident_id(first17 + resident_id_check_char(first17), today=TODAY)
    assert reason(e) == "birth date 1990-02-30 does not exist"
    first17 = "11010519901301002"
    with pytest.raises(InputError) as e:
        parse_resident_id(first17 + resident_id_check_char(first17), today=TODAY)
    assert reason(e) == "birth date 1990-13-01 does not exist"


def test_leap_day_birth_date() -> None:
    ok = make_resident_id("440106", date(2000, 2, 29), 1)
    assert parse_resident_id(ok, today=TODAY).birth_date == date(2000, 2, 29)
    first17 = "44010619000229001"  # 1900 is not a leap year
    with pytest.raises(InputError) as e:
        parse_resident_id(first17 + resident_id_check_char(first17), today=TODAY)
    assert reason(e) == "birth date 1900-02-29 does not exist"


def test_future_and_too_old_birth_dates() -> None:
    tomorrow = make_resident_id("440106", date(2026, 11, 28), 1)
    with pytest.raises(InputError) as e:
        parse_resident_id(tomorrow, today=TODAY)
    assert reason(e) == "birth date is in the future"
    assert parse_resident_id(tomorrow, today=date(2026, 11, 28)).birth_date == date(2026, 11, 28)
    first17 = "44010618991231001"
    with pytest.raises(InputError) as e:
        parse_resident_id(first17 + resident_id_check_char(first17), today=TODAY)
    assert reason(e) == "birth date 1899-12-31 is before 1900-01-01"


def test_bad_province_prefix() -> None:
    first17 = "99010519491231002"
    with pytest.raises(InputError) as e:
        parse_resident_id(first17 + resident_id_check_char(first17), today=TODAY)
    assert "province" in reason(e)
    assert "99" in reason(e)


@pytest.mark.parametrize("prefix", ["71", "81", "82"])
def test_taiwan_hong_kong_macao_prefixes_are_accepted(prefix: str) -> None:
    number = make_resident_id(prefix + "0000", date(1980, 1, 1), 11)
    assert parse_resident_id(number, today=TODAY).region_code == prefix + "0000"


def test_old_address_code_not_in_table_is_accepted() -> None:
    number = make_resident_id("510124", date(1970, 6, 1), 21)  # 郫县, retired in 2016
    assert parse_resident_id(number, today=TODAY).region_code == "510124"


def test_custom_field_name() -> None:
    with pytest.raises(InputError) as e:
        parse_resident_id("123", today=TODAY, field="spouse_identity_number")
    assert e.value.field == "spouse_identity_number"


def test_age_on() -> None:
    rid = parse_resident_id(make_resident_id("440106", date(1990, 5, 17), 1), today=TODAY)
    assert rid.age_on(date(2026, 5, 16)) == 35
    assert rid.age_on(date(2026, 5, 17)) == 36
    leap = parse_resident_id(make_resident_id("440106", date(2000, 2, 29), 1), today=TODAY)
    assert leap.age_on(date(2018, 2, 28)) == 17
    assert leap.age_on(date(2018, 3, 1)) == 18
    assert leap.age_on(date(2020, 2, 29)) == 20
    with pytest.raises(InputError):
        rid.age_on(date(1990, 5, 16))


def test_make_resident_id_refuses_bad_input() -> None:
    with pytest.raises(InputError) as e:
        make_resident_id("990000", date(1990, 1, 1), 1)
    assert e.value.field == "region_code"
    with pytest.raises(InputError) as e:
        make_resident_id("44010", date(1990, 1, 1), 1)
    assert e.value.field == "region_code"
    for seq in (-1, 1000, True):
        with pytest.raises(InputError) as e:
            make_resident_id("440106", date(1990, 1, 1), seq)
        assert e.value.field == "sequence"
    with pytest.raises(InputError) as e:
        make_resident_id("440106", date(1899, 12, 31), 1)
    assert e.value.field == "birth_date"


def test_resident_id_check_char_refuses_bad_input() -> None:
    for bad in ("1101051949123100", "1101051949123100A", "110105194912310021"):
        with pytest.raises(InputError):
            resident_id_check_char(bad)


def test_mask_resident_id() -> None:
    assert mask_resident_id(WORKED) == "110105********002X"
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_resident_id("110105491231002") == "110105*****1002"
    assert mask_resident_id("12345") == "*****"


# --- unified social credit codes ----------------------------------------------------------

# Checked by hand. Values: 9 1 4 4 0 1 0 6 M=21 A=10 5 9 A=10 B=11 C=12 D=13 E=14
# times weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
#   9 + 3 + 36 + 108 + 0 + 26 + 0 + 102 + 420 + 290 + 125 + 117 + 80 + 264 + 120 + 390 + 392
#   = 2482; 2482 mod 31 = 2; 31 - 2 = 29 -> alphabet[29] = X.
HAND_CHECKED = "91440106MA59ABCDEX"


def test_hand_checked_credit_code() -> None:
    assert credit_code_check_char(HAND_CHECKED[:17]) == "X"
    cc = parse_credit_code(HAND_CHECKED)
    assert cc == CreditCode(HAND_CHECKED, "9", "1", "440106", "MA59ABCDE")
    assert make_credit_code("440106", "MA59ABCDE") == HAND_CHECKED


def test_credit_alphabet() -> None:
    assert len(CREDIT_ALPHABET) == 31
    assert not set("IOSVZ") & set(CREDIT_ALPHABET)


def test_check_value_31_is_written_as_0() -> None:
    # Find a 17-character body whose weighted sum is a multiple of 31; its check must be "0".
    for n in range(10_000):
        body = f"9144010600{n:07d}"
        if credit_code_check_char(body) == "0":
            break
    else:
        pytest.fail("no body with check 0 found")
    values = [CREDIT_ALPHABET.index(c) for c in body]
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert sum(v * w for v, w in zip(values, weights, strict=True)) % 31 == 0
    assert parse_credit_code(body + "0").code == body + "0"


def test_credit_code_lower_case_is_normalised() -> None:
    assert parse_credit_code(HAND_CHECKED.lower()).code == HAND_CHECKED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91440106MA59ABCDE", "must be 18 characters, got 17"),
        ("91440106MA59ABCDEX1", "must be 18 characters, got 19"),
        ("91440106MA59ABCDIX", "character 'I' at position 17 is not allowed"),
        ("9144A106MA59ABCDEX", "characters 3-8 (administrative division code) must be digits"),
        ("91440106MA59ABCDE1", "check character should be X, not 1"),
    ],
)
def test_bad_credit_codes(value: str, expected: str) -> None:
    with pytest.raises(InputError) as e:
        parse_credit_code(value)
    assert e.value.field == "credit_code"
    assert reason(e).startswith(expected)


def test_make_credit_code_refuses_bad_input() -> None:
    with pytest.raises(InputError) as e:
        make_credit_code("4401", "MA59ABCDE")
    assert e.value.field == "region_code"
    with pytest.raises(InputError) as e:
        make_credit_code("440106", "MA59ABCDI")
    assert e.value.field == "organization_code"
    with pytest.raises(InputError) as e:
        make_credit_code("440106", "MA59ABCDE", registration_authority="Z")
    assert e.value.field == "registration_authority"
    with pytest.raises(InputError) as e:
        make_credit_code("440106", "MA59ABCDE", entity_type="12")
    assert e.value.field == "entity_type"


def test_mask_credit_code() -> None:
    assert mask_credit_code(HAND_CHECKED) == "91440106********EX"


# --- describe -----------------------------------------------------------------------------


def test_describe_identity_number() -> None:
    number = make_resident_id("440106", date(1990, 5, 17), 123)
    d = describe(number, today=TODAY)
    assert d == {
        "kind": "resident_identity_number",
        "number": number,
        "birth_date": "1990-05-17",
        "sex": "male",
        "region_code": "440106",
        "region": {
            "code": "440106",
            "name_zh": "天河区",
            "name_en": "Tianhe District",
            "level": "county",
        },
        "upgraded_from_15": False,
    }
    json.dumps(d)


def test_describe_falls_back_to_province_names() -> None:
    d = describe(WORKED, today=TODAY)
    assert d["region"] == {
        "code": "110000",
        "name_zh": "北京市",
        "name_en": "Beijing",
        "level": "province",
    }
    assert describe("110105491231002", today=TODAY)["upgraded_from_15"] is True
    hk = make_resident_id("810000", date(1980, 1, 1), 11)
    assert describe(hk, today=TODAY)["region"] is None


def test_describe_credit_code() -> None:
    d = describe(HAND_CHECKED.lower())
    assert d == {
        "kind": "unified_social_credit_code",
        "code": HAND_CHECKED,
        "registration_authority": "9",
        "entity_type": "1",
        "region_code": "440106",
        "region": {
            "code": "440106",
            "name_zh": "天河区",
            "name_en": "Tianhe District",
            "level": "county",
        },
        "organization_code": "MA59ABCDE",
    }
    json.dumps(d)


def test_describe_all_digit_credit_code() -> None:
    # An all-digit credit code has the shape of an identity number; it is still recognised.
    for n in range(1000):
        code = make_credit_code("510117", f"{n:09d}")
        if code[-1].isdigit():
            break
    assert describe(code, today=TODAY)["kind"] == "unified_social_credit_code"


def test_describe_errors() -> None:
    with pytest.raises(InputError) as e:
        describe("110105194912310023", today=TODAY)  # digits: identity-number reason
    assert e.value.field == "value"
    assert reason(e) == "check character should be X, not 3"
    with pytest.raises(InputError) as e:
        describe("91440106MA59ABCDE1")  # letters: credit-code reason
    assert reason(e) == "check character should be X, not 1"
    with pytest.raises(InputError) as e:
        describe("12345")
    assert e.value.field == "value"
    assert "got 5 characters" in reason(e)
    with pytest.raises(InputError) as e:
        describe("11010549123100A")
    assert e.value.field == "value"
    with pytest.raises(InputError) as e:
        describe(None)  # type: ignore[arg-type]
    assert e.value.field == "value"


# --- properties ---------------------------------------------------------------------------

COUNTY_CODES = [r.code for r in counties_of("000000")]
REGION_CODES = [r.code for r in all_regions()]
ID_DIGITS = "0123456789"


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, str, date, int]:
    region = draw(st.sampled_from(COUNTY_CODES))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    return make_resident_id(region, born, seq), region, born, seq


@given(resident_ids())
def test_generated_resident_ids_round_trip(case: tuple[str, str, date, int]) -> None:
    number, region, born, seq = case
    rid = parse_resident_id(number, today=TODAY)
    assert rid.number == number
    assert rid.region_code == region
    assert rid.birth_date == born
    assert rid.sex == ("male" if seq % 2 else "female")
    assert rid.upgraded_from_15 is False
    assert parse_resident_id(number.lower(), today=TODAY) == rid


@given(resident_ids(), st.data())
def test_any_single_substitution_breaks_a_resident_id(
    case: tuple[str, str, date, int], data: st.DataObject
) -> None:
    # Weights are all non-zero mod 11 and 11 is prime, so changing one digit always changes
    # S mod 11, and the 11 check characters are distinct: every substitution is caught.
    number = case[0]
    pos = data.draw(st.integers(0, 17))
    allowed = ID_DIGITS + ("X" if pos == 17 else "")
    new = data.draw(st.sampled_from([c for c in allowed if c != number[pos]]))
    changed = number[:pos] + new + number[pos + 1 :]
    with pytest.raises(InputError):
        parse_resident_id(changed, today=TODAY)


@st.composite
def credit_codes(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    region = draw(st.sampled_from(REGION_CODES) | st.text(ID_DIGITS, min_size=6, max_size=6))
    org = draw(st.text(CREDIT_ALPHABET, min_size=9, max_size=9))
    authority = draw(st.sampled_from(CREDIT_ALPHABET))
    entity = draw(st.sampled_from(CREDIT_ALPHABET))
    return make_credit_code(region, org, authority, entity), region, org, authority, entity


@given(credit_codes())
def test_generated_credit_codes_round_trip(case: tuple[str, str, str, str, str]) -> None:
    code, region, org, authority, entity = case
    cc = parse_credit_code(code)
    assert cc == CreditCode(code, authority, entity, region, org)
    assert parse_credit_code(code.lower()) == cc


@given(credit_codes(), st.data())
def test_any_single_substitution_breaks_a_credit_code(
    case: tuple[str, str, str, str, str], data: st.DataObject
) -> None:
    # Weights are all non-zero mod 31 and 31 is prime: every substitution changes the check.
    code = case[0]
    pos = data.draw(st.integers(0, 17))
    allowed = ID_DIGITS if 2 <= pos <= 7 else CREDIT_ALPHABET
    new = data.draw(st.sampled_from([c for c in allowed if c != code[pos]]))
    changed = code[:pos] + new + code[pos + 1 :]
    with pytest.raises(InputError):
        parse_credit_code(changed)


def test_every_substitution_of_the_worked_examples_is_caught() -> None:
    for pos in range(18):
        for new in ID_DIGITS + ("X" if pos == 17 else ""):
            if new != WORKED[pos]:
                with pytest.raises(InputError):
                    parse_resident_id(WORKED[:pos] + new + WORKED[pos + 1 :], today=TODAY)
        allowed = ID_DIGITS if 2 <= pos <= 7 else CREDIT_ALPHABET
        for new in allowed:
            if new != HAND_CHECKED[pos]:
                with pytest.raises(InputError):
                    parse_credit_code(HAND_CHECKED[:pos] + new + HAND_CHECKED[pos + 1 :])
