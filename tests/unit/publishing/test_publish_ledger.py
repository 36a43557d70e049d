import json
from datetime import datetime, timedelta, timezone

import pytest

from acf import storage
from acf.publishing import content, ledger, quotas
from acf.publishing.errors import NeedsReauthError, QuotaExceededError
from acf.publishing.models import UploadOutcome
from acf.publishing.optimizer import ContentOptimizer
from acf.publishing.outbox import OutboxUploader
from acf.publishing.publisher import publish

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


class CountingUploader:
    """Counts posts; can fail once after the platform got the post (answer lost)."""

    def __init__(self, platform="youtube", account="acct", lose_answer_once=False, error=None):
        self.platform, self.account = platform, account
        self.posted: dict[str, str] = {}
        self.posts = 0
        self.lose_answer_once = lose_answer_once
        self.error = error

    def lookup(self, package, upload_state, marker):
        if marker in self.posted:
            return UploadOutcome("published", self.posted[marker], f"https://x/{self.posted[marker]}")
        return None

    def upload(self, package, upload_state, marker, checkpoint):
        if self.error:
            raise self.error
        self.posts += 1
        self.posted[marker] = f"vid{self.posts}"
        checkpoint({"video_id": f"vid{self.posts}"})
        if self.lose_answer_once:
            self.lose_answer_once = False
            raise ConnectionError("connection cut after the last chunk")
        return UploadOutcome("published", f"vid{self.posts}", "https://x")


@pytest.fixture
def package(make_source):
    return ContentOptimizer().package(make_source(), "youtube")


def _seed_piece(pg_conn, object_root, seed_content, content_id="cp_test1"):
    seed_content(pg_conn, object_root, content_id=content_id)


def test_rerun_never_posts_twice(pg_conn, clean_quota, object_root, seed_content, package):
    _seed_piece(pg_conn, object_root, seed_content)
    uploader = CountingUploader()
    first = publish(pg_conn, package, uploader, now=NOW)
    second = publish(pg_conn, package, uploader, now=NOW)
    assert first.state == second.state == "published"
    assert uploader.posts == 1 and first.publication_id == second.publication_id
    rows = pg_conn.execute("SELECT count(*), max(attempts) FROM acf.publications").fetchone()
    assert rows == (1, 1)


def test_lost_answer_is_reconciled_not_reposted(pg_conn, clean_quota, object_root, seed_content, package):
    _seed_piece(pg_conn, object_root, seed_content)
    uploader = CountingUploader(lose_answer_once=True)
    with pytest.raises(ConnectionError):
        publish(pg_conn, package, uploader, now=NOW)
    row = pg_conn.execute("SELECT state, upload_state FROM acf.publications").fetchone()
    assert row[0] == "uploading" and row[1]["video_id"] == "vid1"
    retried = publish(pg_conn, package, uploader, now=NOW)  # the task's retry
    assert retried.state == "published" and retried.external_id == "vid1"
    assert uploader.posts == 1
    # the retry did not pay quota again
    assert quotas.usage(pg_conn, "youtube", "acct", NOW) == {"upload_units": 50, "inserts": 1}


def _spend(pg_conn, bucket, units, platform="youtube", account="acct", at=NOW):
    pg_conn.execute("INSERT INTO acf.quota_spend (platform, account, bucket, units, spent_at) VALUES (%s, %s, %s, %s, %s)",
                    (platform, account, bucket, units, at))


