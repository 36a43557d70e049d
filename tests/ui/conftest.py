"""Fixtures for the dashboard: Airflow's real auth manager and tokens, a seeded factory
database, a tiny real MP4 and thumbnail in a local object store, and the app itself."""
from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import psycopg
import pytest
from fastapi import Request  # at module level: the stand-in routes' annotations are resolved from here

ROOT = Path(__file__).resolve().parents[2]

# Airflow reads its configuration once, at first import: give the dashboard tests
# their own home unless the session already configured one.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="acf-ui-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin,viewer:viewer")
os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))

ACF_TABLES = ("metrics", "publications", "renditions", "assets", "content_pieces", "angles", "opportunities",
              "trend_observations", "trends", "ai_calls", "quarantine", "roi_rollups", "backups")
SCRAPE_TOKEN = "scrape-" + secrets.token_hex(8)


@pytest.fixture(scope="session")
def airflow_tokens() -> dict[str, str]:
    """JWTs signed by Airflow's configured auth manager (SimpleAuthManager) for three users."""
    from airflow import settings as airflow_settings
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.models import import_all_models
    from airflow.models.base import Base

    import_all_models()
    # Token validation checks the revocation table of the metadata database; the dashboard writes its
    # reads and actions to Airflow's audit log (the log table); a DAG-level check (who may make, answer,
    # read runs) looks the DAG's team up (dag, dag_bundle, team): the whole metadata schema.
    Base.metadata.create_all(airflow_settings.engine)
    manager = init_auth_manager()
    return {
        "admin": manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="ADMIN")),
        "viewer": manager.generate_jwt(SimpleAuthManagerUser(username="viewer", role="VIEWER")),
        "norole": manager.generate_jwt(SimpleAuthManagerUser(username="nobody", role=None)),
    }


def _ffmpeg(*args: str) -> None:
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def sample_media(tmp_path_factory) -> dict[str, bytes]:
    """A 2-second 180x320 H.264/AAC MP4 (moov first), a 1280x720 title thumbnail made by the factory's own
    thumbnail step (JPEG, as production makes it) and a six-frame storyboard of the video."""
    from acf.media import thumbnails

    folder = tmp_path_factory.mktemp("media")
    video, background = folder / "tiny.mp4", folder / "background.png"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=180x320:rate=25:duration=2", "-f", "lavfi",
            "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "+faststart", "-shortest", str(video))
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720", "-frames:v", "1", str(background))
    thumb = thumbnails.make_thumbnail("Sample topic 18 reveals what happened in days", background,
                                      folder / "thumbnail.jpg")
    storyboard = thumbnails.make_storyboard(video, 2.0, folder / "storyboard.jpg", tile_width=180)
    return {"video": video.read_bytes(), "thumbnail": thumb.read_bytes(), "storyboard": storyboard.read_bytes()}


class SeededAirflow:
    """Runs and approvals as Airflow's database would hold them while a piece renders and a publish run
    waits for a person (the dashboard reads them through :class:`acf_dashboard.airflow_state.AirflowState`
    in the API server; the factory stack tests read the real ones)."""

    def __init__(self) -> None:
        self.runs = [
            {"dag_id": "acf_production", "run_id": "manual__render_live", "state": "running", "run_type": "manual",
             "queued_at": "2026-01-05T10:00:00+00:00", "start_date": "2026-01-05T10:00:02+00:00", "end_date": None,
             "conf": {"opportunity": "opp_sample001", "tier": "offline"}, "triggered_by": "admin",
             "tasks": {"success": 7, "running": 1, "none": 2}},
            {"dag_id": "acf_publish", "run_id": "manual__review_1", "state": "running", "run_type": "manual",
             "queued_at": "2026-01-05T09:50:00+00:00", "start_date": "2026-01-05T09:50:01+00:00", "end_date": None,
             "conf": {"require_approval": True}, "triggered_by": "admin",
             "tasks": {"success": 6, "awaiting_input": 1, "none": 5}},
        ]
        self.approvals = [
            {"dag_id": "acf_publish", "run_id": "manual__review_1", "task_id": "approve", "task_state": "awaiting_input",
             "state_since": "2026-01-05T09:51:00+00:00", "subject": "Publish run manual__review_1?",
             "requested_at": "2026-01-05T09:50:58+00:00", "options": ["Approve", "Reject"], "params": ["reason"],
             "targets": [{"content_id": "content_sample000", "platform": p, "package_key": "",
                          "title": "Sample topic 0 explained"} for p in ("youtube", "tiktok")]}]
        self.answers = [
            {"dag_id": "acf_publish", "run_id": "manual__review_0", "run_state": "success",
             "chosen_options": ["Reject"], "params_input": {"reason": "the hook overstates the numbers"},
             "responded_by": "admin", "responded_at": "2026-01-04T18:00:00+00:00",
             "targets": [{"content_id": "content_sample004", "platform": "youtube"}]}]
        self.timezones: dict[str, str] = {}   # platform -> its account's time zone (the Connection's extra)

    def active_runs(self, dag_ids, page, per_page):
        runs = [dict(r) for r in self.runs if r["dag_id"] in dag_ids and r["state"] in ("queued", "running")]
        return runs[(page - 1) * per_page: page * per_page], len(runs)

    def runs_with_conf(self, dag_id, key, value, limit=10):
        return [dict(r) for r in self.runs if r["dag_id"] == dag_id and r["conf"].get(key) == value][:limit]

    def pending_approvals(self, page, per_page):
        items = [dict(a) for a in self.approvals]
        return items[(page - 1) * per_page: page * per_page], len(items)

    def recent_answers(self, limit=5):
        return [dict(a) for a in self.answers][:limit]

    def account_timezones(self):
        return dict(self.timezones)


