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
    from airflow.models.log import Log
    from airflow.models.revoked_token import RevokedToken

    # Token validation checks the revocation table of the metadata database; the dashboard writes its
    # reads and actions to Airflow's audit log (the log table).
    RevokedToken.__table__.create(airflow_settings.engine, checkfirst=True)
    Log.__table__.create(airflow_settings.engine, checkfirst=True)
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
    """A 2-second 180x320 H.264/AAC MP4 (moov first) and a PNG thumbnail, made with ffmpeg."""
    folder = tmp_path_factory.mktemp("media")
    video, thumb = folder / "tiny.mp4", folder / "thumb.png"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=180x320:rate=25:duration=2", "-f", "lavfi",
            "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "+faststart", "-shortest", str(video))
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=180x320", "-frames:v", "1", str(thumb))
    return {"video": video.read_bytes(), "thumbnail": thumb.read_bytes()}


@pytest.fixture(scope="module")
def seeded_dsn(pg_dsn, sample_media, tmp_path_factory):
    """The test database with the sample factory history and ROI rollups (module-scoped)."""
    from acf.analytics import roi, sample

    root = tmp_path_factory.mktemp("objects")
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("TRUNCATE " + ", ".join(f"acf.{t}" for t in ACF_TABLES) + " CASCADE")
        counts = sample.seed(conn, root, trends=12, video=sample_media["video"],
                             thumbnail=sample_media["thumbnail"])
        conn.execute("INSERT INTO acf.quarantine (stage, reason) VALUES ('trends.validate', 'sample')")
        roi.rollup(conn, date.today())
        conn.commit()
    return {"dsn": pg_dsn, "root": root, "counts": counts}


@pytest.fixture(scope="module")
def dashboard_app(seeded_dsn, airflow_tokens):
    """The dashboard mounted at /acf of a parent app, as the API server mounts it."""
    from fastapi import FastAPI

    from acf_dashboard.app import create_app

    parent = FastAPI()
    parent.mount("/acf", create_app(connect=lambda: psycopg.connect(seeded_dsn["dsn"]),
                                    object_root=lambda: seeded_dsn["root"],
                                    scrape_token=lambda: SCRAPE_TOKEN))
    return parent


@pytest.fixture(scope="module")
def client(dashboard_app):
    """A TestClient of the dashboard app (no redirects followed)."""
    from fastapi.testclient import TestClient

    with TestClient(dashboard_app, follow_redirects=False) as test_client:
        yield test_client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
