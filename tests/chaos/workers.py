"""Child processes the kill tests SIGKILL in the middle of a step, as a worker would die.

    python -m chaos.workers <step> '<json args>'

Each step does exactly what the task does (stage functions, one connection, commit at the end
like ``factory_connection``) and writes ``<signal_file>`` once it is inside the part to be
interrupted. Instrumentation only waits (never changes what the stage does): the trend load
writes half of its observations inside the open transaction, then blocks.
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path


def _signal(path: str, text: str = "inside") -> None:
    # Written aside and renamed: the parent polls for the file and reads it at once, so it must never
    # see it created but still empty.
    aside = Path(path + ".tmp")
    aside.write_text(text)
    os.replace(aside, path)


def _block() -> None:
    while True:  # the parent kills us here
        time.sleep(0.05)


def trend_load(args: dict) -> None:
    import psycopg

    from acf.trends import load, pipeline

    original = load.copy_chunks

    def copy_half_then_block(conn, table, columns, chunks):
        if table != "acf.trend_observations" or not args.get("block"):
            return original(conn, table, columns, chunks)
        lines = b"".join(chunks).splitlines(keepends=True)
        original(conn, table, columns, [b"".join(lines[: len(lines) // 2])])
        _signal(args["signal_file"], str(len(lines)))
        _block()

    load.copy_chunks = copy_half_then_block
    with psycopg.connect(args["dsn"], application_name="chaos-trend-load") as conn:
        summary = pipeline.process(conn, Path(args["root"]), args["payloads"],
                                   interval_start=datetime.fromisoformat(args["interval_start"]), run_id="chaos-kill")
        conn.commit()
    print(json.dumps({k: summary[k] for k in ("loaded", "quarantined", "skipped_payloads")}))


def render(args: dict) -> None:
    import psycopg

    from acf.media import production

    with psycopg.connect(args["dsn"], application_name="chaos-render") as conn:
        _signal(args["signal_file"], "connected")
        production.render_content(conn, Path(args["root"]), args["content_id"], music=False)
        conn.commit()


def upload(args: dict) -> None:
    import psycopg

    from acf.publishing.models import PlatformPackage
    from acf.publishing.publisher import publish
    from hooks.youtube_publish import YouTubePublishHook

    package = PlatformPackage(**args["package"])
    with psycopg.connect(args["dsn"], application_name="chaos-upload") as conn:
        uploader = YouTubePublishHook().uploader(Path(args["root"]), sleep=lambda s: None)
        _signal(args["signal_file"], "uploading")
        result = publish(conn, package, uploader)
        conn.commit()
    print(json.dumps({"state": result.state, "external_id": result.external_id}))


STEPS = {"trend_load": trend_load, "render": render, "upload": upload}

if __name__ == "__main__":
    STEPS[sys.argv[1]](json.loads(sys.argv[2]))
