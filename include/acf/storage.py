"""The one object-store helper: keys, atomic writes, checksums.

Functions take a *root* path object: an Airflow ``ObjectStoragePath`` inside
tasks (``file://`` locally, ``s3://bucket/prefix`` in production), a
``upath.UPath`` or a ``pathlib.Path`` in plain Python. Only the ``/`` operator,
``open``, ``exists``, ``unlink``, ``iterdir`` and ``mkdir`` are used, so any of
them works.

Keys are built from ids by the callers and checked here, so user text (a title,
a term) can never choose where a file lands.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 8 * 1024 * 1024
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=-]{0,199}$")


class UnsafeKeyError(ValueError):
    """A key part could escape its folder or is not made from ids."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    bytes: int
    checksum: str  # sha256 hex


def key(*parts: str) -> str:
    """Join key parts, refusing anything that is not a plain id-like name."""
    checked = []
    for part in parts:
        for piece in str(part).split("/"):
            if not _SAFE_PART.match(piece) or piece in (".", ".."):
                raise UnsafeKeyError(f"unsafe object key part {piece!r}")
            checked.append(piece)
    return "/".join(checked)


def root_from_url(url: str) -> Any:
    """A root path for plain-Python callers (tests, benchmarks, CLI)."""
    if url.startswith("file://") or "://" not in url:
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)) if url.startswith("file://") else Path(url)
        path.mkdir(parents=True, exist_ok=True)
        return path
    from upath import UPath

    return UPath(url)


def _local_path(target: Any) -> Path | None:
    if isinstance(target, Path):
        return target
    protocol = getattr(target, "protocol", None)
    if protocol in ("file", "local", ""):
        return Path(target.path)
    return None


def put_bytes(root: Any, object_key: str, data: bytes) -> StoredObject:
    target = root / object_key
    local = _local_path(target)
    if local is not None:
        _atomic_local_write(local, lambda fh: fh.write(data))
    else:
        # An S3 PUT becomes visible only when complete, so readers never see half.
        with target.open("wb") as fh:
            fh.write(data)
    return StoredObject(object_key, len(data), hashlib.sha256(data).hexdigest())


def put_file(root: Any, object_key: str, source: Path, **s3_arguments: str) -> StoredObject:
    """Stream a local file into the store (bounded memory), returning size and checksum.

    ``s3_arguments`` (e.g. ``ServerSideEncryption="AES256"``) go with the S3 PUT; a local store ignores them.
    """
    digest = hashlib.sha256()
    size = 0
    target = root / object_key

    def copy(dst) -> None:
        nonlocal size
        with open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)

    local = _local_path(target)
    if local is not None:
        _atomic_local_write(local, copy)
    else:
        with target.open("wb", **s3_arguments) as fh:
            copy(fh)
    return StoredObject(object_key, size, digest.hexdigest())


def _atomic_local_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def get_bytes(root: Any, object_key: str) -> bytes:
    with (root / object_key).open("rb") as fh:
        return fh.read()


def exists(root: Any, object_key: str) -> bool:
    return (root / object_key).exists()


def fetch_to_local(root: Any, object_key: str, dest_dir: Path) -> Path:
    """A local file for tools that need one (ffmpeg): the file itself when local."""
    target = root / object_key
    local = _local_path(target)
    if local is not None:
        return local
    Path(dest_dir).mkdir(parents=True, exist_ok=True)
    dest = Path(dest_dir) / object_key.replace("/", "__")
    with target.open("rb") as src, open(dest, "wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    return dest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scratch_dir(prefix: str = "acf-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
