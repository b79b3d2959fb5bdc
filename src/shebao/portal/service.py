"""Appeals, complaints, correction requests, notices and a person's data, with their deadlines.

A citizen files online, a clerk at the desk on the citizen's behalf; a clerk of the region of
record decides. Deadlines come from the policy parameters (service.yaml), never from here. A
decision writes a notice to the person; a corrected name, phone or hukou region is changed in
the registry through its own service, so the change leaves its history row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from shebao.auth.authz import may_reach_region, person_for, require
from shebao.auth.models import Role, User
from shebao.contributions import service as contributions
from shebao.db.base import utcnow
from shebao.errors import InputError, from_validation_errors
from shebao.policy import Policy
from shebao.portal.models import (
    CORRECTION_FIELDS,
    KINDS,
    OPEN_APPEAL,
    OUTCOMES,
    SUBJECTS,
    Appeal,
    CorrectionRequest,
    Notice,
)
from shebao.registry import service as registry
from shebao.registry.regions import scope_prefix
from shebao.registry.schemas import PersonOut, PersonUpdate
from shebao.transfers import service as transfers

MIN_TEXT = 10
# Fields a correction changes in the registry itself (PersonUpdate carries them).
APPLIED_FIELDS = ("name", "phone", "hukou_region")
LIST_LIMIT = 200


def response_days(kind: str, on: date) -> int:
    """Days the office has to answer, from the parameters in force on the filing day."""
    return int(Policy.at(on).value(f"service.{kind}_response_days"))


def _text(value: str, field: str) -> str:
    value = value.strip()
    if len(value) < MIN_TEXT:
        raise InputError(field, f"say what happened in {MIN_TEXT} characters or more")
    return value


def _one_of(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise InputError(field, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


# -- appeals and complaints --------------------------------------------------------------------


@dataclass(frozen=True)
class AppealInput:
    person_id: int
    kind: str
    subject: str
    text: str
    subject_ref: str | None = None


def file_appeal(db: Session, user: User, data: AppealInput, today: date | None = None) -> Appeal:
    """An appeal against a decision or a complaint, due within the parameters' days."""
    person = person_for(db, user, data.person_id, "appeal.file")
    today = today or date.today()
    kind = _one_of(data.kind, KINDS, "kind")
    subject = _one_of(data.subject, SUBJECTS, "subject")
    if kind == "appeal" and subject == "other":
        raise InputError("subject", "an appeal contests one decision: say which kind")
    if kind == "appeal" and subject == "assistance":
        # One path per decision: assistance has its own appeal, judged by a second caseworker.
        raise InputError("subject", "an assistance decision is appealed on its case page "
                                    "(/assistance), where a second caseworker decides it")
    appeal = Appeal(
        person_id=person.id, region_code=person.residence_region, kind=kind, subject=subject,
        subject_ref=(data.subject_ref or "").strip() or None, text=_text(data.text, "text"),
        status="submitted", filed_on=today,
        due_on=today + timedelta(days=response_days(kind, today)), filed_by=user.id,
    )
    db.add(appeal)
    db.flush()
    return appeal


def appeal_for(db: Session, user: User, appeal_id: int, permission: str) -> Appeal:
    """The appeal if the user may act on it: its person's own, or in the staff's region."""
    require(user, permission)
    appeal = db.get(Appeal, appeal_id)
    if appeal is not None:
        person_for(db, user, appeal.person_id, "person.read")
        if user.role == Role.citizen or may_reach_region(user, appeal.region_code):
            return appeal
    raise InputError("appeal_id", f"no appeal {appeal_id} within your reach")


def appeals(db: Session, user: User, person_id: int | None = None,
            open_only: bool = False) -> list[Appeal]:
    """A person's appeals, or (staff) the region's, earliest deadline first, open ones first."""
    require(user, "appeal.read")
    query = select(Appeal)
    if user.role == Role.citizen or person_id is not None:
        person = person_for(db, user, person_id or user.person_id or -1, "appeal.read")
        query = query.where(Appeal.person_id == person.id)
    else:
        query = query.where(Appeal.region_code.startswith(scope_prefix(user.region_code)))
    if open_only:
        query = query.where(Appeal.status.in_(OPEN_APPEAL))
    still_open = case((Appeal.status.in_(OPEN_APPEAL), 0), else_=1)
    return list(db.scalars(query.order_by(still_open, Appeal.due_on, Appeal.id).limit(LIST_LIMIT)))


def start_review(db: Session, user: User, appeal_id: int) -> Appeal:
    appeal = appeal_for(db, user, appeal_id, "appeal.decide")
    if appeal.status != "submitted":
        raise InputError("appeal_id", f"is {appeal.status}, not submitted")
    appeal.status = "in_review"
    return appeal


def decide_appeal(db: Session, user: User, appeal_id: int, outcome: str, text: str) -> Appeal:
    """The outcome, by a clerk other than the one who filed it; the person gets a notice."""
    appeal = appeal_for(db, user, appeal_id, "appeal.decide")
    if appeal.status not in OPEN_APPEAL:
        raise InputError("appeal_id", f"is already decided ({appeal.status})")
    if appeal.filed_by == user.id:
        raise InputError("appeal_id", "was filed by you: another clerk decides it")
    appeal.status = _one_of(outcome, OUTCOMES, "outcome")
    appeal.outcome = _text(text, "outcome_text")
    appeal.decided_by, appeal.decided_at = user.id, utcnow()
    _notify(db, appeal.person_id, "notice_appeal_decided", f"#{appeal.id}: {appeal.outcome}")
    return appeal


