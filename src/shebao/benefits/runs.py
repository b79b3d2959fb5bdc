"""What every monthly benefit run checks before it pays anything."""

from __future__ import annotations

from datetime import date

from shebao.auth.authz import may_reach_region, require
from shebao.auth.models import User
from shebao.errors import InputError
from shebao.policy import bindings as b
from shebao.policy.formulas.periods import parse_month
from shebao.registry.regions import get_region


def check_month_run(user: User, permission: str, province: str, month: str) -> int:
    """The month's number, once `user` may pay `province`'s claims for a month that has begun."""
    require(user, permission)
    if get_region(province).level != "province":
        raise InputError("province", "name a province: each province's fund pays its claims")
    if not may_reach_region(user, province):
        raise InputError("province", "is outside the region your account serves")
    number = parse_month(month)
    if b.month_start(number) > date.today():
        raise InputError("month", "a month is paid when it has begun, not before")
    return number
