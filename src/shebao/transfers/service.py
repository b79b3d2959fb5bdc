"""Transfers of pension and medical records between provinces (国办发〔2009〕66号).

The flow is applied → approved_at_source → funds_moved → received. Each step is one service
call in one transaction, and each is idempotent: a step already done returns the transfer as
it is, and each ledger entry has a key of its own (`transfer-<id>-source`,
`transfer-<id>-destination`), so running a transfer again after a crash at any point completes
it exactly once (`complete`). Between the two entries the money sits in the named transit
account `transit:<source>-<destination>`, never lost.

The record's months: a paid month belongs first to the province whose bill paid it; a received
transfer moves the months it carried to the destination. The source computes the amounts from
the months it holds: the pooled part is 12% of their bases from 1998 on (so a province passes
on what it received with the record, and the pool money follows the months), the individual
pension and medical accounts move in full as held under the source's control accounts. The
pension award counts every paid month once wherever it was paid (benefits/pension/service.py
`paid_record`), so the months that move are never counted twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shebao.auth.authz import NotFound, may_reach_person, may_reach_region, require
from shebao.auth.models import Role, User
from shebao.benefits.pension.models import PensionAward
from shebao.benefits.pension.service import paid_record
from shebao.calc.service import plain
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.formulas import transfer as formula
from shebao.registry.models import Person
from shebao.registry.regions import get_region, is_within, scope_prefix
from shebao.registry.service import move_record
from shebao.transfers.models import IN_FLIGHT, Transfer

POOL_SCHEME = "employee_pension"
DRAWING = ("payment", "suspended")
"""Award statuses of a person drawing a pension: no transfer once benefits start."""


def province_of(region: str) -> str:
    return region[:2] + "0000"


# -- the record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldMonth:
    """A paid month of the record: where it was paid, where it is held now, its base."""

    paid_in: str
    held_by: str
    base_fen: int


def held_months(db: Session, person_id: int) -> dict[str, HeldMonth]:
    """Every paid employee-pension month and the province holding it after received transfers."""
    record = paid_record(db, person_id)
    held = {m: HeldMonth(p, p, base) for m, (p, base) in record.months.items()}
    received = db.scalars(
        select(Transfer).where(Transfer.person_id == person_id, Transfer.status == "received")
        .order_by(Transfer.received_on, Transfer.id))
    for done in received:
        for month in done.months:
            if month in held:
                held[month] = HeldMonth(held[month].paid_in, done.destination_province,
                                        held[month].base_fen)
    return held


def holder(db: Session, person: Person, held: dict[str, HeldMonth] | None = None) -> str:
    """The province holding the record: of the latest held month, else of the residence."""
    held = held_months(db, person.id) if held is None else held
    if held:
        return held[max(held)].held_by
    return province_of(person.residence_region)


def benefit_place(db: Session, person: Person, held_by: str | None = None,
                  on: dt.date | None = None) -> dict[str, Any]:
    """Where the pension will be paid (hukou and ten-year rules), with the spells it used.

    Spells are runs of consecutive paid months in one province. A province first entered
    outside the hukou province at 50 or more (a man) or 40 or more (a woman) is a temporary
    account and never a benefit place. `held_by` is the record's province (default: now).
    """
    held = held_months(db, person.id)
    snapshot = Policy.at(on or dt.date.today())
    min_years = int(snapshot.value("transfer.benefit_place_min_years"))
    ages = snapshot.value("transfer.temporary_account_age")
    limit = int(ages["men"] if person.sex == "male" else ages["women"])
    hukou = province_of(person.hukou_region)
    first_in: dict[str, str] = {}
    runs: list[list[Any]] = []
    for month in sorted(held):
        paid_in = held[month].paid_in
        first_in.setdefault(paid_in, month)
        if runs and runs[-1][0] == paid_in:
            runs[-1][1] += 1
        else:
            runs.append([paid_in, 1])
    temporary = sorted(
        p for p, month in first_in.items()
        if p != hukou and int(month[:4]) - person.birth_date.year
        - (int(month[5:]) < person.birth_date.month) >= limit)
    spells = [formula.InsuredSpell(p, n, p in temporary) for p, n in runs]
    current = held_by or holder(db, person, held)
    if not spells or spells[-1].province != current:
        spells.append(formula.InsuredSpell(current, 0, current in temporary))
    place = formula.benefit_place(spells, hukou, benefit_place_min_years=min_years)
    return {
        "province": place["province"], "rule": place["rule"], "hukou_province": hukou,
        "held_by": current, "temporary_accounts": temporary,
        "spells": [{"province": s.province, "months": s.months, "temporary": s.temporary}
                   for s in spells],
        "benefit_place_min_years": min_years,
    }


# -- applying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationInput:
    person_id: int
    destination_province: str
    destination_region: str | None = None
    source_province: str | None = None


def _refuse_if_drawing(db: Session, person: Person) -> None:
    award = db.scalar(select(PensionAward).where(PensionAward.person_id == person.id,
                                                 PensionAward.status.in_(DRAWING)))
    if award is not None:
        raise InputError("person_id", f"draws a pension since {award.first_month} (award "
                                      f"{award.id}); records do not move once benefits start")


def _in_flight(db: Session, person_id: int) -> Transfer | None:
    return db.scalar(select(Transfer).where(Transfer.person_id == person_id,
                                            Transfer.status.in_(IN_FLIGHT)))


def apply(db: Session, user: User, data: ApplicationInput, today: dt.date | None = None
          ) -> Transfer:
    """Open a transfer: a citizen online for themself, a clerk at the desk (of the person's
    office or of the place the record moves to).

    Refused: a destination that is not a province, a person drawing a pension, a transfer
    already in flight, a source that holds nothing of the person, the source as destination.
    """
    today = today or dt.date.today()
    require(user, "transfer.apply")
    destination = accounts.province(data.destination_province, "destination_province")
    region = data.destination_region or destination
    try:
        get_region(region)
    except InputError as bad:
        raise InputError("destination_region", bad.reason) from None
    if not is_within(region, destination):
        raise InputError("destination_region", f"{region} is not in {destination}")
    person = db.get(Person, data.person_id)
    # The desk of the new place takes applications for newcomers: staff reach the person, or
    # the region the record moves to.
    if person is None or not (may_reach_person(user, person, db) or (
            user.role != Role.citizen and may_reach_region(user, region))):
        raise NotFound(f"person {data.person_id}")
    if person.status != "active":
        raise InputError("person_id", f"is {person.status}")
    _refuse_if_drawing(db, person)
    flying = _in_flight(db, person.id)
    if flying is not None:
        raise InputError("person_id", f"transfer {flying.id} is already in flight "
                                      f"({flying.status}); one transfer at a time")
    held = held_months(db, person.id)
    source = (accounts.province(data.source_province, "source_province")
              if data.source_province else holder(db, person, held))
    if source == destination:
        raise InputError("destination_province", f"the record is already held in {destination}")
    if not any(h.held_by == source for h in held.values()) and not any(
            ledger.person_balance_in(db, accounts.person(a, person.id), source)
            for a in ("pension", "medical")):
        raise InputError("source_province", f"{source} holds no record of this person")
    days = int(Policy.at(today).value("transfer.service_target_working_days"))
    made = Transfer(
        person_id=person.id, source_province=source, destination_province=destination,
        destination_region=region, channel="online" if user.role == Role.citizen else "desk",
        applied_on=today, due_on=formula.add_working_days(today, days), applied_by=user.id,
        status="applied", months=[], explanation={},
    )
    try:
        with db.begin_nested():
            db.add(made)
            db.flush()
    except IntegrityError:
        # Two applications racing: the partial unique index lets one through.
        raise InputError("person_id", "a transfer is already in flight; one at a time") from None
    return made


# -- reach -----------------------------------------------------------------------------------


def _get(db: Session, user: User, transfer_id: int, permission: str,
         side: str | None = None) -> Transfer:
    """The transfer if the user may act on it: a citizen their own; staff the source side
    (person's office or source province), the destination side (destination region), or
    either to read."""
    require(user, permission)
    found = db.get(Transfer, transfer_id)
    if found is None:
        raise NotFound(f"transfer {transfer_id}")
    person = db.get(Person, found.person_id)
    assert person is not None
    if user.role == Role.citizen:
        if user.person_id != found.person_id:
            raise NotFound(f"transfer {transfer_id}")
        return found
    at_source = may_reach_region(user, found.source_province) or (
        found.status != "received" and may_reach_region(user, person.residence_region))
    at_destination = may_reach_region(user, found.destination_region)
    allowed = {"source": at_source, "destination": at_destination}.get(
        side or "", at_source or at_destination)
    if not allowed:
        raise NotFound(f"transfer {transfer_id}")
    return found


def get(db: Session, user: User, transfer_id: int) -> Transfer:
    return _get(db, user, transfer_id, "transfer.read")


# -- the steps -------------------------------------------------------------------------------


def approve(db: Session, user: User, transfer_id: int, today: dt.date | None = None) -> Transfer:
    """The source computes what moves from the person's own record and approves it."""
    today = today or dt.date.today()
    found = _get(db, user, transfer_id, "transfer.approve", "source")
    if found.status != "applied":
        return found
    person = db.get(Person, found.person_id)
    assert person is not None
    _refuse_if_drawing(db, person)
    held = held_months(db, person.id)
    months = sorted(m for m, h in held.items() if h.held_by == found.source_province)
    snapshot = Policy.at(today)
    used = b.bind(snapshot, {"pool_transfer_rate": "transfer.pool_transfer_rate",
                             "pool_transfer_first_year": "transfer.pool_transfer_first_year"})
    bases = [held[m].base_fen for m in months]
    years = [int(m[:4]) for m in months]
    ones = [1] * len(months)
    pension = ledger.person_balance_in(db, accounts.person("pension", person.id),
                                       found.source_province)
    medical = ledger.person_balance_in(db, accounts.person("medical", person.id),
                                       found.source_province)
    moved = formula.transfer_amounts(bases, ones, years, pension, **used.values)
    found.pool_fen = int(moved["pool"])
    found.pension_account_fen = int(moved["account"])
    found.medical_account_fen = medical
    found.months = months
    found.explanation = plain({
        "steps": formula.explain_transfer(bases, ones, years, pension, **used.values),
        "medical_account": {"step": "Medical account balance moves in full",
                            "result": medical},
        "months_by_province_paid": _count_by(held[m].paid_in for m in months),
        "benefit_place": benefit_place(db, person, found.destination_province, today),
        "parameters": used.explain(),
    })
    found.status, found.approved_on, found.approved_by = "approved_at_source", today, user.id
    db.flush()
    return found


def _count_by(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _parts(found: Transfer) -> list[tuple[str, int]]:
    """(account, amount) of the three moving parts, zero parts left out."""
    parts = [(accounts.person("pension", found.person_id), found.pension_account_fen),
             (accounts.person("medical", found.person_id), found.medical_account_fen),
             (accounts.pool(POOL_SCHEME, found.source_province), found.pool_fen)]
    return [(code, amount) for code, amount in parts if amount]


def _post(db: Session, user: User, found: Transfer, side: str, today: dt.date,
          lines: list[tuple[str, int]]) -> int | None:
    """One side's entry, in that side's province, keyed by the transfer and the side; None
    when nothing moves (an empty record)."""
    if not found.total_fen:
        return None
    province = found.source_province if side == "source" else found.destination_province
    return ledger.post(db, ledger.PostingRequest(
        idempotency_key=f"transfer-{found.id}-{side}", kind="transfer",
        memo=f"transfer {found.id} of person {found.person_id} ({side}): "
             f"{found.source_province} → {found.destination_province}",
        effective_date=today, province=province, lines=lines,
    ), actor_id=user.id).entry_id


def move_funds(db: Session, user: User, transfer_id: int, today: dt.date | None = None
               ) -> Transfer:
    """The source's entry: its individual accounts and pooled part into the transit account."""
    today = today or dt.date.today()
    found = _get(db, user, transfer_id, "transfer.approve", "source")
    if found.status == "applied":
        raise InputError("transfer_id", f"transfer {found.id} is not approved at the source yet")
    if found.status != "approved_at_source":
        return found
    found.source_entry_id = _post(
        db, user, found, "source", today,
        [*_parts(found), (found.transit_account, -found.total_fen)])
    found.status, found.funds_moved_on = "funds_moved", today
    db.flush()
    return found


def receive(db: Session, user: User, transfer_id: int, today: dt.date | None = None) -> Transfer:
    """The destination's entry: out of transit into the person's accounts and its pooled fund;
    the record (its months and office) is now the destination's."""
    today = today or dt.date.today()
    found = _get(db, user, transfer_id, "transfer.receive", "destination")
    if found.status in ("applied", "approved_at_source"):
        raise InputError("transfer_id", f"transfer {found.id}'s funds have not left the source")
    if found.status == "received":
        return found
    destination_pool = accounts.pool(POOL_SCHEME, found.destination_province)
    found.destination_entry_id = _post(
        db, user, found, "destination", today,
        [(found.transit_account, found.total_fen),
         *((destination_pool if code.startswith("pool:") else code, -amount)
           for code, amount in _parts(found))])
    person = db.get(Person, found.person_id)
    assert person is not None
    move_record(db, user, person, found.destination_region, today,
                f"transfer {found.id} received")
    found.status, found.received_on, found.received_by = "received", today, user.id
    db.flush()
    return found


STEPS: dict[str, Callable[[Session, User, int, dt.date | None], Transfer]] = {
    "approved_at_source": move_funds,
    "funds_moved": receive,
}
"""The step that follows each status, once the source has approved."""


def complete(url: str | None, user: User, transfer_id: int, today: dt.date | None = None
             ) -> str:
    """Run an approved transfer's remaining steps, each in its own transaction; safe to run
    again after a crash anywhere (each step is idempotent). Returns the final status."""
    while True:
        with transaction(url, write=True) as db:
            found = _get(db, user, transfer_id, "transfer.read")
            if found.status == "applied":
                raise InputError("transfer_id", f"transfer {found.id} is not approved at the "
                                                "source yet")
            step = STEPS.get(found.status)
            if step is None:
                return found.status
            step(db, user, transfer_id, today)


# -- lists -----------------------------------------------------------------------------------


def _staff_scope(user: User) -> Any:
    """Transfers out of or into the staff member's region, or of persons whose office is in it
    (a province's staff see its whole flow; a district clerk the people of the district)."""
    prefix = scope_prefix(user.region_code)
    return or_(Transfer.source_province.startswith(prefix),
               Transfer.destination_region.startswith(prefix),
               Transfer.person_id.in_(select(Person.id).where(
                   Person.residence_region.startswith(prefix))))


def listing(db: Session, user: User, statuses: tuple[str, ...] = IN_FLIGHT) -> list[Transfer]:
    """A citizen's own transfers; staff the transfers their region takes part in, by due day."""
    require(user, "transfer.read")
    query = select(Transfer).where(Transfer.status.in_(statuses)).order_by(
        Transfer.due_on, Transfer.id)
    if user.role == Role.citizen:
        query = query.where(Transfer.person_id == (user.person_id or -1))
    else:
        query = query.where(_staff_scope(user))
    return list(db.scalars(query))


def mine(db: Session, user: User) -> list[Transfer]:
    if user.person_id is None:
        raise InputError("person_id", "this account is not linked to a person")
    require(user, "transfer.read")
    return list(db.scalars(select(Transfer).where(Transfer.person_id == user.person_id)
                           .order_by(Transfer.id.desc())))


def is_overdue(found: Transfer, today: dt.date | None = None) -> bool:
    """In flight past the service target's due day."""
    return found.status in IN_FLIGHT and found.due_on < (today or dt.date.today())


def overdue(db: Session, user: User, today: dt.date | None = None) -> list[Transfer]:
    """Transfers in flight past their service target, in the supervisor's region."""
    require(user, "transfer.overdue")
    return [t for t in listing(db, user) if is_overdue(t, today)]
