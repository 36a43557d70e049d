"""Backup encryption: sealed chunks that stream and refuse truncation, reordering and tampering; the S3
server-side encryption settings. (The encrypted backup and restore against PostgreSQL are in
tests/unit/analytics/test_analytics_backup.py, beside the other restore checks: one xdist worker.)"""
from __future__ import annotations

import pytest

from acf import maintenance
from acf.security import backup_crypto

KEY = "backup-key-for-tests-7f3a"


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


def test_server_side_encryption_settings_are_checked():
    assert maintenance.sse_arguments(None) == {}
    assert maintenance.sse_arguments("aws:kms", "alias/acf") == {"ServerSideEncryption": "aws:kms",
                                                                 "SSEKMSKeyId": "alias/acf"}
    with pytest.raises(maintenance.BackupError, match="ACF_BACKUP_SSE"):
        maintenance.sse_arguments("rot13")
