"""The whole offline chain through dag.test() (what `make demo` runs), on the real PostgreSQL.

Runs `python -m acf.demo` in a child process with a throw-away home and databases,
then checks what a user would: rows for every step, an MP4 that ffmpeg reads as
1080x1920 H.264 + AAC with a voice track, and each platform's package in the store.
"""
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(pg_server_dsn, tmp_path_factory):
    suffix = uuid.uuid4().hex[:6]
    params = conninfo_to_dict(pg_server_dsn)
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "acf_demo_{suffix}"')
    home = tmp_path_factory.mktemp("demo-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({
        "ACF_HOME": str(home),
        "ACF_DATABASE_URL": make_conninfo(**{**params, "dbname": f"acf_demo_{suffix}"}),
        "ACF_AIRFLOW_DB": f"airflow_demo_{suffix}",
        "ACF_REDDIT_SUBREDDITS": "space,r/gaming",
    })
    result = subprocess.run([sys.executable, "-m", "acf.demo"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1200)
    yield result, env, home
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        for name in (f"acf_demo_{suffix}", f"airflow_demo_{suffix}"):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_demo_succeeds_and_says_where_outputs_are(demo_run):
    result, _, home = demo_run
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "latest content:" in result.stdout
    assert f"objects under {(home / 'objects').as_uri()}" in result.stdout


def test_every_step_wrote_its_rows(demo_run):
    _, env, _ = demo_run
    with psycopg.connect(env["ACF_DATABASE_URL"]) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM acf.{t}").fetchone()[0] for t in (
            "trend_observations", "trends", "opportunities", "angles", "content_pieces", "assets",
            "renditions", "publications", "metrics")}
    assert all(n > 0 for n in counts.values()), counts


def test_trends_fetched_subreddits_and_signals(demo_run):
    _, env, home = demo_run
    with psycopg.connect(env["ACF_DATABASE_URL"]) as conn:
        parts = {row[0] for row in conn.execute("SELECT part FROM acf.trend_loads WHERE source = 'reddit'")}
        subreddit_rows = conn.execute("SELECT count(*) FROM acf.trend_observations WHERE region = 'ZZ'").fetchone()[0]
        counted = conn.execute("SELECT count(*) FROM acf.trend_observations"
                               " WHERE source = 'x' AND metrics ? 'recent_count_7d'").fetchone()[0]
        interest = conn.execute("SELECT count(*) FROM acf.trend_observations"
                                " WHERE source = 'google_trends' AND metrics ? 'interest_now'").fetchone()[0]
    assert {"all", "r-space", "r-gaming"} <= parts and subreddit_rows > 0
    assert counted > 0 and interest > 0
    assert list((home / "objects" / "raw" / "x").rglob("*-signals.json"))


def _probe(path: Path) -> str:
    import imageio_ffmpeg

    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True)
    return out.stderr


def test_the_mp4_is_1080x1920_h264_aac_with_voice(demo_run):
    _, env, home = demo_run
    with psycopg.connect(env["ACF_DATABASE_URL"]) as conn:
        key = conn.execute("SELECT object_key FROM acf.renditions WHERE aspect = '9:16' LIMIT 1").fetchone()[0]
    video = home / "objects" / key
    info = _probe(video)
    assert re.search(r"Video: h264.*yuv420p.*1080x1920", info), info
    assert re.search(r"Audio: aac", info), info
    seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info)
    assert 10 <= int(seconds[2]) * 60 + float(seconds[3]) <= 180


def test_each_platform_package_is_in_the_object_store(demo_run):
    _, env, home = demo_run
    with psycopg.connect(env["ACF_DATABASE_URL"]) as conn:
        rows = conn.execute("SELECT platform, state, package_key FROM acf.publications").fetchall()
    assert rows
    for platform, state, package_key in rows:
        assert state == "published", (platform, state)
        assert package_key, platform
        package = home / "objects" / package_key
        assert package.exists(), package
