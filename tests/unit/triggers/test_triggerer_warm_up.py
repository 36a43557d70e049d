"""The triggerer starts with what its triggers' looks import (triggers.warm): a real look of every deferring
service, after the warm-up, imports nothing of the factory's nor any library (the soak's triggerer grew
~55 MB at its first publish wait, minutes into a run, when these were imported lazily)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from acf import local_stack

ROOT = Path(__file__).resolve().parents[3]

# Each look runs against its service's stand-in, in a fresh interpreter that has imported what the
# triggerer itself imports (its job runner) before it forks the runner.
PROBE = textwrap.dedent("""
    import json, os, sys
    from datetime import datetime, timedelta, timezone
    for extra in ("include", "plugins", "tests"):
        sys.path.insert(0, os.path.join(sys.argv[1], extra))
    from stand_ins.facebook import FacebookStandIn
    from stand_ins.instagram import InstagramStandIn
    from stand_ins.leonardo import LeonardoStandIn
    from stand_ins.openai import connection_env
    from stand_ins.platform_connections import connections
    from stand_ins.tiktok import TikTokStandIn
    from stand_ins.youtube_upload import YouTubeUploadStandIn
    import airflow.jobs.triggerer_job_runner

    warmed = []
    if sys.argv[2] == "warm":
        from triggers.warm import warm_up
        warmed = warm_up()
    with TikTokStandIn() as tt, InstagramStandIn() as ig, FacebookStandIn() as fb, \\
            YouTubeUploadStandIn() as yt, LeonardoStandIn() as leo:
        expires = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
        os.environ.update(connections(yt, tt, ig, fb, expires_at=expires))
        os.environ.__setitem__(*connection_env("acf_leonardo", "acf_leonardo", leo.url + "/api/rest/v1", leo.api_key))
        from hooks.leonardo import LeonardoHook
        job = LeonardoHook("acf_leonardo").submit_image("a sun", 512, 512)
        before = set(sys.modules)
        from triggers.media import ImageJobTrigger
        from triggers.publishing import PublishProcessingTrigger
        looks = {"leonardo": ImageJobTrigger("leonardo", job).look}
        for platform, waiting_on in (("tiktok", {"publish_id": "v_pub_1"}), ("instagram", {"container_id": "1"}),
                                     ("facebook", {"video_id": "1"})):
            looks[platform] = PublishProcessingTrigger(platform, waiting_on).look
        answers = {}
        for name, look in looks.items():
            try:
                answers[name] = look()
            except Exception as exc:   # an unknown post: the platform's error answer, still a whole look
                answers[name] = type(exc).__name__
        print(json.dumps({"new": sorted(set(sys.modules) - before), "answers": answers, "warmed": warmed}))
""")


def _probe(mode: str) -> dict:
    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), mode], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _not_stdlib(names: list[str]) -> list[str]:
    return [n for n in names if n.split(".")[0] not in sys.stdlib_module_names]


def test_after_the_warm_up_a_look_of_every_deferring_service_imports_nothing_more():
    cold, warm = _probe("cold"), _probe("warm")
    assert cold["answers"]["leonardo"] is None                       # a real look: the generation is pending
    assert {"hooks.tiktok", "acf.publishing.tiktok_api", "triggers.media"} <= set(cold["new"])   # lazily, cold
    assert _not_stdlib(warm["new"]) == [], warm["new"]
    assert warm["answers"] == cold["answers"]                         # the same looks, the same answers
    assert "acf.publishing.youtube_api" not in warm["warmed"]        # YouTube never waits on the triggerer


def test_the_triggerer_runs_airflow_triggerer_after_the_warm_up():
    command = [*local_stack.component_command("triggerer"), "--help"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**local_stack.component_env("triggerer"), "PYTHONPATH": os.pathsep.join(
                              [str(ROOT / "plugins"), str(ROOT / "include")])})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Start a triggerer instance" in done.stdout and "--capacity" in done.stdout
