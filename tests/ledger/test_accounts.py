"""Account codes: what each kind is, and refusals that name the field."""

from __future__ import annotations

import pytest

from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger.accounts import Side


@pytest.mark.parametrize(
    ("code", "kind", "side", "negative"),
    [
        (accounts.pool("employee_pension", "440000"), "pool", Side.credit, False),
        (accounts.person("pension", 7), "person", Side.credit, False),
        (accounts.person("medical", 7), "person", Side.credit, False),
        (accounts.person("personal_pension", 7), "person", Side.credit, False),
        (accounts.person("annuity", 7), "person", Side.credit, False),
        (accounts.person_receivable(7), "person_receivable", Side.debit, True),
        (accounts.employer_receivable(3), "employer_receivable", Side.debit, True),
        (accounts.settlement("510000"), "settlement", Side.debit, True),
        (accounts.CENTRAL_ADJUSTMENT, "central", Side.credit, False),
        (accounts.transit("T-2025-0001"), "transit", Side.credit, False),
        (accounts.fiscal_subsidy("510000"), "fiscal_subsidy", Side.debit, True),
        (accounts.pensioner_payable(7), "pensioner_payable", Side.credit, False),
        (accounts.pensioner_receivable(7), "pensioner_receivable", Side.debit, True),
        (accounts.hospital_payable(4), "hospital_payable", Side.credit, False),
    ],
)
def test_each_kind_has_its_side_and_negative_rule(
    code: str, kind: str, side: Side, negative: bool
) -> None:
    parsed = accounts.parse(code)
    assert (parsed.kind.name, parsed.normal_side, parsed.allow_negative) == (kind, side, negative)


def test_codes_name_their_owner() -> None:
    assert accounts.parse("person:pension:17").person_id == 17
    assert accounts.parse("employer:receivable:5").employer_id == 5
    assert accounts.parse("pool:assistance:510000").region == "510000"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "account code"),
        ("pool:pension:440000", "unknown scheme"),
        ("pool:employee_pension:440100", "is a city"),
        ("pool:employee_pension:999999", "unknown region"),
        ("pool:employee_pension:44", "6 digits"),
        ("person:pension:0", "positive whole number"),
        ("person:pension:abc", "positive whole number"),
        ("person:savings:1", "unknown personal account"),
        ("settlement:510104", "is a county"),
        ("central:pool", "unknown account code"),
        ("transit:", "transit reference"),
        ("transit:has space", "transit reference"),
        ("bank:440000", "unknown account code"),
        ("pool:employee_pension:440000:x", "unknown account code"),
        ("x" * 200, "longer than"),
    ],
)
def test_malformed_codes_are_refused(code: str, reason: str) -> None:
    with pytest.raises(InputError) as refused:
        accounts.parse(code, "lines.0.account")
    assert refused.value.field == "lines.0.account"
    assert reason in refused.value.reason


def test_non_text_is_refused() -> None:
    with pytest.raises(InputError, match="account"):
        accounts.parse(42)
