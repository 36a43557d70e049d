"""Encrypted backups: the dump is sealed (AES-256-GCM) before it reaches the object store, a restore
decrypts and compares row counts, and a restore without the key or with another key fails clearly."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from acf import maintenance
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


def test_sealed_chunks_stream_and_refuse_truncation_reordering_and_tampering(tmp_path):
    plain = tmp_path / "plain.bin"
    plain.write_bytes(bytes(range(256)) * 1000)            # 256,000 bytes: 4 chunks of 64 KiB
    sealed, out = tmp_path / "sealed.bin", tmp_path / "out.bin"
    backup_crypto.encrypt_file(plain, sealed, KEY, chunk_size=64 * 1024)
    backup_crypto.decrypt_file(sealed, out, KEY)
    assert out.read_bytes() == plain.read_bytes()
    data = sealed.read_bytes()
    header = 8 + 16 + 8 + 4 + 16
    chunk = 4 + 64 * 1024 + 16
    damaged = {
        "truncated": data[:header + 2 * chunk],
        "reordered": data[:header] + data[header + chunk:header + 2 * chunk] + data[header:header + chunk]
        + data[header + 2 * chunk:],
        "tampered": data[:header + 100] + bytes([data[header + 100] ^ 1]) + data[header + 101:],
    }
    for name, blob in damaged.items():
        sealed.write_bytes(blob)
        with pytest.raises(backup_crypto.DecryptionError):
            backup_crypto.decrypt_file(sealed, out, KEY)
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    backup_crypto.encrypt_file(empty, sealed, KEY)
    backup_crypto.decrypt_file(sealed, out, KEY)
    assert out.read_bytes() == b""


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


def test_server_side_encryption_settings_are_checked():
    assert maintenance.sse_arguments(None) == {}
    assert maintenance.sse_arguments("aws:kms", "alias/acf") == {"ServerSideEncryption": "aws:kms",
                                                                 "SSEKMSKeyId": "alias/acf"}
    with pytest.raises(maintenance.BackupError, match="ACF_BACKUP_SSE"):
        maintenance.sse_arguments("rot13")