def _seed_control_room(conn, root) -> None:
    """What the creator's pages show beyond the sample history: a piece rendering now (its percent as the
    render task stores it) and the packages of a publish run waiting for approval."""
    from acf.publishing import content as packages
    from acf.publishing.models import PlatformPackage

    conn.execute("INSERT INTO acf.content_pieces (content_id, opportunity_id, tier, target_seconds, title, status,"
                 " run_id, platforms, aspects) VALUES ('content_live001', 'opp_sample001', 'offline', 30,"
                 " 'Sample topic 1, made now', 'rendering', 'manual__render_live', '{youtube,tiktok}', '{9:16,16:9}')")
    conn.execute("INSERT INTO acf.render_progress (content_id, percent, rendered_seconds, total_seconds, speed,"
                 " renditions) VALUES ('content_live001', 40, 12, 30, '1.4x', '9:16,16:9')")
    # as long as a real package's: the facts, a blank line, the sources one per line, the disclosure last
    description = ("Why sample topic 0 is everywhere today, in 30 seconds: the numbers, who reports it and where it "
                   "trends.\nWhat is going on with sample topic 0?\n\n#SampleTopic #Explained #News\n\nSources:\n"
                   "- Sample News: Sample topic 0 lands today (news.example.org)\n"
                   "- r/samples: What sample topic 0 means for the rest of us (reddit.com)\n"
                   "- Sample Channel: Sample topic 0 in 60 seconds (youtube.com)\n"
                   "- the factory's trend sightings\n\nMade with AI-generated images and voice.")
    for platform, aspect in (("youtube", "9:16"), ("tiktok", "9:16")):
        packages.save_package(root, PlatformPackage(
            content_id="content_sample000", platform=platform, title="Sample topic 0 explained: what happened",
            description=description, tags=["sampletopic", "explained", "news", "trending", "shorts"],
            rendition_key="content/content_sample000/video_9x16.mp4",
            thumbnail_key="content/content_sample000/thumbnail.jpg", aspect=aspect))


@pytest.fixture(scope="module")
def seeded_dsn(pg_dsn, sample_media, tmp_path_factory):
    """The test database with the sample factory history (100 days of metrics), ROI rollups, a piece
    rendering and a publish run's packages (module-scoped)."""
    from acf.analytics import roi, sample

    root = tmp_path_factory.mktemp("objects")
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("TRUNCATE " + ", ".join(f"acf.{t}" for t in ACF_TABLES) + " CASCADE")
        counts = sample.seed(conn, root, trends=12, video=sample_media["video"],
                             thumbnail=sample_media["thumbnail"], storyboard=sample_media["storyboard"],
                             days_of_metrics=100)
        conn.execute("INSERT INTO acf.quarantine (stage, reason) VALUES ('trends.validate', 'sample')")
        roi.rollup(conn, date.today())
        _seed_control_room(conn, root)
        conn.commit()
    return {"dsn": pg_dsn, "root": root, "counts": counts}


@pytest.fixture(scope="module")
def seeded_airflow() -> SeededAirflow:
    return SeededAirflow()


@pytest.fixture(scope="module")
def dashboard_app(seeded_dsn, airflow_tokens, seeded_airflow):
    """The dashboard mounted at /acf of a parent app, as the API server mounts it. The parent also answers
    the two REST calls the dashboard's buttons make to Airflow (trigger a run, answer an approval), recording
    each request in ``parent.state.airflow_calls``: what the browser sends is checked here, what Airflow does
    with it by the factory stack tests (tests/e2e/test_factory_stack.py)."""
    from fastapi import FastAPI

    from acf_dashboard.app import create_app

    parent = FastAPI()
    parent.state.airflow_calls = []

    async def record(request: Request) -> dict:
        call = {"method": request.method, "path": request.url.path, "body": await request.json(),
                "cookie": request.cookies.get("_token"), "authorization": request.headers.get("authorization")}
        parent.state.airflow_calls.append(call)
        return call

    @parent.post("/api/v2/dags/{dag_id}/dagRuns")
    async def trigger(dag_id: str, request: Request):
        await record(request)
        return {"dag_id": dag_id, "dag_run_id": f"manual__from_the_dashboard_{len(parent.state.airflow_calls)}",
                "state": "queued"}

    @parent.patch("/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/hitlDetails")
    async def answer(dag_id: str, run_id: str, task_id: str, map_index: int, request: Request):
        call = await record(request)
        return {"chosen_options": call["body"]["chosen_options"], "params_input": call["body"].get("params_input")}

    parent.mount("/acf", create_app(connect=lambda: psycopg.connect(seeded_dsn["dsn"]),
                                    object_root=lambda: seeded_dsn["root"],
                                    scrape_token=lambda: SCRAPE_TOKEN, airflow=seeded_airflow,
                                    write=lambda: psycopg.connect(seeded_dsn["dsn"])))
    return parent


@pytest.fixture(scope="module")
def client(dashboard_app):
    """A TestClient of the dashboard app (no redirects followed)."""
    from fastapi.testclient import TestClient

    with TestClient(dashboard_app, follow_redirects=False) as test_client:
        yield test_client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
