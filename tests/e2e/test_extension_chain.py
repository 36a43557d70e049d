"""A trend source, a voice provider and a platform from a package the project does not ship.

``tests/fake_extension/acf_fake_ext`` is copied into a temporary folder with a ``dist-info`` declaring
its ``acf.extensions`` entry point, as ``pip install`` would leave it; the offline chain (``python -m
acf.demo``, every DAG through ``dag.test()``) then runs with that folder on PYTHONPATH, a tiers file
naming the new voice, and Connections for the new voice and platform. Nothing of the project is edited:
the extension points of docs/EXTENDING.md are all it uses.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from extension_package import install_package

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "tests" / "fake_extension" / "acf_fake_ext"
TIERS = """
offline:
  text: [local]
  image: [local]
  voice: [fake_voice, local]
  publish: [platform, outbox]
"""


@pytest.fixture(scope="module")
def extended_run(pg_server_dsn, tmp_path_factory):
    suffix = uuid.uuid4().hex[:6]
    work = tmp_path_factory.mktemp("extension")
    site = install_package(work / "site", EXTENSION, entry_point="fake")
    tiers = work / "tiers.yaml"
    tiers.write_text(TIERS)
    voice_log, posts = work / "voice.jsonl", work / "posts"
    params = conninfo_to_dict(pg_server_dsn)
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "acf_ext_{suffix}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ACF_"))}
    env.update({
        "ACF_HOME": str(work / "home"),
        "ACF_DATABASE_URL": make_conninfo(**{**params, "dbname": f"acf_ext_{suffix}"}),
        "ACF_AIRFLOW_DB": f"airflow_ext_{suffix}",
        "ACF_TREND_SOURCES": "youtube,reddit,fake",
        "ACF_REGIONS": "US,GB",
        # Shorter pieces than the default 30 s: the same steps, half the speech and render (the offline
        # chain test keeps the default).
        "ACF_TARGET_SECONDS": "15",
        "ACF_TIERS_FILE": str(tiers),
        "AIRFLOW_CONN_ACF_FAKE_VOICE": json.dumps({"conn_type": "acf_fake_voice", "extra": {"log_file": str(voice_log)}}),
        "AIRFLOW_CONN_ACF_FAKEPLATFORM": json.dumps({"conn_type": "acf_fakeplatform", "extra": {"post_dir": str(posts)}}),
        "PYTHONPATH": os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    result = subprocess.run([sys.executable, "-m", "acf.demo"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=1200)
    yield result, env, voice_log, posts
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        for name in (f"acf_ext_{suffix}", f"airflow_ext_{suffix}"):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(env, sql, args=()):
    with psycopg.connect(env["ACF_DATABASE_URL"]) as conn:
        return conn.execute(sql, args).fetchall()


def test_the_chain_succeeds_with_the_extension(extended_run):
    result, *_ = extended_run
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_observations_come_from_the_extension_source(extended_run):
    _, env, *_ = extended_run
    rows = _rows(env, "SELECT region, term, (metrics->>'mentions')::int FROM acf.trend_observations"
                      " WHERE source = 'fake' ORDER BY region, term")
    assert [(r[0], r[1]) for r in rows if r[0] == "US"] == [
        ("US", "Extension points in Airflow"), ("US", "Solar eclipse glasses"), ("US", "Starship flight test")]
    assert {r[0] for r in rows} == {"US", "GB"} and all(r[2] > 0 for r in rows)
    loads = _rows(env, "SELECT count(*) FROM acf.trend_loads WHERE source = 'fake'")
    assert loads[0][0] == 2


def test_narration_is_spoken_by_the_extension_voice(extended_run):
    _, env, voice_log, _ = extended_run
    voices = _rows(env, "SELECT provider FROM acf.assets WHERE kind = 'voice'")
    assert voices and {v[0] for v in voices} == {"fake_voice"}
    spoken = [json.loads(line)["text"] for line in voice_log.read_text().splitlines()]
    scripts = _rows(env, "SELECT script FROM acf.content_pieces WHERE status = 'ready'")
    narrations = [scene["narration"] for (script,) in scripts for scene in script["scenes"]]
    assert narrations and sorted(narrations) == sorted(spoken)


def test_a_publication_on_the_extension_platform_and_its_metrics(extended_run):
    _, env, _, posts = extended_run
    published = _rows(env, "SELECT publication_id, content_id, state, external_id FROM acf.publications"
                           " WHERE platform = 'fakeplatform'")
    assert published and all(p[2] == "published" for p in published), published
    for _, content_id, _, external_id in published:
        post = json.loads((posts / f"{content_id}.json").read_text())
        assert post["title"] and post["video"].endswith("video_9x16.mp4") and external_id == f"fake-{content_id}"
    metrics = _rows(env, "SELECT views, likes, simulated FROM acf.metrics WHERE publication_id = %s",
                    (published[0][0],))
    said = [line for line in extended_run[0].stdout.splitlines() + extended_run[0].stderr.splitlines()
            if "metric" in line.lower() or "skipped" in line.lower()]
    assert metrics and metrics[0] == (42, 7, False), "\n".join(said[-30:])
    others = _rows(env, "SELECT DISTINCT platform FROM acf.publications WHERE state = 'published'")
    assert {"youtube", "tiktok", "fakeplatform"} <= {o[0] for o in others}
