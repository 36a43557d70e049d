"""The dashboard's FastAPI app: HTML pages, paginated JSON, media streaming, Prometheus metrics.

Mounted by the plugin at ``/acf`` in Airflow's API server. Every route except
``/static`` requires Airflow authentication (see :mod:`acf_dashboard.auth`).
Data comes from :mod:`acf.analytics.dashboard` over a read-only connection to
the factory database, runs and approvals from Airflow's own database
(:mod:`acf_dashboard.airflow_state`); media come from the object store by id (never by path).

The creator acts from it: "Make this" triggers ``acf_production`` and Approve / Reject answer
``acf_publish``'s approval step, both through Airflow's REST API from the browser with the user's
own login (the UI's ``_token`` cookie, as Airflow's UI itself calls its API); "Skip" is the one
write of the dashboard itself (``POST /api/opportunities/{id}/skip``), allowed to whoever Airflow
lets trigger ``acf_production``.
"""
from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response, \
    StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from acf import settings
from acf.analytics import dashboard, exporter
from acf_dashboard import auth, render, security
from acf_dashboard.airflow_state import PRODUCTION_DAG, PUBLISH_DAG, AirflowState

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Airflow 3.3.2 loses an answer given in the second after the approval step parks (README, Known limits):
# the buttons turn on once the step has shown "awaiting input" this long.
SETTLE_SECONDS = 5.0
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"

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


def factory_db_for_writing() -> AbstractContextManager:
    """A connection committed when the block succeeds (the one dashboard write: skipping an opportunity)."""
    from hooks.factory_db import factory_connection

    return factory_connection()


def factory_object_root() -> Any:
    from hooks.object_store import object_root

    return object_root()


def factory_dags() -> tuple[str, ...]:
    from acf.local_stack import FACTORY_DAGS

    return FACTORY_DAGS


class SkipRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="Why this opportunity is not worth making")


