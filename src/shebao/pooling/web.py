"""The supervisors' central adjustment page: each posted year (and the 2020 reproduction from
the bundled official figures) as a table and an SVG bar chart of the nets, drawn on the
server (no script, no chart library)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shebao.api.deps import Db, optional_user
from shebao.auth.authz import has_permission
from shebao.auth.models import User
from shebao.pooling import service
from shebao.web.routes import render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]
WIDTH, ROW, LABEL = 640, 18, 70


@dataclass(frozen=True)
class Bar:
    province: str
    net_fen: int
    x: float
    y: int
    width: float


def bars(rows: list[tuple[str, int]]) -> tuple[list[Bar], float, int]:
    """Horizontal bars around a zero line: payers to the right, receivers to the left.
    Returns the bars, the zero line's x and the chart's height."""
    if not rows:
        return [], LABEL, 0
    most = max(abs(net) for _, net in rows) or 1
    half = (WIDTH - LABEL) / 2
    zero = LABEL + half
    drawn = []
    for i, (province, net) in enumerate(sorted(rows, key=lambda r: -r[1])):
        length = abs(net) / most * (half - 4)
        drawn.append(Bar(province, net, zero if net >= 0 else zero - length, i * ROW + 4,
                         length))
    return drawn, zero, len(rows) * ROW + 8


def _chart(rows: list[tuple[str, int]]) -> dict[str, Any]:
    drawn, zero, height = bars(rows)
    return {"bars": drawn, "zero": zero, "height": height, "width": WIDTH, "label": LABEL}


@router.get("/pooling/central-adjustment", response_class=HTMLResponse)
def central_adjustment(request: Request, db: Db, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "pooling.read"):
        return Response("your role does not read the central adjustment", status_code=403)
    posted = []
    for year in service.years(db, user):
        rows = [(p.province, p.remittance_fen, p.allocation_fen, p.net_fen)
                for p in year.provinces]
        posted.append((year, rows, _chart([(r[0], r[3]) for r in rows])))
    found = service.reproduce_2020()
    rows = [(p["region"], p["remittance_fen"], p["allocation_fen"], p["net_fen"])
            for p in found.result["provinces"]]
    reproduction = (found, rows, _chart([(r[0], r[3]) for r in rows]))
    return render(request, "central_adjustment.html", user=user, posted=posted,
                  reproduction=reproduction, published=service.PUBLISHED_2020_NET_FEN)