def test_quota_beyond_limit_defers_to_next_pacific_day(pg_conn, clean_quota, object_root, seed_content, make_source):
    optimizer = ContentOptimizer()
    uploader = CountingUploader()
    _spend(pg_conn, "inserts", 98)  # 98 of the 100 videos.insert calls already made today
    results = []
    for i in range(4):
        cid = f"cp_q{i}"
        seed_content(pg_conn, object_root, content_id=cid)
        results.append(publish(pg_conn, optimizer.package(make_source(content_id=cid), "youtube"), uploader, now=NOW))
    states = [r.state for r in results]
    assert states == ["published"] * 2 + ["deferred"] * 2
    deferred = pg_conn.execute(
        "SELECT deferred_until, error FROM acf.publications WHERE state = 'deferred' LIMIT 1").fetchone()
    assert deferred[0] == datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)  # midnight PST
    assert "inserts" in deferred[1]
    # before the window opens a rerun stays deferred; after it, it publishes
    assert publish(pg_conn, optimizer.package(make_source(content_id="cp_q3"), "youtube"), uploader,
                   now=NOW + timedelta(hours=1)).state == "deferred"
    later = publish(pg_conn, optimizer.package(make_source(content_id="cp_q3"), "youtube"), uploader,
                    now=deferred[0] + timedelta(seconds=1))
    assert later.state == "published" and uploader.posts == 3


def test_upload_deferred_when_insert_bucket_full_though_units_remain(pg_conn, clean_quota, object_root,
                                                                    seed_content, package):
    _seed_piece(pg_conn, object_root, seed_content)
    _spend(pg_conn, "inserts", 100)
    assert quotas.usage(pg_conn, "youtube", "acct", NOW) == {"upload_units": 0, "inserts": 100}
    uploader = CountingUploader()
    result = publish(pg_conn, package, uploader, now=NOW)
    assert result.state == "deferred" and uploader.posts == 0
    error = pg_conn.execute("SELECT error FROM acf.publications").fetchone()[0]
    assert "inserts" in error and "upload_units" not in error
    assert quotas.usage(pg_conn, "youtube", "acct", NOW) == {"upload_units": 0, "inserts": 100}  # nothing spent


def test_upload_deferred_when_units_used_though_insert_calls_remain(pg_conn, clean_quota, object_root,
                                                                   seed_content, package):
    _seed_piece(pg_conn, object_root, seed_content)
    _spend(pg_conn, "upload_units", 9_990)  # e.g. search.list-free lookups and thumbnails spent the day's units
    uploader = CountingUploader()
    result = publish(pg_conn, package, uploader, now=NOW)
    assert result.state == "deferred" and uploader.posts == 0
    error = pg_conn.execute("SELECT error FROM acf.publications").fetchone()[0]
    assert "upload_units" in error and "inserts" not in error.replace("upload_units", "")
    assert quotas.usage(pg_conn, "youtube", "acct", NOW) == {"upload_units": 9_990, "inserts": 0}


def test_project_rules_file_overrides_the_buckets(pg_conn, clean_quota, tmp_path, monkeypatch):
    from acf import platform_rules, yaml_data
    rules = yaml_data.load(platform_rules.DEFAULT_RULES_FILE.read_text())
    rules["youtube"]["quotas"] = [{"bucket": "inserts", "limit": 1, "cost": 1, "window": "day_pacific"}]
    path = tmp_path / "rules.yaml"
    path.write_text(json.dumps(rules))  # JSON is YAML
    monkeypatch.setenv("ACF_PLATFORM_RULES_FILE", str(path))
    assert quotas.reserve(pg_conn, "youtube", "acct", None, NOW).granted
    decision = quotas.reserve(pg_conn, "youtube", "acct", None, NOW)
    assert not decision.granted and decision.bucket == "inserts" and "(1/1)" in decision.reason


def test_rolling_window_retry_at_is_when_oldest_spend_leaves(pg_conn, clean_quota):
    rule = [{"bucket": "inits", "limit": 2, "cost": 1, "window": "rolling", "seconds": 60}]
    assert quotas.reserve(pg_conn, "tiktok", "a", None, NOW, rule).granted
    assert quotas.reserve(pg_conn, "tiktok", "a", None, NOW + timedelta(seconds=10), rule).granted
    decision = quotas.reserve(pg_conn, "tiktok", "a", None, NOW + timedelta(seconds=20), rule)
    assert not decision.granted and decision.retry_at == NOW + timedelta(seconds=60)
    assert quotas.reserve(pg_conn, "tiktok", "a", None, NOW + timedelta(seconds=61), rule).granted
    assert quotas.reserve(pg_conn, "tiktok", "b", None, NOW + timedelta(seconds=20), rule).granted  # per account


