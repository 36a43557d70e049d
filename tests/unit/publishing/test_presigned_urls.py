"""Instagram fetches renditions from a presigned S3 URL: real, fetchable, expiring within an hour."""
import time
import urllib.parse
import urllib.request

import pytest

from acf import storage
from acf.publishing.errors import NotPublishableError
from acf.publishing.hook_support import public_url_resolver


def test_presigned_url_is_fetchable_and_expires_within_an_hour(s3_root):
    root, _ = s3_root
    stored = storage.put_bytes(root, storage.key("content", "cp_9", "video_9x16.mp4"), b"\x00\x00\x00\x18ftypmp42")
    url = public_url_resolver(root)(stored.key)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    if "X-Amz-Expires" in query:            # SigV4: seconds from signing
        lifetime = int(query["X-Amz-Expires"][0])
    else:                                   # SigV2: an absolute epoch second
        lifetime = int(query["Expires"][0]) - time.time()
    assert 0 < lifetime <= 3600, url
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"\x00\x00\x00\x18ftypmp42"


def test_longer_expiry_is_refused(s3_root):
    root, _ = s3_root
    with pytest.raises(ValueError, match="within an hour"):
        public_url_resolver(root, expires_seconds=6 * 3600)


def test_a_local_store_has_no_public_url(object_root):
    with pytest.raises(NotPublishableError, match="public URL"):
        public_url_resolver(object_root)("content/cp_1/video.mp4")