def is_overdue(appeal: Appeal | CorrectionRequest, today: date | None = None) -> bool:
    return appeal.status in (*OPEN_APPEAL, "submitted") and appeal.due_on < (today or date.today())


# -- corrections ---------------------------------------------------------------------------------


def request_correction(db: Session, user: User, person_id: int, field: str, value: str,
                       reason: str, today: date | None = None) -> CorrectionRequest:
    person = person_for(db, user, person_id, "correction.request")
    today = today or date.today()
    value = value.strip()
    if not value:
        raise InputError("requested_value", "say what the record should say")
    if field in APPLIED_FIELDS:  # the registry's own checks, before anything is stored
        try:
            PersonUpdate.model_validate({field: value})
        except ValidationError as invalid:
            first = from_validation_errors(invalid.errors()).errors[0]
            raise InputError("requested_value", first.reason) from None
    found = CorrectionRequest(
        person_id=person.id, region_code=person.residence_region,
        field=_one_of(field, CORRECTION_FIELDS, "field"), requested_value=value,
        reason=_text(reason, "reason"), status="submitted", filed_on=today,
        due_on=today + timedelta(days=response_days("correction", today)), filed_by=user.id,
    )
    db.add(found)
    db.flush()
    return found


def corrections(db: Session, user: User, person_id: int | None = None,
                open_only: bool = False) -> list[CorrectionRequest]:
    query = select(CorrectionRequest)
    if user.role == Role.citizen or person_id is not None:
        # one person's requests: part of what the platform keeps on them (their data)
        person = person_for(db, user, person_id or user.person_id or -1, "data.export")
        query = query.where(CorrectionRequest.person_id == person.id)
    else:
        require(user, "correction.decide")  # the region's queue
        prefix = scope_prefix(user.region_code)
        query = query.where(CorrectionRequest.region_code.startswith(prefix))
    if open_only:
        query = query.where(CorrectionRequest.status == "submitted")
    return list(db.scalars(query.order_by(CorrectionRequest.due_on, CorrectionRequest.id)
                           .limit(LIST_LIMIT)))


def decide_correction(db: Session, user: User, request_id: int, corrected: bool,
                      response: str) -> CorrectionRequest:
    """Correct (a registry field through the registry's service) or refuse, with a reason."""
    require(user, "correction.decide")
    found = db.get(CorrectionRequest, request_id)
    if found is None or not may_reach_region(user, found.region_code):
        raise InputError("request_id", f"no correction request {request_id} within your reach")
    if found.status != "submitted":
        raise InputError("request_id", f"is already {found.status}")
    found.response = _text(response, "response")
    if corrected and found.field in APPLIED_FIELDS:
        registry.update_person(db, user, found.person_id, PersonUpdate.model_validate(
            {found.field: found.requested_value, "reason": f"correction request {found.id}"}))
    found.status = "corrected" if corrected else "refused"
    found.decided_by, found.decided_at = user.id, utcnow()
    _notify(db, found.person_id, f"notice_correction_{found.status}",
            f"#{found.id}: {found.response}")
    return found


# -- notices and my data -------------------------------------------------------------------------


def _notify(db: Session, person_id: int, topic: str, detail: str) -> None:
    db.add(Notice(person_id=person_id, topic=topic, detail=detail[:2000]))


def notices(db: Session, user: User, person_id: int) -> list[Notice]:
    person = person_for(db, user, person_id, "notice.read")
    return list(db.scalars(select(Notice).where(Notice.person_id == person.id)
                           .order_by(Notice.id.desc()).limit(LIST_LIMIT)))


def mark_read(db: Session, user: User, notice_id: int) -> Notice:
    notice = db.get(Notice, notice_id)
    if notice is None or user.person_id != notice.person_id:
        raise InputError("notice_id", f"no notice {notice_id} of yours")
    notice.read_at = notice.read_at or utcnow()
    return notice


def my_data(db: Session, user: User, person_id: int) -> dict[str, Any]:
    """Everything the platform keeps on the person, for them to read and take away
    (identity number masked, as everywhere)."""
    person = person_for(db, user, person_id, "data.export")
    record = contributions.record(db, user, person.id)
    return {
        "person": PersonOut.of(person).model_dump(mode="json") | {"phone": person.phone},
        "contributions": {
            "contribution_months": record.contribution_months,
            "pension_account_fen": record.pension_account_fen,
            "medical_account_fen": record.medical_account_fen,
            "months": [{"month": m.month, "payer": m.payer, "base_fen": m.base_fen,
                        "amounts_fen": dict(m.amounts), "paid": m.paid} for m in record.months],
        },
        "transfers": [{"id": t.id, "status": t.status, "source": t.source_province,
                       "destination": t.destination_province, "applied_on": str(t.applied_on)}
                      for t in transfers.mine(db, user)] if user.role == Role.citizen else [],
        "appeals": [_row(a, ("id", "kind", "subject", "subject_ref", "status", "filed_on",
                             "due_on", "outcome")) for a in appeals(db, user, person.id)],
        "corrections": [_row(c, ("id", "field", "requested_value", "status", "filed_on",
                                 "due_on", "response"))
                        for c in corrections(db, user, person.id)],
        "notices": [_row(n, ("id", "topic", "detail", "created_at", "read_at"))
                    for n in notices(db, user, person.id)],
    }


def _row(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    values = {n: getattr(row, n) for n in names}
    return {k: v if v is None or isinstance(v, int | str) else str(v) for k, v in values.items()}

