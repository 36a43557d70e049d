"""The factory's object store as an ObjectStoragePath root (file:// or s3://)."""
from __future__ import annotations

from airflow.sdk import ObjectStoragePath

from acf import settings


def object_root() -> ObjectStoragePath:
    """Root of ACF_OBJECT_STORE; S3 credentials come from the ACF_OBJECT_STORE_CONN_ID Connection."""
    config = settings.load()
    if config.object_store_url.startswith("file://"):
        root = ObjectStoragePath(config.object_store_url)
        root.mkdir(parents=True, exist_ok=True)
        return root
    return ObjectStoragePath(config.object_store_url, conn_id=config.object_store_conn_id or "aws_default")
