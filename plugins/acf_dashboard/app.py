"""The dashboard's FastAPI app: HTML pages, paginated JSON, media streaming, Prometheus metrics.

Mounted by the plugin at ``/acf`` in Airflow's API server. Every route except
``/static`` requires Airflow authentication (see :mod:`acf_dashboard.auth`).
Data comes from :mod:`acf.analytics.dashboard` over a read-only connection to
the factory database; media come from the object store by id (never by path).
"""
from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response, \
    StreamingResponse
from fastapi.staticfiles import StaticFiles

from acf import settings
from acf.analytics import dashboard, exporter
from acf_dashboard import auth, render, security

STATIC_DIR = Path(__file__).with_name("static")
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

Connect = Callable[[], AbstractContextManager]


@contextmanager
def factory_db() -> Iterator[Any]:
    """A read-only connection to the factory database through the acf_postgres Connection."""
    from hooks.factory_db import FactoryDbHook

    conn = FactoryDbHook().get_conn()
    try:
        conn.read_only = True
        yield conn
    finally:
        conn.rollback()
        conn.close()


def factory_object_root() -> Any:
    from hooks.object_store import object_root

    return object_root()


def create_app(
    connect: Connect = factory_db,
    object_root: Callable[[], Any] = factory_object_root,
    scrape_token: Callable[[], str | None] | None = None,
) -> FastAPI:
    """Build the app; ``connect`` and ``object_root`` say where data and media come from."""
    access = auth.airflow_access()
    scrape_token = scrape_token or auth.ScrapeToken()
    app = FastAPI(title="Content Factory dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    router = APIRouter(dependencies=[Depends(access)])

    def prefix(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def is_simulated(conn) -> bool:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM acf.metrics WHERE simulated)").fetchone()[0])

    def key_ages(conn) -> list:
        from airflow.utils.session import create_session

        with create_session() as session:
            return security.key_ages(conn, session, settings.load().key_max_age_days)

    def html(request: Request, slug: str, title: str, body: Callable[[Any], str]) -> HTMLResponse:
        with connect() as conn:
            content = body(conn)
            simulated = is_simulated(conn)
            warning = render.key_warning(prefix(request), key_ages(conn), settings.load().key_max_age_days)
        return HTMLResponse(render.layout(prefix(request), slug, title, warning + content, simulated))

    def read(what: str) -> list:
        """Dashboard data reads go to Airflow's audit log (acf.read.<what>, with the user and time)."""
        return [Depends(auth.audit(f"read.{what}"))]

    admin_only = [Depends(auth.require_audit_access())]

    page_q = Query(1, ge=1, description="1-based page number")
    per_page_q = Query(dashboard.DEFAULT_PER_PAGE, ge=1, le=dashboard.MAX_PER_PAGE)
    status_q = Query(None, pattern="^(open|skipped|in_production|produced)$")
    days_q = Query(30, ge=1, le=366)

    @router.get("/", include_in_schema=False)
    def index(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{prefix(request)}/trends", status_code=303)

    # -- JSON ---------------------------------------------------------------
    @router.get("/api/trends", dependencies=read("api.trends"))
    def api_trends(page: int = page_q, per_page: int = per_page_q) -> JSONResponse:
        with connect() as conn:
            return JSONResponse(dashboard.trends(conn, page, per_page).as_json())

    @router.get("/api/opportunities", dependencies=read("api.opportunities"))
    def api_opportunities(page: int = page_q, per_page: int = per_page_q, status: str | None = status_q):
        with connect() as conn:
            return JSONResponse(dashboard.opportunities(conn, page, per_page, status).as_json())

    @router.get("/api/content", dependencies=read("api.content"))
    def api_content(page: int = page_q, per_page: int = per_page_q) -> JSONResponse:
        with connect() as conn:
            return JSONResponse(dashboard.content(conn, page, per_page).as_json())

    @router.get("/api/performance", dependencies=read("api.performance"))
    def api_performance(days: int = days_q) -> JSONResponse:
        with connect() as conn:
            return JSONResponse(dashboard.performance(conn, days))

    @router.get("/api/costs", dependencies=read("api.costs"))
    def api_costs(page: int = page_q, per_page: int = per_page_q, days: int = days_q) -> JSONResponse:
        with connect() as conn:
            return JSONResponse(dashboard.costs(conn, page, per_page, days))

    # -- HTML ---------------------------------------------------------------
    @router.get("/trends", response_class=HTMLResponse, dependencies=read("trends"))
    def trends_html(request: Request, page: int = page_q, per_page: int = per_page_q):
        return html(request, "trends", "Trends", lambda conn: render.trends_page(
            prefix(request), dashboard.trends(conn, page, per_page).as_json()))

    @router.get("/opportunities", response_class=HTMLResponse, dependencies=read("opportunities"))
    def opportunities_html(request: Request, page: int = page_q, per_page: int = per_page_q,
                           status: str | None = status_q):
        return html(request, "opportunities", "Opportunities", lambda conn: render.opportunities_page(
            prefix(request), dashboard.opportunities(conn, page, per_page, status).as_json(), status))

    @router.get("/content", response_class=HTMLResponse, dependencies=read("content"))
    def content_html(request: Request, page: int = page_q, per_page: int = per_page_q):
        return html(request, "content", "Content", lambda conn: render.content_page(
            prefix(request), dashboard.content(conn, page, per_page).as_json()))

    @router.get("/performance", response_class=HTMLResponse, dependencies=read("performance"))
    def performance_html(request: Request, days: int = days_q):
        return html(request, "performance", "Performance", lambda conn: render.performance_page(
            prefix(request), dashboard.performance(conn, days)))

    @router.get("/costs", response_class=HTMLResponse, dependencies=read("costs"))
    def costs_html(request: Request, page: int = page_q, per_page: int = per_page_q, days: int = days_q):
        return html(request, "costs", "Costs", lambda conn: render.costs_page(
            prefix(request), dashboard.costs(conn, page, per_page, days)))

    # -- security: the factory's audit trail and key ages (who may read Airflow's audit log) ---------
    @router.get("/api/audit", dependencies=admin_only + read("api.audit"))
    def api_audit(page: int = page_q, per_page: int = per_page_q) -> JSONResponse:
        from airflow.utils.session import create_session

        with create_session() as session:
            return JSONResponse(security.audit_trail(session, page, per_page))

    @router.get("/api/keys", dependencies=admin_only + read("api.keys"))
    def api_keys() -> JSONResponse:
        with connect() as conn:
            ages = key_ages(conn)
        return JSONResponse({"max_age_days": settings.load().key_max_age_days,
                             "items": [a.as_json() for a in ages]})

    @router.get("/security", response_class=HTMLResponse, dependencies=admin_only + read("security"))
    def security_html(request: Request, page: int = page_q, per_page: int = per_page_q):
        from airflow.utils.session import create_session

        with create_session() as session:
            trail = security.audit_trail(session, page, per_page)
        return html(request, "security", "Security", lambda conn: render.security_page(
            prefix(request), key_ages(conn), trail, settings.load().key_max_age_days))

    # -- media --------------------------------------------------------------
    @router.get("/media/{kind}/{object_id}")
    def media(request: Request, kind: str, object_id: str) -> Response:
        if kind not in ("asset", "rendition"):
            raise HTTPException(404, "unknown media kind")
        with connect() as conn:
            found = dashboard.media_object(conn, kind, object_id)
        if found is None:
            raise HTTPException(404, f"no {kind} {object_id}")
        return stream_object(object_root(), found["object_key"], request.headers.get("range"))

    app.include_router(router)

    # -- Prometheus (Airflow auth, or the scrape token) -----------------------
    async def metrics_access(request: Request) -> None:
        if auth.matches_scrape_token(request, scrape_token()):
            return
        await auth.check_airflow_token(request)

    @app.get("/metrics", dependencies=[Depends(metrics_access)])
    def metrics() -> PlainTextResponse:
        with connect() as conn:
            text = exporter.factory_metrics(conn) + security.key_age_metrics(key_ages(conn))
            return PlainTextResponse(text, media_type=exporter.CONTENT_TYPE)

    @app.exception_handler(HTTPException)
    async def refusal_page(request: Request, exc: HTTPException):
        if exc.status_code in (401, 403) and "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(
                f"<!doctype html><title>Sign in</title><p>{render.esc(exc.detail)}. "
                '<a href="/">Sign in to Airflow</a>, then open Content Factory from its menu.</p>',
                status_code=exc.status_code)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    return app


def stream_object(root: Any, object_key: str, range_header: str | None) -> Response:
    """Stream an object (bounded memory), honouring a single ``Range: bytes=`` request (206/416)."""
    target = root / object_key
    try:
        size = int(target.stat().st_size)
    except FileNotFoundError:
        raise HTTPException(404, "object missing from the store") from None
    media_type = mimetypes.guess_type(object_key)[0] or "application/octet-stream"
    start, end, status = 0, size - 1, 200
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=300"}
    if range_header:
        match = _RANGE.match(range_header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:
            start, end = max(0, size - int(last)), size - 1
        if start >= size or start > end:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)

    def body() -> Iterator[bytes]:
        with target.open("rb") as fh:
            fh.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = fh.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk

    return StreamingResponse(body(), status_code=status, media_type=media_type, headers=headers)
