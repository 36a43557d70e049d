import pytest

from acf import storage


def test_put_and_get_round_trip_with_checksum(object_root):
    stored = storage.put_bytes(object_root, storage.key("content", "cp_1", "meta.json"), b'{"a": 1}')
    assert stored.bytes == 8
    assert len(stored.checksum) == 64
    assert storage.get_bytes(object_root, stored.key) == b'{"a": 1}'
    assert storage.exists(object_root, stored.key)
    # no temp files left beside the object
    assert [p.name for p in (object_root / "content" / "cp_1").iterdir()] == ["meta.json"]


def test_put_file_streams_and_checksums(object_root, tmp_path):
    src = tmp_path / "big.bin"
    src.write_bytes(b"x" * (storage.CHUNK + 10))
    stored = storage.put_file(object_root, storage.key("content", "cp_2", "video.mp4"), src)
    assert stored.bytes == storage.CHUNK + 10
    assert stored.checksum == storage.sha256_file(src)


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/../../b", "/abs", "title with spaces", "", ".hidden", "a\\b", "é"])
def test_keys_refuse_anything_not_id_like(bad):
    with pytest.raises(storage.UnsafeKeyError):
        storage.key("content", bad)


def test_failed_write_leaves_nothing_behind(object_root, tmp_path):
    missing = tmp_path / "does-not-exist.mp4"
    with pytest.raises(FileNotFoundError):
        storage.put_file(object_root, storage.key("content", "cp_3", "video.mp4"), missing)
    assert not storage.exists(object_root, "content/cp_3/video.mp4")
    assert list((object_root / "content" / "cp_3").iterdir()) == []
