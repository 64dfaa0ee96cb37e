"""``create_app``: the FastAPI application of ``wupian serve`` (an app factory; no module-level state)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from wupian.api import copy_is_fresh, published_copy
from wupian.ops import OpsStore
from wupian.ops.passwords import dummy_hash
from wupian.web import errors
from wupian.web.data import DataSource
from wupian.web.jobs import JobRunner
from wupian.web.security import Context
from wupian.web.settings import WebSettings

STATIC = Path(__file__).with_name("static")
LOG = logging.getLogger("wupian.web")

# No request may leave the machine: the pages load scripts, styles, fonts and images only from this server.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")


def _warm(data: DataSource) -> None:
    from wupian.web.pages import warm

    try:
        warm(data)
    except Exception:  # warming is an optimisation; a failure shows up again (and is logged) on the page itself
        LOG.warning("warming the cockpit cache failed", exc_info=True)


def _import_cases(ops: OpsStore, data: DataSource) -> None:
    """Copy the cases kept in the warehouse (``wupian demo``, ``wupian cases`` before a web app existed) into the
    operational store once; from then on the web app and the CLI both work the operational store's queue."""
    from wupian.ops import OpsCaseStore
    from wupian.web.case_sync import import_warehouse_cases

    try:
        with data.reader() as wh:
            copied = import_warehouse_cases(OpsCaseStore(ops), wh)
        if copied:
            LOG.info("copied %d cases from the warehouse into the operational store", copied)
    except Exception:  # the queue is still served; the log says why the import failed
        LOG.warning("importing the warehouse's cases failed", exc_info=True)


def create_app(settings: WebSettings, *, store: OpsStore | None = None) -> FastAPI:
    """A new app over ``settings.db_path`` and the operational store ``settings.ops_dsn`` (or ``store``)."""
    ops = store or OpsStore.open(settings.ops_dsn)
    dummy_hash()  # an unknown user's login verifies against it: made now, not during the first login
    data = DataSource(settings.db_path)

    def published() -> None:
        data.refresh(force=True)
        threading.Thread(target=_warm, args=(data,), name="wupian-warm", daemon=True).start()

    jobs = JobRunner(settings.db_path, watch_seconds=settings.watch_seconds, on_published=published)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current = published_copy(settings.db_path)
        if current is None or not copy_is_fresh(current.path):
            # nothing published yet, or a copy classified by other rules or another wupian: publish first
            jobs.publish_now()
        else:  # serve the current copy at once (the watcher publishes if the warehouse changed meanwhile)
            published()
        jobs.start()
        _import_cases(ops, data)
        try:
            yield
        finally:
            jobs.stop()
            data.close()
            if store is None:
                ops.close()

    app = FastAPI(title="wupian 五篇", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = Context(settings, ops, data, jobs)
    errors.install(app)

    @app.middleware("http")
    async def headers(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from wupian.web import (
        api_routes,
        cases_api,
        cases_pages,
        coverage_pages,
        desk,
        pages,
        users_api,
        users_pages,
    )

    app.include_router(api_routes.router)
    app.include_router(cases_api.router)
    app.include_router(cases_pages.router)
    app.include_router(users_api.router)
    app.include_router(users_pages.router)
    app.include_router(pages.router)
    app.include_router(coverage_pages.router)
    app.include_router(desk.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
