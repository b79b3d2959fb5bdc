"""Transfer routes: apply, follow, the source's approval and funds, the destination's receipt,
resuming an interrupted transfer, the supervisors' overdue list and the benefit place."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.auth.authz import person_for
from shebao.db.engine import transaction
from shebao.transfers import service
from shebao.transfers.schemas import BenefitPlaceOut, TransferIn, TransferOut

router = APIRouter(prefix="/api/v1/transfers", tags=["transfers"])


@router.post("", status_code=201)
def apply(data: TransferIn, user: CurrentUser, db: WriteDb) -> TransferOut:
    """Apply to move the pension and medical records to another province."""
    made = service.apply(db, user, service.ApplicationInput(**data.model_dump()))
    db.commit()
    return TransferOut.of(made)


@router.get("")
def listing(user: CurrentUser, db: Db) -> list[TransferOut]:
    """A citizen's transfers in flight; staff the queue of their region, by due day."""
    return [TransferOut.of(t) for t in service.listing(db, user)]


@router.get("/overdue")
def overdue(user: CurrentUser, db: Db) -> list[TransferOut]:
    """Transfers in flight past the 15-working-day target (supervisors)."""
    return [TransferOut.of(t) for t in service.overdue(db, user)]


@router.get("/benefit-place")
def benefit_place(person_id: int, user: CurrentUser, db: Db) -> BenefitPlaceOut:
    """Where the person's pension would be paid now (hukou and ten-year rules)."""
    person = person_for(db, user, person_id, "transfer.read")
    return BenefitPlaceOut(**service.benefit_place(db, person))


@router.get("/{transfer_id}")
def get(transfer_id: int, user: CurrentUser, db: Db) -> TransferOut:
    return TransferOut.of(service.get(db, user, transfer_id))


@router.post("/{transfer_id}/approve")
def approve(transfer_id: int, user: CurrentUser, db: WriteDb) -> TransferOut:
    """The source computes the amounts from the record and approves (again: no change)."""
    done = service.approve(db, user, transfer_id)
    db.commit()
    return TransferOut.of(done)


@router.post("/{transfer_id}/move-funds")
def move_funds(transfer_id: int, user: CurrentUser, db: WriteDb) -> TransferOut:
    """The source's entry into the transit account (once)."""
    done = service.move_funds(db, user, transfer_id)
    db.commit()
    return TransferOut.of(done)


@router.post("/{transfer_id}/receive")
def receive(transfer_id: int, user: CurrentUser, db: WriteDb) -> TransferOut:
    """The destination's entry out of transit; the record is the destination's (once)."""
    done = service.receive(db, user, transfer_id)
    db.commit()
    return TransferOut.of(done)


@router.post("/{transfer_id}/complete")
def complete(transfer_id: int, request: Request, user: CurrentUser) -> TransferOut:
    """Run an approved transfer's remaining steps, each in its own transaction (safe to
    repeat after an interruption)."""
    url = request.app.state.settings.database_url
    service.complete(url, user, transfer_id)
    with transaction(url) as db:
        return TransferOut.of(service.get(db, user, transfer_id))
