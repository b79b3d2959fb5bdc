"""The application factory: API routers, pages, static files and error handling."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from shebao import __version__
from shebao.analytics.web import router as analytics_pages
from shebao.api.errors import install_error_handlers
from shebao.assistance.api import router as assistance_router
from shebao.assistance.web import router as assistance_pages
from shebao.auth.api import router as accounts_router
from shebao.benefits.injury.api import router as injury_router
from shebao.benefits.medical.api import router as medical_router
from shebao.benefits.medical.pages import router as claims_pages
from shebao.benefits.pension.api import router as pension_router
from shebao.benefits.pension.web import router as pension_pages
from shebao.benefits.unemployment.api import router as unemployment_router
from shebao.calc.api import router as calc_router
from shebao.config import Settings, get_settings
from shebao.contributions.api import router as contributions_router
from shebao.contributions.web import router as employer_pages
from shebao.desk.web import router as desk_pages
from shebao.ledger.api import router as ledger_router
from shebao.pooling.api import router as pooling_router
from shebao.pooling.web import router as pooling_pages
from shebao.portal.api import router as portal_router
from shebao.portal.web import router as portal_pages
from shebao.projection.api import router as projection_router
from shebao.projection.web import router as projection_pages
from shebao.registry.api import router as registry_router
from shebao.relief.api import router as relief_router
from shebao.supervision.api import cases_router as supervision_router
from shebao.supervision.api import router as audit_router
from shebao.supervision.web import router as supervision_pages
from shebao.supplementary.api import router as supplementary_router
from shebao.transfers.api import router as transfers_router
from shebao.transfers.web import router as transfer_pages
from shebao.web.routes import router as web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="shebao",
        version=__version__,
        description="A national social security system: registry, contributions, benefits, "
        "transfers, pooling, assistance, supervision and planning.",
    )
    app.state.settings = settings or get_settings()
    install_error_handlers(app)

    @app.get("/health", tags=["system"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in (
        accounts_router, registry_router, calc_router, ledger_router, contributions_router,
        supplementary_router, transfers_router, pooling_router,
        pension_router,
        unemployment_router, injury_router, medical_router, assistance_router,
        audit_router, supervision_router, projection_router, relief_router, portal_router,
    ):
        app.include_router(router)
    app.include_router(web_router)
    app.include_router(pension_pages)
    app.include_router(claims_pages)
    app.include_router(supervision_pages)
    app.include_router(transfer_pages)
    app.include_router(pooling_pages)
    app.include_router(assistance_pages)
    app.include_router(projection_pages)
    app.include_router(portal_pages)
    app.include_router(desk_pages)
    app.include_router(employer_pages)
    app.include_router(analytics_pages)
    app.mount("/static", StaticFiles(directory=str(files("shebao.web") / "static")), "static")
    return app
