"""acf_trends through dag.test() against the four stand-ins (ACF_TRENDS_MODE=live): the Trending-now feed,
the YouTube chart by category, discovery by search and the evidence of the top trends, in a child process
with a throw-away home and databases (as tests/unit/analytics/test_analytics_dags.py runs the factory's)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from stand_ins.google_trends import google_trends_stand_in
from stand_ins.reddit import CLIENT_ID, CLIENT_SECRET, reddit_stand_in
from stand_ins.x import BEARER, x_stand_in
from stand_ins.youtube import API_KEY, youtube_stand_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, subprocess, sys
from pathlib import Path
from acf import db, demo, local_stack

env = local_stack.airflow_env()
with db.connect(env["ACF_DATABASE_DSN"], autocommit=True) as conn:
    db.migrate(conn)
subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], env={**os.environ, **env},
               capture_output=True, check=True)
os.environ.update(env)
print("STATES", demo.run_chain(("acf_trends",)))
"""


def test_acf_trends_runs_live_against_the_stand_ins(dag_test_env):
    env, factory_dsn = dag_test_env
    with youtube_stand_in() as youtube, google_trends_stand_in() as trends, x_stand_in() as x, \
            reddit_stand_in() as reddit:
        connections = {
            "ACF_YOUTUBE": {"conn_type": "acf_youtube", "host": youtube.url, "password": API_KEY,
                            "extra": {"timeout": 3, "chart_categories": "10,20,1,17"}},
            "ACF_GOOGLE_TRENDS": {"conn_type": "acf_google_trends", "host": trends.url + "/trends",
                                  "extra": {"timeout": 3}},
            "ACF_X": {"conn_type": "acf_x", "host": x.url, "password": BEARER, "extra": {"timeout": 3, "count_terms": 2}},
            "ACF_REDDIT": {"conn_type": "acf_reddit", "host": reddit.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
                           "extra": {"reddit_url": reddit.url, "timeout": 3}},
        }
        env.update({"ACF_TRENDS_MODE": "live", "ACF_REGIONS": "US,GB,JP", "ACF_REDDIT_SUBREDDITS": "space",
                    **{f"AIRFLOW_CONN_{name}": json.dumps(conn) for name, conn in connections.items()}})
        result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=900)
        out = result.stdout[-3000:] + result.stderr[-3000:]
        assert result.returncode == 0, out
        assert "STATES {'acf_trends': 'success'}" in result.stdout, out
        with psycopg.connect(factory_dsn) as conn:
            loads = dict(conn.execute("SELECT source || '/' || part, count(*) FROM acf.trend_loads GROUP BY 1"))
            covered, top = conn.execute(
                "SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM acf.trend_evidence e"
                " WHERE e.trend_id = t.trend_id)), count(*) FROM (SELECT trend_id FROM acf.trends"
                " ORDER BY score DESC LIMIT 20) t").fetchone()
            kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM acf.trend_evidence")}
            spent = conn.execute("SELECT coalesce(sum(units), 0) FROM acf.quota_spend"
                                 " WHERE bucket = 'search.list'").fetchone()[0]
        # the feed, the charts by category (Sports refused per region), discovery, comments, posts on X
        assert {r.arg("geo") for r in trends.requests_to("/trending/rss")} == {"US", "GB", "JP"}
        assert len([r for r in youtube.requests_to("/youtube/v3/videos") if r.arg("videoCategoryId") == "17"]) == 3
        searches = youtube.requests_to("/youtube/v3/search")
        assert searches and spent == len(searches)
        assert reddit.requests_to("/comments/") and x.requests_to("/2/tweets/search/recent")
    assert loads.get("youtube/search", 0) >= 1 and loads.get("reddit/r-space") == 1 and loads.get("google_trends/all") == 3
    assert {"news", "post", "video", "comment", "x_post"} <= kinds
    assert top >= 15 and covered / top >= 0.9, (covered, top)   # three regions: fewer than 20 trends
