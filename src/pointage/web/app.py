"""`create_app(settings)`: the one place the web application is assembled.

Nothing connects to a database at import time; the engine is made here and disposed of when
the application stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy import text

from pointage import __version__
from pointage.auth import views as auth_views
from pointage.auth import views_admin as admin_views
from pointage.dashboard import views as dashboard_views
from pointage.db.session import make_engine, make_session_factory
from pointage.jobs.scheduler import CaptureScheduler
from pointage.jobs.status import StatusProbeJob
from pointage.jobs.status_notifications import StatusNotificationJob
from pointage.jobs.webhooks import WebhookDispatcher
from pointage.payment import api as payment_api
from pointage.payment import views as payment_views
from pointage.payment import views_detail as payment_detail_views
from pointage.payment.v4 import api as v4_api
from pointage.reconciliation import api_manual as reconciliation_manual_api
from pointage.reconciliation import api_runs as reconciliation_runs_api
from pointage.reconciliation import views as reconciliation_views
from pointage.reconciliation.engine_settings import engine_settings
from pointage.remittance import api as remittance_api
from pointage.remittance import views as remittance_views
from pointage.report import api as report_api
from pointage.report import api_export as export_api
from pointage.report import views as report_views
from pointage.settings import Settings
from pointage.shop import views as shop_views
from pointage.statement import api as statement_api
from pointage.statement import views as statement_views
from pointage.status import admin_views as status_admin_views
from pointage.status import api as status_api
from pointage.status import public_views as status_public_views
from pointage.status import statuspage_api
from pointage.status import subscribe_views as status_subscribe_views
from pointage.web import errors, idempotency, openapi, pages, route_index
from pointage.web.body_limit import PageBodyLimit
from pointage.web.deps import DbSession
from pointage.web.session import SessionMiddleware
from pointage.webhook import api as webhook_api
from pointage.webhook import views as webhook_views
from pointage.webhook.transport import HttpxTransport

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = None
        if settings.scheduler_enabled:
            # The daily capture batches, at each contract's cut-off (pointage.jobs.scheduler).
            interval = settings.scheduler_interval_seconds
            scheduler = CaptureScheduler(
                app.state.session_factory,
                interval,
                engine_settings=engine_settings(settings),
                reports=settings,
            )
            scheduler.start()
        dispatcher = _webhook_dispatcher(app, settings) if settings.scheduler_enabled else None
        probes = None
        if settings.scheduler_enabled:
            # The status page's probes, every status_probe_seconds (pointage.jobs.status).
            probes = StatusProbeJob(app.state.session_factory, settings, app)
            probes.start()
        app.state.status_probe_job = probes
        notifications = None
        if settings.scheduler_enabled:
            # The status page's e-mails and webhooks to its subscribers, sent within seconds
            # of the change that queued them (pointage.jobs.status_notifications).
            notifications = StatusNotificationJob(
                app.state.session_factory, settings, app.state.webhook_transport
            )
            notifications.start()
        try:
            yield
        finally:
            if probes is not None:
                await probes.stop()
            if notifications is not None:
                await notifications.stop()
            if scheduler is not None:
                await scheduler.stop()
            if dispatcher is not None:
                await dispatcher.stop()
            if getattr(app.state, "webhook_transport_owned", False):
                app.state.webhook_transport.close()
            engine.dispose()

    # FastAPI's own /docs page loads Swagger UI from a CDN; this variant serves the files.
    app = FastAPIOffline(
        title="Pointage",
        version=__version__,
        description="Payment reconciliation back office: transactions, remittances, statements.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    errors.install(app)
    pages.install(app)  # after errors: the back office's errors as pages
    idempotency.install(app)
    # Inside the session's middleware: the 413 page is drawn in the visitor's language.
    app.add_middleware(PageBodyLimit, largest_file_bytes=settings.statement_max_bytes)
    app.add_middleware(SessionMiddleware, settings=settings)
    app.include_router(payment_api.router)
    app.include_router(v4_api.router)
    app.include_router(remittance_api.router)
    app.include_router(statement_api.router)
    app.include_router(reconciliation_runs_api.router)
    app.include_router(reconciliation_manual_api.router)
    app.include_router(report_api.router)
    app.include_router(export_api.router)
    app.include_router(webhook_api.router)
    app.include_router(status_api.router)
    # The public status page: its JSON, page, feeds and subscriptions.
    app.include_router(statuspage_api.router)
    app.include_router(status_public_views.router)
    app.include_router(status_subscribe_views.router)
    # The back office: its pages, and the stylesheet, script and icon they use.
    app.include_router(auth_views.router)
    app.include_router(dashboard_views.router)
    app.include_router(payment_views.router)
    app.include_router(payment_detail_views.router)
    app.include_router(remittance_views.router)
    app.include_router(statement_views.router)
    app.include_router(reconciliation_views.router)
    app.include_router(report_views.router)
    app.include_router(shop_views.router)
    app.include_router(admin_views.router)
    app.include_router(webhook_views.router)
    app.include_router(status_admin_views.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    openapi.install(app)

    @app.get("/health", tags=["service"], summary="Health")
    def health(session: DbSession) -> dict[str, str]:
        """Liveness and database reachability."""
        session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    # Last: the index covers every route above (and any added later).
    route_index.install(app.router)
    return app


def _webhook_dispatcher(app: FastAPI, settings: Settings) -> WebhookDispatcher:
    """The webhook deliveries, sent within about a second of their change's commit
    (pointage.jobs.webhooks), through the application's transport (one made here unless a
    test put its own)."""
    if getattr(app.state, "webhook_transport", None) is None:
        app.state.webhook_transport = HttpxTransport()
        app.state.webhook_transport_owned = True
    dispatcher = WebhookDispatcher(app.state.session_factory, settings, app.state.webhook_transport)
    dispatcher.start()
    return dispatcher