def create_app(
    connect: Connect = factory_db,
    object_root: Callable[[], Any] = factory_object_root,
    scrape_token: Callable[[], str | None] | None = None,
    airflow: Any = None,
    write: Connect = factory_db_for_writing,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> FastAPI:
    """Build the app; ``connect``/``write`` and ``object_root`` say where data and media come from,
    ``airflow`` where runs and approvals are read (default: Airflow's own database)."""
    access = auth.airflow_access()
    scrape_token = scrape_token or auth.ScrapeToken()
    airflow = airflow or AirflowState()
    app = FastAPI(title="Content Factory dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    router = APIRouter(dependencies=[Depends(access)])

    def prefix(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def live_url(request: Request, path: str, part: str = "live") -> str:
        query = {k: v for k, v in request.query_params.items() if k != "part"}
        return f"{prefix(request)}/{path}?{urlencode({**query, 'part': part})}"

    def wants_part(request: Request, part: str = "live") -> bool:
        return request.query_params.get("part") == part

    def live_part(inner: str) -> HTMLResponse:
        return HTMLResponse(inner, headers={"Cache-Control": "no-store", "X-Live-Version": render.version(inner)})

    def is_simulated(conn) -> bool:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM acf.metrics WHERE simulated)").fetchone()[0])

    def key_ages(conn) -> list:
        from airflow.utils.session import create_session

        with create_session() as session:
            return security.key_ages(conn, session, settings.load().key_max_age_days)

    def full_page(request: Request, slug: str, title: str, content: str, conn) -> HTMLResponse:
        warning = render.key_warning(prefix(request), key_ages(conn), settings.load().key_max_age_days)
        return HTMLResponse(render.layout(prefix(request), slug, title, warning + content, is_simulated(conn)))

    def html(request: Request, slug: str, title: str, body: Callable[[Any], str],
             part: Callable[[Any], str] | None = None) -> HTMLResponse:
        with connect() as conn:
            if part is not None and wants_part(request):
                return live_part(part(conn))
            return full_page(request, slug, title, body(conn), conn)

    def read(what: str) -> list:
        """Dashboard data reads go to Airflow's audit log (acf.read.<what>, with the user and time); a page's
        own refreshes (``?part=``) do not: the page was recorded when it was opened."""
        return [Depends(auth.audit_unless_refresh(f"read.{what}"))]

    admin_only = [Depends(auth.require_audit_access())]

    def readable_dags(request: Request, user) -> list[str]:
        return [d for d in factory_dags() if auth.may_dag(request, user, d, "GET", "RUN")]

    def live_data(conn, request: Request, user, page: int, per_page: int) -> dict:
        page, per_page, _ = dashboard.clamp(page, per_page)
        runs, total = airflow.active_runs(readable_dags(request, user), page, per_page)
        attach_pieces(conn, runs)
        return dashboard.Page(runs, total, page, per_page).as_json()

    def attach_pieces(conn, runs: list[dict]) -> None:
        made = {p["run_id"]: p for p in dashboard.pieces(
            conn, run_ids=[r["run_id"] for r in runs if r["dag_id"] == PRODUCTION_DAG] or ["-"])}
        for run in runs:
            run["content"] = made.get(run["run_id"]) if run["dag_id"] == PRODUCTION_DAG else None

    def account_timezones() -> dict[str, str]:
        try:
            return airflow.account_timezones()
        except Exception as exc:  # noqa: BLE001 - a secrets backend down costs the local times, not the page
            log.warning("account time zones not read (go-live times in the platforms' own zones): %s", exc)
            return {}

    def review_data(conn, request: Request, user, page: int, per_page: int) -> dict:
        page, per_page, _ = dashboard.clamp(page, per_page)
        if not auth.may_dag(request, user, PUBLISH_DAG, "GET", "HITL_DETAIL"):
            return {**dashboard.Page([], 0, page, per_page).as_json(), "answered": []}
        root = object_root()
        items, total = airflow.pending_approvals(page, per_page)
        zones = account_timezones() if items else {}
        moment = now()
        for item in items:
            since = datetime.fromisoformat(item["state_since"]) if item.get("state_since") else moment
            item["settled"] = (item["task_state"] == "awaiting_input"
                               and (moment - since).total_seconds() >= SETTLE_SECONDS)
            item["pieces"] = dashboard.review_pieces(conn, root, item.pop("targets"), item.get("publish_at"), moment,
                                                     zones)
        answered = airflow.recent_answers()
        for item in answered:
            targets = item.pop("targets")
            item["pieces"] = dashboard.pieces(conn, content_ids=sorted({str(t["content_id"]) for t in targets})
                                              or ["-"])
        return {**dashboard.Page(items, total, page, per_page).as_json(), "answered": answered}

    def opportunity_data(conn, opportunity_id: str) -> dict:
        found = dashboard.opportunity(conn, opportunity_id)
        if found is None:
            raise HTTPException(404, f"no opportunity {opportunity_id}")
        return found

    def production_runs(conn, request: Request, user, opportunity_id: str) -> list[dict]:
        if not auth.may_dag(request, user, PRODUCTION_DAG, "GET", "RUN"):
            return []
        runs = airflow.runs_with_conf(PRODUCTION_DAG, "opportunity", opportunity_id)
        attach_pieces(conn, runs)
        return runs

    def make_form(opp: dict) -> dict:
        from acf import platform_rules, registry

        config = settings.load()
        platforms = list(platform_rules.platforms())
        suggested = [p for p in ((opp["angles"] or [{}])[0].get("platforms") or []) if p in platforms]
        return {"tiers": registry.tier_names(), "tier": config.default_tier, "platforms": platforms,
                "chosen_platforms": suggested or platforms, "aspects": list(settings.ASPECTS),
                "chosen_aspects": ["9:16"], "target_seconds": config.target_seconds}

    from airflow.api_fastapi.core_api.security import get_user

    signed_in = Depends(get_user)
    page_q = Query(1, ge=1, description="1-based page number")
    per_page_q = Query(dashboard.DEFAULT_PER_PAGE, ge=1, le=dashboard.MAX_PER_PAGE)
    status_q = Query(None, pattern="^(open|skipped|in_production|produced)$")
    days_q = Query(30, ge=1, le=366)
    part_q = Query(None, pattern="^live$", description="live: only the part of the page that refreshes")
    opportunity_p = PathParam(..., pattern=ID_PATTERN)
    opportunity_part_q = Query(None, pattern="^(live|summary)$",
                               description="live: the runs and pieces; summary: status and scores")
    live_part_q = Query(None, pattern="^(live|count)$",
                        description="live: the runs; count: how many are in progress (the header)")

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

    @router.get("/api/opportunities/{opportunity_id}", dependencies=read("api.opportunity"))
    def api_opportunity(request: Request, opportunity_id: str = opportunity_p, user=signed_in) -> JSONResponse:
        with connect() as conn:
            found = opportunity_data(conn, opportunity_id)
            found["runs"] = production_runs(conn, request, user, opportunity_id)
        found["may_make"] = auth.may(request, user, "make")
        return JSONResponse(found)

    @router.post("/api/opportunities/{opportunity_id}/skip",
                 dependencies=[Depends(auth.require_action("skip")), Depends(auth.audit("skip"))])
    def api_skip(body: SkipRequest, opportunity_id: str = opportunity_p, user=signed_in) -> JSONResponse:
        from acf.opportunities import store

        reason = body.reason.strip()
        if not reason:
            raise HTTPException(422, "a reason is required to skip")
        with write() as conn:
            skipped = store.skip_opportunity(conn, opportunity_id, reason, by=user.get_name())
            row = conn.execute("SELECT status, skip_reason, skipped_by FROM acf.opportunities"
                               " WHERE opportunity_id = %s", (opportunity_id,)).fetchone()
        if row is None:
            raise HTTPException(404, f"no opportunity {opportunity_id}")
        if not skipped:
            raise HTTPException(409, f"opportunity {opportunity_id} is {row[0]}: only open ones can be skipped")
        return JSONResponse({"opportunity_id": opportunity_id, "status": row[0], "skip_reason": row[1],
                             "skipped_by": row[2]})

    @router.get("/api/content", dependencies=read("api.content"))
    def api_content(page: int = page_q, per_page: int = per_page_q) -> JSONResponse:
        with connect() as conn:
            return JSONResponse(dashboard.content(conn, page, per_page).as_json())

    @router.get("/api/live", dependencies=read("api.live"))
    def api_live(request: Request, page: int = page_q, per_page: int = per_page_q, user=signed_in) -> JSONResponse:
        """Runs in progress of the factory's DAGs the user may read, newest first, with their tasks counted
        and, for production runs, the piece and its render percent."""
        with connect() as conn:
            return JSONResponse(live_data(conn, request, user, page, per_page), headers={"Cache-Control": "no-store"})

    @router.get("/api/review", dependencies=read("api.review"))
    def api_review(request: Request, page: int = page_q, per_page: int = per_page_q, user=signed_in) -> JSONResponse:
        """acf_publish runs waiting for approval (oldest first) with what each would post; the latest answers."""
        with connect() as conn:
            return JSONResponse(review_data(conn, request, user, page, per_page),
                                headers={"Cache-Control": "no-store"})

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
                           status: str | None = status_q, part: str | None = part_q):
        def data(conn):
            return dashboard.opportunities(conn, page, per_page, status).as_json()

        return html(request, "opportunities", "Opportunities",
                    lambda conn: render.opportunities_page(prefix(request), data(conn), status,
                                                           live_url(request, "opportunities")),
                    lambda conn: render.opportunities_table(prefix(request), data(conn), status))

    @router.get("/opportunities/{opportunity_id}", response_class=HTMLResponse, dependencies=read("opportunity"))
    def opportunity_html(request: Request, opportunity_id: str = opportunity_p,
                         part: str | None = opportunity_part_q, user=signed_in):
        with connect() as conn:
            found = opportunity_data(conn, opportunity_id)
            runs = production_runs(conn, request, user, opportunity_id)
            if wants_part(request):
                return live_part(render.opportunity_made(prefix(request), found, runs))
            if wants_part(request, "summary"):
                return live_part(render.opportunity_summary(found))
            path = f"opportunities/{render.path_id(opportunity_id)}"
            body = render.opportunity_page(prefix(request), found, make_form(found), auth.may(request, user, "make"),
                                           live_url(request, path), runs, live_url(request, path, "summary"))
            return full_page(request, "opportunities", found["trend_title"], body, conn)

    @router.get("/content", response_class=HTMLResponse, dependencies=read("content"))
    def content_html(request: Request, page: int = page_q, per_page: int = per_page_q, part: str | None = part_q):
        def data(conn):
            return dashboard.content(conn, page, per_page).as_json()

        return html(request, "content", "Content",
                    lambda conn: render.content_page(prefix(request), data(conn), live_url(request, "content")),
                    lambda conn: render.content_gallery(prefix(request), data(conn)))

    @router.get("/review", response_class=HTMLResponse, dependencies=read("review"))
    def review_html(request: Request, page: int = page_q, per_page: int = per_page_q, part: str | None = part_q,
                    user=signed_in):
        may_answer = auth.may(request, user, "approve")
        return html(request, "review", "Review",
                    lambda conn: render.review_page(prefix(request), review_data(conn, request, user, page, per_page),
                                                    may_answer, live_url(request, "review")),
                    lambda conn: render.review_list(prefix(request), review_data(conn, request, user, page, per_page),
                                                    may_answer))

    @router.get("/live", response_class=HTMLResponse, dependencies=read("live"))
    def live_html(request: Request, page: int = page_q, per_page: int = per_page_q,
                  part: str | None = live_part_q, user=signed_in):
        if wants_part(request, "count"):      # the header's "N running", every few seconds on every page
            return PlainTextResponse(str(airflow.active_runs(readable_dags(request, user), 1, 1)[1]),
                                     headers={"Cache-Control": "no-store"})
        return html(request, "live", "Live",
                    lambda conn: render.live_page(prefix(request), live_data(conn, request, user, page, per_page),
                                                  live_url(request, "live")),
                    lambda conn: render.live_list(prefix(request), live_data(conn, request, user, page, per_page)))

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
        if exc.status_code == 404 and "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(f"<!doctype html><title>Not found</title><p>{render.esc(exc.detail)}. "
                                f'<a href="{prefix(request)}/opportunities">Back to the opportunities</a>.</p>',
                                status_code=404)
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