def test_platform_quota_error_defers_and_blocks_account(pg_conn, clean_quota, object_root, seed_content, package):
    _seed_piece(pg_conn, object_root, seed_content)
    until = NOW + timedelta(hours=3)
    uploader = CountingUploader(error=QuotaExceededError("quotaExceeded", until, "upload_units"))
    result = publish(pg_conn, package, uploader, now=NOW)
    assert result.state == "deferred"
    assert not quotas.reserve(pg_conn, "youtube", "acct", None, NOW + timedelta(hours=1)).granted


def test_failed_refresh_marks_needs_reauth_without_retry(pg_conn, clean_quota, object_root, seed_content, package):
    _seed_piece(pg_conn, object_root, seed_content)
    uploader = CountingUploader(error=NeedsReauthError("YouTube token for acct was revoked: re-authorise the Connection"))
    result = publish(pg_conn, package, uploader, now=NOW)
    assert result.state == "needs_reauth" and "re-authorise" in result.error
    assert uploader.posts == 0


def test_outbox_writes_full_package_and_is_idempotent(pg_conn, clean_quota, object_root, seed_content):
    seed_content(pg_conn, object_root, content_id="cp_out", platforms=["tiktok", "instagram"])
    sources = content.ready_sources(pg_conn)
    assert [s.platforms for s in sources] == [["tiktok", "instagram"]]
    packages, refused = ContentOptimizer().packages(sources[0])
    assert refused == []
    for package in packages:
        key = content.save_package(object_root, package)
        uploader = OutboxUploader(object_root, package.platform)
        result = publish(pg_conn, package, uploader, package_key=key, now=NOW)
        assert result.state == "published" and result.external_id == f"outbox-{package.platform}-cp_out"
        prefix = f"outbox/{package.platform}/cp_out"
        metadata = json.loads(storage.get_bytes(object_root, f"{prefix}/metadata.json"))
        assert metadata["package"]["description"] == package.description
        assert storage.get_bytes(object_root, f"{prefix}/video.mp4") == storage.get_bytes(object_root, package.rendition_key)
        assert storage.exists(object_root, f"{prefix}/thumbnail.jpg")
        assert metadata["files"]["video"]["sha256"] == storage.sha256_file(object_root / f"{prefix}/video.mp4")
    assert content.ready_sources(pg_conn) == []  # nothing left to do
    assert ledger.counts(pg_conn) == {"published": 2}


def test_outbox_rerun_after_kill_finds_the_package(pg_conn, clean_quota, object_root, seed_content, make_source):
    seed_content(pg_conn, object_root, content_id="cp_k")
    package = ContentOptimizer().package(
        make_source(content_id="cp_k", renditions=content.ready_sources(pg_conn)[0].renditions), "tiktok")
    uploader = OutboxUploader(object_root, "tiktok")
    row = ledger.ensure(pg_conn, "cp_k", "tiktok", "local")
    uploader.upload(package, {}, row["marker"], lambda s: None)  # written, then "killed" before the ledger update
    ledger.mark(pg_conn, row["publication_id"], "uploading")
    pg_conn.commit()
    written = (object_root / "outbox/tiktok/cp_k/metadata.json").stat().st_mtime_ns
    result = publish(pg_conn, package, uploader, now=NOW)
    assert result.state == "published"
    assert (object_root / "outbox/tiktok/cp_k/metadata.json").stat().st_mtime_ns == written  # not rewritten


def test_ready_sources_fall_back_to_every_platform(pg_conn, object_root, seed_content):
    seed_content(pg_conn, object_root, content_id="cp_all")
    (source,) = content.ready_sources(pg_conn)
    assert source.platforms == ["youtube", "tiktok", "instagram", "facebook"]
    assert source.term == "home espresso" and source.thumbnail_key == "assets/cp_all/thumbnail.jpg"
