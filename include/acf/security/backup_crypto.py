"""Encrypting database dumps before they reach the object store: AES-256-GCM, streamed in chunks.

The key is a Connection's password (``acf_backup`` by default, ``ACF_BACKUP_CONN_ID``): any string;
each file gets its own 256-bit key derived from it with scrypt and a random salt, so the same
password never encrypts two files under one key. The file is cut into 1 MiB chunks, each sealed with
AES-GCM (``cryptography``'s AEAD) under a nonce of the file's random prefix and the chunk number, with
the header and a last-chunk flag as associated data: a reordered, truncated or altered file fails to
open, and so does a wrong key (the first chunk's tag does not match). Memory stays at one chunk.

Layout: ``MAGIC`` (8 bytes) | salt (16) | nonce prefix (8) | chunk size (4, big-endian) | key id (16),
then per chunk: length of the sealed chunk (4) | sealed chunk (plaintext + 16-byte tag). The key id
(a scrypt fingerprint of the password with a fixed salt, not the key) tells which key a dump needs.
"""
from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

MAGIC = b"ACFENC1\n"
ALGORITHM = "AES-256-GCM/scrypt/acf1"
CHUNK = 1024 * 1024
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
_HEADER = struct.Struct(">8s16s8sI16s")


class DecryptionError(ValueError):
    """The file cannot be opened with this key (wrong key, no key, or a damaged file)."""


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)


def key_id(password: str) -> str:
    """A fingerprint naming the key (16 hex digits); reveals nothing usable about it."""
    return _derive(password, b"acf-backup-key-id").hex()[:16]


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def stored_key_id(path: Path) -> str:
    with open(path, "rb") as fh:
        return _HEADER.unpack(fh.read(_HEADER.size))[4].hex()[:16]


def encrypt_file(source: Path, dest: Path, password: str, chunk_size: int = CHUNK) -> str:
    """Encrypt ``source`` into ``dest``; returns the key id."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not password:
        raise ValueError("an empty backup key")
    salt, prefix = os.urandom(16), os.urandom(8)
    kid = key_id(password)
    header = _HEADER.pack(MAGIC, salt, prefix, chunk_size, bytes.fromhex(kid.ljust(32, "0")))
    aead = AESGCM(_derive(password, salt))
    with open(source, "rb") as src, open(dest, "wb") as out:
        out.write(header)
        index = 0
        chunk = src.read(chunk_size)
        while True:
            following = src.read(chunk_size) if chunk else b""
            last = not following
            sealed = aead.encrypt(prefix + struct.pack(">I", index), chunk, header + (b"\x01" if last else b"\x00"))
            out.write(struct.pack(">I", len(sealed)) + sealed)
            if last:
                break
            chunk, index = following, index + 1
    return kid


def decrypt_file(source: Path, dest: Path, password: str | None) -> None:
    """Decrypt ``source`` into ``dest``; raises :class:`DecryptionError` with the reason."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with open(source, "rb") as src:
        raw = src.read(_HEADER.size)
        if len(raw) < _HEADER.size or raw[:len(MAGIC)] != MAGIC:
            raise DecryptionError("not an encrypted backup (no ACFENC1 header)")
        _, salt, prefix, chunk_size, kid_raw = _HEADER.unpack(raw)
        needed = kid_raw.hex()[:16]
        if not password:
            raise DecryptionError(f"the backup is encrypted ({ALGORITHM}, key id {needed}) and no key was given:"
                                  " set the password of the backup Connection (acf_backup)")
        if key_id(password) != needed:
            raise DecryptionError(f"wrong key: the backup was encrypted with key id {needed}, the key given is"
                                  f" {key_id(password)}")
        aead = AESGCM(_derive(password, salt))
        index, finished = 0, False
        with open(dest, "wb") as out:
            while True:
                size_raw = src.read(4)
                if not size_raw:
                    break
                if finished:
                    raise DecryptionError("data after the last chunk: the backup is damaged")
                (size,) = struct.unpack(">I", size_raw)
                sealed = src.read(size)
                if len(sealed) != size or size > chunk_size + 16:
                    raise DecryptionError(f"chunk {index} is cut short: the backup is damaged")
                nonce = prefix + struct.pack(">I", index)
                try:
                    out.write(aead.decrypt(nonce, sealed, raw + b"\x00"))
                except InvalidTag:
                    try:
                        out.write(aead.decrypt(nonce, sealed, raw + b"\x01"))
                        finished = True
                    except InvalidTag:
                        raise DecryptionError(f"chunk {index} fails its integrity check: the backup is damaged"
                                              " or was encrypted with another key") from None
                index += 1
        if not finished:
            raise DecryptionError("the last chunk is missing: the backup is truncated")
