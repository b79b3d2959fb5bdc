"""The analysts' page: the last report's indicators and charts (`shebao analytics report`)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shebao.analytics.report import last_report_path, sections
from shebao.api.deps import optional_user
from shebao.auth.authz import has_permission
from shebao.auth.models import User
from shebao.web.routes import render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "projection.run"):  # the analysts' and supervisors' permission
        return RedirectResponse("/", status_code=303)
    path = last_report_path(request.app.state.settings)
    if not path.is_file():
        return render(request, "analytics.html", user=user, sections=None)
    found = json.loads(path.read_text(encoding="utf-8"))
    return render(request, "analytics.html", user=user, found=found, sections=sections(found))
