"""The claims pages: a citizen's claims with each medical claim's explanation of benefits, a
hospital's claim upload (CSV) and list, and the clerk's lists of every kind of claim."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb
from shebao.auth.authz import Forbidden, NotFound, has_permission
from shebao.auth.models import Role, User
from shebao.benefits.injury import service as injury
from shebao.benefits.medical import service as medical
from shebao.benefits.medical.models import Hospital
from shebao.benefits.unemployment import service as unemployment
from shebao.errors import InputError, InputErrors
from shebao.policy import Policy
from shebao.web.i18n import MESSAGES
from shebao.web.routes import MaybeUser, render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

_MESSAGES: dict[str, dict[str, str]] = {
    "my_claims": {"zh": "我的待遇与报销", "en": "My claims"},
    "claims": {"zh": "待遇与报销", "en": "Claims"},
    "unemployment_claims": {"zh": "失业保险金", "en": "Unemployment benefit"},
    "injury_claims": {"zh": "工伤保险待遇", "en": "Work-injury benefits"},
    "medical_claims": {"zh": "医疗费用结算", "en": "Medical claims"},
    "no_claims": {"zh": "暂无记录。", "en": "None yet."},
    "claim_no": {"zh": "单据号", "en": "Claim no."},
    "registered_on": {"zh": "失业登记日期", "en": "Registered"},
    "entitlement": {"zh": "领取期限（月）", "en": "Months of benefit"},
    "months_paid": {"zh": "已领月数", "en": "Months paid"},
    "monthly_benefit": {"zh": "月发放（元）", "en": "Monthly benefit (yuan)"},
    "period": {"zh": "领取期间", "en": "Period"},
    "grade": {"zh": "伤残等级", "en": "Disability grade"},
    "kind": {"zh": "类别", "en": "Kind"},
    "one_off": {"zh": "一次性待遇（元）", "en": "One-off (yuan)"},
    "monthly_fund": {"zh": "基金按月支付（元）", "en": "Monthly from the fund (yuan)"},
    "hospital": {"zh": "医疗机构", "en": "Hospital"},
    "discharge": {"zh": "出院/就诊日期", "en": "Discharged / seen"},
    "total": {"zh": "总费用（元）", "en": "Total (yuan)"},
    "fund_share": {"zh": "基本医保（元）", "en": "Basic insurance (yuan)"},
    "ci_share": {"zh": "大病保险（元）", "en": "Critical illness (yuan)"},
    "assistance_share": {"zh": "医疗救助（元）", "en": "Medical assistance (yuan)"},
    "account_share": {"zh": "个人账户（元）", "en": "Medical account (yuan)"},
    "patient_share": {"zh": "个人自付（元）", "en": "You pay (yuan)"},
    "eob": {"zh": "结算明细", "en": "Explanation of benefits"},
    "step": {"zh": "步骤", "en": "Step"},
    "formula": {"zh": "公式", "en": "Formula"},
    "result": {"zh": "结果", "en": "Result"},
    "parameters_used": {"zh": "所用政策参数", "en": "Parameters used"},
    "value": {"zh": "数值", "en": "Value"},
    "reference": {"zh": "依据", "en": "Reference"},
    "items": {"zh": "费用明细", "en": "Items"},
    "item": {"zh": "项目", "en": "Item"},
    "class": {"zh": "类别", "en": "Class"},
    "quantity": {"zh": "数量", "en": "Quantity"},
    "unit_price": {"zh": "单价（元）", "en": "Unit price (yuan)"},
    "upload_claims": {"zh": "上传结算单（CSV）", "en": "Upload claims (CSV)"},
    "upload": {"zh": "上传", "en": "Upload"},
    "csv_format": {"zh": "每行一个收费项目，表头：", "en": "One billed item a line, header:"},
    "upload_rejected": {"zh": "文件未被接收，请改正以下各行：",
                        "en": "The file was not accepted; correct these rows:"},
    "uploaded": {"zh": "已结算的单据：", "en": "Claims settled:"},
    "line": {"zh": "行", "en": "Line"},
    "field": {"zh": "字段", "en": "Field"},
    "reason": {"zh": "原因", "en": "Reason"},
    "person_no": {"zh": "参保人编号", "en": "Person no."},
    "settlement": {"zh": "结算方式", "en": "Settlement"},
}
assert not set(_MESSAGES) & set(MESSAGES), "claims messages must not replace shared ones"
MESSAGES.update(_MESSAGES)


def _hospital_of(db: Session, user: User) -> Hospital | None:
    """The hospital a hospital's account works for, if the account is one."""
    if user.role != Role.employer or user.employer_id is None:
        return None
    return db.scalar(select(Hospital).where(Hospital.employer_id == user.employer_id))


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, db: Db, user: MaybeUser) -> Response:
    """A citizen's own claims; staff see their region's; a hospital its own medical claims."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    context: dict[str, object] = {"user": user}
    hospital = _hospital_of(db, user)
    if hospital is not None:
        return render(request, "claims_hospital.html", hospital=hospital,
                      claims=medical.claims(db, user, hospital_id=hospital.id),
                      header=",".join(medical.CSV_HEADER), **context)
    if has_permission(user, "unemployment.read"):
        context["unemployment"] = [(c, unemployment.summary(c))
                                   for c in unemployment.claims(db, user)]
    if has_permission(user, "injury.read"):
        context["injury"] = [(c, injury.paid_total(c)) for c in injury.claims(db, user)]
    if has_permission(user, "medical.read"):
        context["medical"] = medical.claims(db, user)
    title = "my_claims" if user.role == Role.citizen else "claims"
    return render(request, "claims.html", title=title, **context)


@router.get("/claims/medical/{claim_id}", response_class=HTMLResponse)
def explanation_page(claim_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    """The explanation of benefits of one medical claim: each layer and its rules."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    try:
        claim = medical.claim_for(db, user, claim_id)
    except (NotFound, Forbidden):
        return render(request, "claims_missing.html", status_code=404, user=user)
    hospital = db.get(Hospital, claim.hospital_id)
    names = Policy.at(claim.discharge_date).value("medical_claims.catalogue.item_name")
    return render(request, "claims_eob.html", user=user, claim=claim, hospital=hospital,
                  names=names)


@router.post("/claims/upload", response_class=HTMLResponse)
async def upload(
    request: Request, db: WriteDb, user: MaybeUser,
    file: Annotated[UploadFile, File()], csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """A hospital uploads a CSV of claims from its page; a bad file is listed, not kept."""
    if user is None or csrf_token != getattr(request.state, "csrf_token", None):
        return RedirectResponse("/login", status_code=303)
    hospital = _hospital_of(db, user)
    if hospital is None:
        return RedirectResponse("/", status_code=303)
    errors: list[InputError] = []
    settled = []
    raw = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(raw) > MAX_UPLOAD_BYTES:
            raise InputError("file", f"larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("file", "must be UTF-8 text") from None
        rows, unread = medical.read_csv(text)
        settled = medical.submit(db, user, hospital.id, rows, unread)
        db.commit()
    except InputErrors as bad:
        db.rollback()
        errors = bad.errors
    except InputError as bad:
        db.rollback()
        errors = [bad]
    return render(request, "claims_hospital.html", status_code=422 if errors else 200,
                  user=user, hospital=hospital, errors=errors, settled=settled,
                  claims=medical.claims(db, user, hospital_id=hospital.id),
                  header=",".join(medical.CSV_HEADER))
