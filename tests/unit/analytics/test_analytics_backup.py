"""Backups: pg_dump of schema acf to the object store, 30-day retention, restore with equal row counts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from acf import db, maintenance
from acf.analytics import sample
from acf.security import backup_crypto

NOW = datetime(2026, 6, 1, 3, tzinfo=timezone.utc)
KEY = "backup-key-for-tests-7f3a"


@pytest.fixture
def seeded(pg_conn, object_root):
    sample.seed(pg_conn, object_root, trends=6, video=b"\x00" * 64, thumbnail=b"png", now=NOW)
    pg_conn.execute("TRUNCATE acf.backups")
    pg_conn.commit()
    return pg_conn


def test_backup_then_restore_into_a_fresh_database_has_equal_row_counts(seeded, pg_dsn, object_root, tmp_path):
    record = maintenance.backup(pg_dsn, object_root, tmp_path, now=NOW)
    assert record.backup_key == "backups/postgres/acf-20260601T030000Z.dump"
    assert (object_root / record.backup_key).stat().st_size == record.bytes > 0
    assert record.row_counts["trends"] == 6 and record.row_counts["metrics"] > 0
    catalogue = db.fetch_dicts(seeded, "SELECT backup_key, checksum, row_counts FROM acf.backups")
    assert [c["backup_key"] for c in catalogue] == [record.backup_key]
    assert catalogue[0]["row_counts"] == record.row_counts

    # Rows written after the snapshot are not in the dump, and the check still passes.
    seeded.execute("INSERT INTO acf.quarantine (stage, reason) VALUES ('x', 'after the backup')")
    seeded.commit()
    result = maintenance.verify_restore(pg_dsn, object_root, tmp_path)
    assert result["backup_key"] == record.backup_key
    assert result["rows"] == sum(record.row_counts.values())
    assert result["tables"] == len(record.row_counts)
    leftovers = seeded.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'acf_restore_check_%'")
    assert leftovers.fetchone()[0] == 0


def test_restore_refuses_a_damaged_dump(seeded, pg_dsn, object_root, tmp_path):
    record = maintenance.backup(pg_dsn, object_root, tmp_path, now=NOW)
    path = object_root / record.backup_key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(maintenance.BackupError, match="checksum"):
        maintenance.verify_restore(pg_dsn, object_root, tmp_path)


def test_verify_restore_reports_differing_counts(seeded, pg_dsn, object_root, tmp_path):
    maintenance.backup(pg_dsn, object_root, tmp_path, now=NOW)
    record = maintenance.latest_backup(seeded)
    record["row_counts"]["trends"] += 1  # what the catalogue claims vs what the dump holds
    with pytest.raises(maintenance.BackupError, match="trends"):
        maintenance.verify_restore(pg_dsn, object_root, tmp_path, record)


def test_retention_keeps_30_days_and_never_the_newest(seeded, pg_dsn, object_root, tmp_path):
    keys = [maintenance.backup(pg_dsn, object_root, tmp_path, now=NOW - timedelta(days=d)).backup_key
            for d in (45, 31, 29, 0)]
    removed = maintenance.apply_retention(seeded, object_root, now=NOW)
    assert removed == keys[:2]
    assert [(object_root / k).exists() for k in keys] == [False, False, True, True]
    assert maintenance.apply_retention(seeded, object_root, now=NOW) == []
    # Long after, with no new dumps, the newest one survives.
    assert maintenance.apply_retention(seeded, object_root, now=NOW + timedelta(days=400)) == keys[2:3]
    assert (object_root / keys[3]).exists()
    assert maintenance.latest_backup(seeded)["backup_key"] == keys[3]


def test_password_never_reaches_the_command_line():
    conninfo, env = maintenance._conninfo_without_password("postgresql://u:s3cret@db.example:5432/acf")
    assert "s3cret" not in conninfo and env == {"PGPASSWORD": "s3cret"}


def test_missing_tool_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(maintenance.shutil, "which", lambda name: None)
    with pytest.raises(maintenance.BackupError, match="pg_nothing not found"):
        maintenance.pg_bin("pg_nothing")


def test_dump_failure_is_reported_and_nothing_is_catalogued(pg_conn, pg_dsn, object_root, tmp_path):
    pg_conn.execute("TRUNCATE acf.backups")
    pg_conn.commit()
    with pytest.raises(maintenance.BackupError, match="pg_dump failed.*no matching schemas"):
        maintenance.backup(pg_dsn, object_root, tmp_path, now=NOW, schema="no_such_schema")
    assert pg_conn.execute("SELECT count(*) FROM acf.backups").fetchone()[0] == 0
    assert not list(object_root.rglob("*.dump"))


# -- encrypted backups (issue 22): sealed before the object store, restored with the key only --------
def test_an_encrypted_backup_holds_no_plain_dump_and_restores_with_its_key(seeded, pg_dsn, object_root, tmp_path):
    (tmp_path / "work").mkdir()
    record = maintenance.backup(pg_dsn, object_root, tmp_path / "work", now=NOW, encryption_key=KEY)
    stored = (object_root / record.backup_key).read_bytes()
    assert stored.startswith(backup_crypto.MAGIC)
    assert b"PGDMP" not in stored and b"Sample topic" not in stored   # pg_dump's magic and the data
    assert record.encryption == backup_crypto.ALGORITHM and record.key_id == backup_crypto.key_id(KEY)
    assert not list((tmp_path / "work").iterdir())                   # no plain dump left behind
    catalogued = seeded.execute("SELECT encryption, key_id FROM acf.backups").fetchone()
    assert catalogued == (backup_crypto.ALGORITHM, record.key_id)
    result = maintenance.verify_restore(pg_dsn, object_root, tmp_path, encryption_key=KEY)
    assert result["rows"] == sum(record.row_counts.values()) and result["encryption"] == backup_crypto.ALGORITHM


@pytest.mark.parametrize("key, reason", [(None, "no key was given"), ("another-key-entirely", "wrong key")])
def test_a_restore_without_the_key_or_with_another_fails_clearly(seeded, pg_dsn, object_root, tmp_path, key, reason):
    maintenance.backup(pg_dsn, object_root, tmp_path, now=NOW, encryption_key=KEY)
    with pytest.raises(maintenance.BackupError, match=reason):
        maintenance.verify_restore(pg_dsn, object_root, tmp_path, encryption_key=key)
    leftovers = seeded.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'acf_restore_check_%'")
    assert leftovers.fetchone()[0] == 0


def test_on_s3_the_dump_is_sealed_and_stored_with_server_side_encryption(seeded, pg_dsn, s3_root, tmp_path):
    root, client = s3_root
    sse = maintenance.sse_arguments("AES256")
    record = maintenance.backup(pg_dsn, root, tmp_path, now=NOW, encryption_key=KEY, sse=sse)
    head = client.head_object(Bucket="acf-objects", Key=f"factory/{record.backup_key}")
    assert head["ServerSideEncryption"] == "AES256"
    body = client.get_object(Bucket="acf-objects", Key=f"factory/{record.backup_key}")["Body"].read()
    assert body.startswith(backup_crypto.MAGIC) and len(body) == record.bytes
    result = maintenance.verify_restore(pg_dsn, root, tmp_path, encryption_key=KEY)
    assert result["rows"] == sum(record.row_counts.values())
    with pytest.raises(maintenance.BackupError, match="no key was given"):
        maintenance.verify_restore(pg_dsn, root, tmp_path)
