"""The S3 path: Airflow's ObjectStoragePath over real boto3/s3fs against a loopback S3 server (moto)."""
import pytest

from acf import storage


def test_round_trip_through_object_storage_path(s3_root, tmp_path):
    root, client = s3_root
    stored = storage.put_bytes(root, storage.key("content", "cp_1", "meta.json"), b'{"ok": true}')
    assert storage.exists(root, stored.key)
    assert storage.get_bytes(root, stored.key) == b'{"ok": true}'
    # the object really is in the bucket, under the prefix, as boto3 sees it
    listed = client.list_objects_v2(Bucket="acf-objects", Prefix="factory/content/cp_1/")
    assert [o["Key"] for o in listed["Contents"]] == ["factory/content/cp_1/meta.json"]


def test_streamed_file_and_local_copy_for_ffmpeg(s3_root, tmp_path):
    root, client = s3_root
    src = tmp_path / "video.mp4"
    src.write_bytes(bytes(range(256)) * 40000)  # ~10 MB: several chunks
    stored = storage.put_file(root, storage.key("content", "cp_2", "video.mp4"), src)
    assert stored.checksum == storage.sha256_file(src)
    head = client.head_object(Bucket="acf-objects", Key="factory/content/cp_2/video.mp4")
    assert head["ContentLength"] == src.stat().st_size
    local = storage.fetch_to_local(root, stored.key, tmp_path / "dl")
    assert storage.sha256_file(local) == stored.checksum


def test_missing_object_is_a_clear_error(s3_root):
    root, _ = s3_root
    assert not storage.exists(root, "content/none/x.json")
    with pytest.raises(FileNotFoundError):
        storage.get_bytes(root, "content/none/x.json")
