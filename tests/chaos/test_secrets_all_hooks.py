"""Planted secrets stay secret in every other hook of ``plugins/hooks`` (test_secrets.py covers OpenAI, Groq
and the YouTube upload).

Each hook gets unique fake credentials in its Connection (AIRFLOW_CONN_* env vars): the fields it reads
(password, and the extras access_token / refresh_token of the platform hooks). The hook's main calls run
against its loopback stand-in (which accepts exactly those credentials), then ``test_connection()``, then
calls the stand-in refuses with a 401/400 whose body echoes the credential back (some real APIs do).
Where the hook's path writes to the database (trend fetch + process, the text tier chain, the media tier
chains, publishing through the ledger) it runs that path. Afterwards every log record (all loggers, DEBUG),
stdout/stderr, every returned value and exception message, every row of every acf table and every object
in the store is searched for each secret: zero occurrences.

Not covered here: ``gtts`` (no credential: gTTS needs no key) and ``diffusers_image`` (a local model
directory in ``host``; no secret field). ``factory_db`` / ``object_store`` carry no API credential of
their own (Postgres / S3 credentials are exercised by their own suites).
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from acf import storage
from chaos import registry
from stand_ins.base import Fault, Response

TAG = uuid.uuid4().hex[:10]
SECRETS = {
    # trend sources
    "youtube_api_key": f"AIzaSyChaos{TAG}SECRET",
    "x_bearer": f"AAAAAAAAAAChaosBearer{TAG}SECRET",
    "reddit_client_secret": f"reddit-secret-{TAG}-SECRET",
    "reddit_access_token": f"reddit-access-{TAG}-secret",   # lower case: the stand-in compares lowered
    "google_trends_unused": f"gtrends-unused-{TAG}-SECRET",   # the hook reads no credential: planted anyway
    # text
    "anthropic_key": f"sk-ant-api03-chaos-{TAG}-SECRET",
    # image and voice
    "leonardo_key": f"{TAG[:8]}-leo0-4c0a-9a5e-{TAG}SECRET",
    "openai_images_key": f"sk-proj-images-{TAG}-SECRET",
    "azure_speech_key": f"{TAG}azure{TAG}SECRET",
    "elevenlabs_key": f"sk_chaos{TAG}elevenSECRET",
    # platforms
    "tiktok_client_secret": f"tt-client-secret-{TAG}-SECRET",
    "tiktok_access": f"act.chaos{TAG}SECRET",
    "tiktok_refresh": f"rft.chaos{TAG}SECRET",
    "instagram_app_secret": f"ig-app-secret-{TAG}-SECRET",
    "instagram_access": f"IGQWchaos{TAG}SECRET",
    "facebook_app_secret": f"fb-app-secret-{TAG}-SECRET",
    "facebook_access": f"EAAGchaos{TAG}SECRET",
    "facebook_refresh": f"fb-refresh-{TAG}-SECRET",
}
START = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)


# ------------------------------------------------------------------ scanning
def _leaks(where: str, text: str) -> int:
    found = 0
    for name, secret in SECRETS.items():
        count = text.count(secret)
        if count:
            at = text.index(secret)
            context = text[max(0, at - 90):at + len(secret) + 30].replace(secret, f"<{name}>").replace("\n", " ")
            registry.record("secrets_leaked", count, what=f"{name} found {count}x in {where}: ...{context}...")
            found += count
    return found


def _tables_text(conn) -> dict[str, str]:
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'acf' AND table_type = 'BASE TABLE'")]
    return {t: "\n".join(r[0] for r in conn.execute(f'SELECT t::text FROM acf."{t}" t')) for t in tables}


def _scan(conn, object_root, caplog, capfd, returned) -> int:
    out, err = capfd.readouterr()
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    leaks = _leaks("logs", logs + "\n" + caplog.text) + _leaks("stdout/stderr", out + err)
    leaks += _leaks("return values / exception messages", json.dumps(returned, default=repr))
    if conn is not None:
        conn.rollback()
        for table, text in _tables_text(conn).items():
            leaks += _leaks(f"acf.{table}", text)
    for path in object_root.rglob("*"):
        if path.is_file():
            leaks += _leaks(f"object {path.relative_to(object_root)}", path.read_bytes().decode("utf-8", "replace"))
    return leaks


@pytest.fixture
def all_logs(caplog, monkeypatch):
    """caplog receiving every logger at ``level`` (DEBUG unless told): levels set by Airflow's logging config
    (urllib3 at INFO...), disabled loggers and loggers that do not propagate are opened up (restored after).

    Airflow configures logging when it first loads its settings (first Connection lookup), so that is done
    before opening up. A handler left bound to an earlier test's closed capture stream would print the
    exception being handled to stderr through logging.handleError (a harness artefact, not the product's
    output): raiseExceptions is off for these tests.
    """
    from airflow.sdk import BaseHook

    monkeypatch.setenv("AIRFLOW_CONN_ACF_SECRETS_LOG_PRIME", json.dumps({"conn_type": "http", "host": "x"}))
    BaseHook.get_connection("acf_secrets_log_prime")
    monkeypatch.setattr(logging, "raiseExceptions", False)

    def open_up(level: int = logging.DEBUG) -> None:
        caplog.set_level(level)
        for name, logger in list(logging.root.manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger):
                continue
            if logger.level and logger.level > level:
                caplog.set_level(level, logger=name)
            if logger.disabled:
                monkeypatch.setattr(logger, "disabled", False)
            if not logger.propagate:
                monkeypatch.setattr(logger, "propagate", True)

    return open_up


def _leak_lines(n: int) -> list[str]:
    return [line for line in registry.findings if line.startswith("secrets_leaked")][-n:]


def _set_conn(monkeypatch, conn_id: str, conn_type: str, host: str, password: str | None = None,
              login: str | None = None, **extra) -> None:
    value = {"conn_type": conn_type, "host": host, "login": login, "password": password, "extra": extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(value))


def _raised(fn, *args, **kwargs):
    """Call ``fn``; the exception (type and message) if it raised, else its result."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the message is what gets scanned
        return f"{type(exc).__name__}: {exc}"


def _echo(status: int, secret: str, shape: str = "google") -> Fault:
    """A refusal whose body echoes the credential back, as some real APIs do."""
    message = f"The credential {secret} is not valid."
    bodies = {
        "google": {"error": {"code": status, "message": message,
                             "errors": [{"message": message, "domain": "global", "reason": "badRequest"}]}},
        "x": {"title": "Unauthorized", "type": "about:blank", "status": status, "detail": message},
        "plain": {"error": message},
        "graph": {"error": {"message": message, "type": "GraphMethodException", "code": 100}},
        "tiktok": {"data": {}, "error": {"code": "invalid_params", "message": message, "log_id": "x"}},
    }
    return Fault.server_error(status, body=bodies[shape])


# ------------------------------------------------------------------ trend sources
@pytest.fixture
def trend_sources(monkeypatch):
    """youtube, x, reddit and google_trends stand-ins accepting only the planted credentials."""
    from stand_ins import reddit as reddit_si, x as x_si, youtube as youtube_si
    from stand_ins.google_trends import google_trends_stand_in

    monkeypatch.setattr(youtube_si, "API_KEY", SECRETS["youtube_api_key"])
    monkeypatch.setattr(x_si, "BEARER", SECRETS["x_bearer"])
    monkeypatch.setattr(reddit_si, "CLIENT_SECRET", SECRETS["reddit_client_secret"])
    monkeypatch.setattr(reddit_si, "TOKEN", SECRETS["reddit_access_token"])
    with youtube_si.youtube_stand_in() as yt, x_si.x_stand_in() as xs, reddit_si.reddit_stand_in() as rd, \
            google_trends_stand_in() as gt:
        _set_conn(monkeypatch, "acf_youtube", "acf_youtube", yt.url, SECRETS["youtube_api_key"], timeout=2,
                  max_results=5)
        _set_conn(monkeypatch, "acf_x", "acf_x", xs.url, SECRETS["x_bearer"], timeout=2, max_trends=10)
        _set_conn(monkeypatch, "acf_reddit", "acf_reddit", rd.url, SECRETS["reddit_client_secret"],
                  login=reddit_si.CLIENT_ID, reddit_url=rd.url, timeout=2, limit=10)
        _set_conn(monkeypatch, "acf_google_trends", "acf_google_trends", f"{gt.url}/trends",
                  SECRETS["google_trends_unused"], timeout=2)
        yield {"youtube": yt, "x": xs, "reddit": rd, "google_trends": gt}


def _trend_hooks():
    from hooks.google_trends import GoogleTrendsHook
    from hooks.reddit import RedditHook
    from hooks.x import XHook
    from hooks.youtube import YouTubeHook

    return {"youtube": YouTubeHook(), "x": XHook(), "reddit": RedditHook(), "google_trends": GoogleTrendsHook()}


@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_trend_source_keys_stay_out_of_logs_xcoms_rows_and_objects(pg_conn, object_root, trend_sources,
                                                                    caplog, capfd, all_logs, log_level):
    """fetch_raw + process (the trends DAG's path) with every live hook, then each test_connection()."""
    from acf.trends import pipeline

    all_logs(getattr(logging, log_level))
    hooks = _trend_hooks()
    payloads = [pipeline.fetch_raw(name, "US", object_root, interval_start=START, fetcher=hook.fetch_trending)
                for name, hook in hooks.items()]
    assert [p["status"] for p in payloads] == ["ok"] * 4, payloads
    summary = pipeline.process(pg_conn, object_root, payloads, interval_start=START, run_id="chaos-secrets-trends")
    pg_conn.commit()
    assert summary["payloads"] == 4 and pg_conn.execute("SELECT count(*) FROM acf.trends").fetchone()[0] > 0
    checks = {name: hook.test_connection() for name, hook in hooks.items()}
    assert all(ok for ok, _ in checks.values()), checks
    counts = hooks["x"].recent_count("espresso")
    assert trend_sources["youtube"].requests[0].arg("key") == SECRETS["youtube_api_key"]  # the key was used
    # discovery by search (the key in search.list and videos.list URLs) and the evidence step (Reddit's
    # comments with the app token, X's recent search with the bearer)
    from acf.trends import discovery, more_evidence
    from hooks.configured import discovery_calls, evidence_calls

    found = discovery.discover(pg_conn, object_root, "US", payloads, interval_start=START,
                               calls=discovery_calls("live"))
    gathered = more_evidence.gather(pg_conn, object_root, interval_start=START, calls=evidence_calls("live"),
                                    run_id="chaos-secrets-trends")
    pg_conn.commit()
    assert trend_sources["youtube"].requests_to("/youtube/v3/search") and trend_sources["reddit"].requests_to("/comments/")
    assert trend_sources["x"].requests_to("/2/tweets/search/recent") and not gathered["errors"], gathered

    leaks = _scan(pg_conn, object_root, caplog, capfd, [payloads, summary, checks, counts, found, gathered])
    assert leaks == 0, _leak_lines(leaks)


@pytest.mark.parametrize("source, path, status, secret, shape", [
    pytest.param("youtube", "/youtube/v3/videos", 400, "youtube_api_key", "google"),
    pytest.param("x", "/2/trends/", 401, "x_bearer", "x"),
    pytest.param("reddit", "/api/v1/access_token", 401, "reddit_client_secret", "plain"),
    pytest.param("google_trends", "/trending/rss", 400, "google_trends_unused", "plain"),
])
def test_trend_source_keys_echoed_in_refusals_are_not_passed_on(pg_conn, object_root, trend_sources, caplog, capfd,
                                                                 all_logs, source, path, status, secret, shape):
    """The source refuses (401/400 echoing the credential): the unavailable payload's error (an XCom), the
    warning logged, what process() stores and test_connection()'s message carry no key."""
    from acf.trends import pipeline

    all_logs()
    hook = _trend_hooks()[source]
    trend_sources[source].faults.always(_echo(status, SECRETS[secret], shape), path=path)
    payload = pipeline.fetch_raw(source, "GB", object_root, interval_start=START, fetcher=hook.fetch_trending)
    check = hook.test_connection()
    assert payload["status"] == "unavailable" and payload["error"], payload
    assert not check[0], check
    summary = pipeline.process(pg_conn, object_root, [payload], interval_start=START, run_id="chaos-echo")
    pg_conn.commit()
    assert summary["unavailable"] == [f"{source}/GB"], summary

    leaks = _scan(pg_conn, object_root, caplog, capfd, [payload, check, summary])
    assert leaks == 0, _leak_lines(leaks)


# ------------------------------------------------------------------ text: anthropic
@pytest.mark.parametrize("log_level", ["DEBUG"])   # DEBUG captures everything INFO does
def test_anthropic_key_stays_out_including_an_echoed_401(pg_conn, object_root, monkeypatch, caplog, capfd, all_logs, log_level):
    """Angles through the tier chain (DB path), messages(), test_connection(), and refusals echoing the key."""
    import hooks.anthropic as anthropic_hook
    from acf.opportunities import pipeline as opportunities
    from stand_ins.anthropic import AnthropicStandIn
    from stand_ins.openai import insert_trend

    all_logs(getattr(logging, log_level))
    for var in ("AIRFLOW_CONN_ACF_OPENAI", "AIRFLOW_CONN_ACF_GROQ"):
        monkeypatch.delenv(var, raising=False)
    with AnthropicStandIn(api_key=SECRETS["anthropic_key"]) as server:
        _set_conn(monkeypatch, "acf_anthropic", "acf_anthropic", server.url, SECRETS["anthropic_key"],
                  max_retries=0, timeout=5)
        insert_trend(pg_conn, "trd_secret_ant", "home espresso machines", score=0.9)
        pg_conn.commit()
        returned = [opportunities.score_trends(pg_conn, run_id="chaos-secrets-ant")]
        tiers = {"chaos": {"text": ["anthropic"]}}
        returned.append(opportunities.write_angles(pg_conn, tier="chaos", top_n=1, run_id="chaos-secrets-ant",
                                                   tiers=tiers))
        pg_conn.commit()
        hook = anthropic_hook.AnthropicHook()
        returned.append(hook.messages([{"role": "user", "content": "hello"}]).model_dump())
        returned.append(hook.test_connection())
        assert returned[-1][0], returned[-1]
        assert server.message_requests(), "the tier chain used anthropic"

        refusal = {"type": "error", "error": {"type": "authentication_error",
                                              "message": f"invalid x-api-key: {SECRETS['anthropic_key']}"}}
        server.faults.always(Fault.server_error(401, body=refusal))
        returned.append(_raised(hook.messages, [{"role": "user", "content": "hello"}]))
        returned.append(hook.test_connection())
        assert not returned[-1][0]
        insert_trend(pg_conn, "trd_secret_ant2", "cold brew at home", score=0.95)
        pg_conn.commit()
        returned.append(opportunities.score_trends(pg_conn, run_id="chaos-secrets-ant2"))
        summary = opportunities.write_angles(pg_conn, tier="chaos", top_n=5, run_id="chaos-secrets-ant2",
                                             tiers=tiers)
        pg_conn.commit()
        returned.append(summary)
        # The direct exception carries the SDK's message (the key, as the server sent it): it is only ever
        # returned to the caller here; what the factory passes on (test_connection, rows, logs) must be clean.
        direct = returned.pop(4)
        assert SECRETS["anthropic_key"] in direct or "***" in direct

    leaks = _scan(pg_conn, object_root, caplog, capfd, returned)
    assert leaks == 0, _leak_lines(leaks)


# ------------------------------------------------------------------ image and voice
@pytest.fixture
def media_servers(monkeypatch):
    from stand_ins.azure_speech import AzureSpeechStandIn
    from stand_ins.elevenlabs import ElevenLabsStandIn
    from stand_ins.leonardo import LeonardoStandIn
    from stand_ins.openai_images import OpenAIImagesStandIn

    with LeonardoStandIn() as leo, OpenAIImagesStandIn() as oai, AzureSpeechStandIn() as az, \
            ElevenLabsStandIn() as el:
        leo.api_key, oai.api_key = SECRETS["leonardo_key"], SECRETS["openai_images_key"]
        az.api_key, el.api_key = SECRETS["azure_speech_key"], SECRETS["elevenlabs_key"]
        _set_conn(monkeypatch, "acf_leonardo", "acf_leonardo", f"{leo.url}/api/rest/v1", SECRETS["leonardo_key"],
                  poll_seconds=0, max_retries=0)
        _set_conn(monkeypatch, "acf_openai_images", "acf_openai_images", f"{oai.url}/v1",
                  SECRETS["openai_images_key"], max_retries=0, timeout=10)
        _set_conn(monkeypatch, "acf_azure_speech", "acf_azure_speech", az.url, SECRETS["azure_speech_key"],
                  max_retries=0)
        _set_conn(monkeypatch, "acf_elevenlabs", "acf_elevenlabs", el.url, SECRETS["elevenlabs_key"], max_retries=0)
        yield {"leonardo": leo, "openai_images": oai, "azure_speech": az, "elevenlabs": el}


def _media_hooks():
    from hooks.configured import media_client

    return {"leonardo": media_client("image", "leonardo"), "openai_images": media_client("image", "openai_images"),
            "azure_speech": media_client("voice", "azure"), "elevenlabs": media_client("voice", "elevenlabs")}


def _media_plan(conn, root):
    from acf.media import production
    from stand_ins import media_samples

    media_samples.insert_opportunity(conn)
    plan = production.plan_content(conn, tier="premium")
    production.store_script(conn, root, plan, media_samples.tiny_script())
    conn.commit()
    return plan


@pytest.mark.parametrize("log_level", ["DEBUG"])   # DEBUG captures everything INFO does
def test_media_keys_stay_out_of_assets_logs_and_messages(pg_conn, object_root, media_servers, caplog, capfd, all_logs, log_level):
    """Each image/voice hook makes a scene asset through the tier chain (DB + store), directly, and tests."""
    from acf.media import production
    from hooks.configured import media_client

    all_logs(getattr(logging, log_level))
    hooks = _media_hooks()
    plan = _media_plan(pg_conn, object_root)
    returned = []
    for scene, image in enumerate(("leonardo", "openai_images")):
        returned.append(production.make_visual(pg_conn, object_root, plan.content_id, scene,
                                               tiers={"premium": {"image": [image]}}, resolver=media_client))
    for scene, voice in enumerate(("azure", "elevenlabs")):   # the voice chain calls azure_speech "azure"
        returned.append(production.make_voice(pg_conn, object_root, plan.content_id, scene,
                                              tiers={"premium": {"voice": [voice]}}, resolver=media_client))
    pg_conn.commit()
    providers = {r[0] for r in pg_conn.execute("SELECT provider FROM acf.assets")}
    assert {"leonardo", "openai_images", "azure", "elevenlabs"} <= providers, providers
    returned.append(len(hooks["leonardo"].generate_image("a sun", 1080, 1920)))
    returned.append(len(hooks["elevenlabs"].synthesize("Hello there", "en")[0]))
    checks = {name: hook.test_connection() for name, hook in hooks.items()}
    assert all(ok for ok, _ in checks.values()), checks
    returned.append(checks)

    leaks = _scan(pg_conn, object_root, caplog, capfd, returned)
    assert leaks == 0, _leak_lines(leaks)


def test_media_keys_echoed_in_refusals_are_not_passed_on(pg_conn, object_root, media_servers, caplog, capfd, all_logs):
    """Every image/voice API refuses once with its key echoed: the chain falls back; nothing keeps the key."""
    from acf.media import production
    from hooks.configured import media_client

    all_logs()
    hooks = _media_hooks()
    echo = {"leonardo": (r"/generations$|/me$", "plain"), "openai_images": (r"/images/|/models", "google"),
            "azure_speech": (r"/cognitiveservices/", "plain"), "elevenlabs": (r"/text-to-speech/|/voices", "plain")}
    key_of = {"leonardo": "leonardo_key", "openai_images": "openai_images_key", "azure_speech": "azure_speech_key",
              "elevenlabs": "elevenlabs_key"}
    for name, (path, shape) in echo.items():
        media_servers[name].faults.always(_echo(401, SECRETS[key_of[name]], shape), path=path)
    plan = _media_plan(pg_conn, object_root)
    returned = [
        production.make_visual(pg_conn, object_root, plan.content_id, 0,
                               tiers={"premium": {"image": ["leonardo", "openai_images", "local"]}}, resolver=media_client),
        production.make_voice(pg_conn, object_root, plan.content_id, 0,
                              tiers={"premium": {"voice": ["azure", "elevenlabs", "local"]}}, resolver=media_client),
    ]
    pg_conn.commit()
    assert {r[0] for r in pg_conn.execute("SELECT provider FROM acf.assets")} == {"local"}
    checks = {name: hook.test_connection() for name, hook in hooks.items()}
    assert not any(ok for ok, _ in checks.values()), checks
    returned.append(checks)

    leaks = _scan(pg_conn, object_root, caplog, capfd, returned)
    assert leaks == 0, _leak_lines(leaks)


# ------------------------------------------------------------------ platforms
KB = 1024
TIKTOK_RULE = {"min_bytes": 64 * KB, "preferred_bytes": 64 * KB, "max_bytes": 256 * KB, "last_max_bytes": 512 * KB,
               "max_count": 1000}
IG_USER = "17841400000000001"


@pytest.fixture
def platforms(monkeypatch, pg_conn, object_root):
    """TikTok, Instagram and Facebook stand-ins knowing only the planted tokens; the tokens on the
    Connections are about to expire, so every hook refreshes (sending the client/app secret) first."""
    from stand_ins.facebook import FacebookStandIn
    from stand_ins.instagram import InstagramStandIn
    from stand_ins.tiktok import TikTokStandIn

    soon = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    with TikTokStandIn(min_chunk=64 * KB, max_chunk=256 * KB, last_max=512 * KB) as tt, \
            InstagramStandIn(ig_user_id=IG_USER) as ig, FacebookStandIn(page_id="1001", video_chunk=64 * KB) as fb:
        tt.valid_tokens = {SECRETS["tiktok_access"]}
        tt.refresh_tokens = {SECRETS["tiktok_refresh"]}
        ig.valid_tokens, ig.app = {SECRETS["instagram_access"]}, ("ig-app-id", SECRETS["instagram_app_secret"])
        fb.valid_tokens, fb.app = {SECRETS["facebook_access"]}, ("fb-app-id", SECRETS["facebook_app_secret"])
        # FacebookHook.test_connection() reads GET /{page-id}; the stand-in has no such route (its
        # /{video-id} status route would answer "Object does not exist"): serve the page first.
        fb.routes.insert(0, ("GET", re.compile(r"^/v21\.0/1001$"), lambda r: (
            t if isinstance(t := fb.token_of(r), Response) else {"id": "1001", "name": "Factory page"})))
        _set_conn(monkeypatch, "acf_tiktok", "acf_tiktok", tt.url, SECRETS["tiktok_client_secret"], login="ck",
                  access_token=SECRETS["tiktok_access"], refresh_token=SECRETS["tiktok_refresh"],
                  token_expires_at=soon, account=f"creator-{TAG}")
        _set_conn(monkeypatch, "acf_instagram", "acf_instagram", f"{ig.url}/v21.0", SECRETS["instagram_app_secret"],
                  login="ig-app-id", access_token=SECRETS["instagram_access"], token_expires_at=soon,
                  ig_user_id=IG_USER, account=f"ig-{TAG}")
        _set_conn(monkeypatch, "acf_facebook", "acf_facebook", f"{fb.url}/v21.0", SECRETS["facebook_app_secret"],
                  login="fb-app-id", access_token=SECRETS["facebook_access"], refresh_token=SECRETS["facebook_refresh"],
                  token_expires_at=soon, page_id="1001", account=f"fb-{TAG}")
        pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
        for cid in ("cp_sec_tt", "cp_sec_ig", "cp_sec_fb"):
            pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                            " VALUES (%s, 'budget', 30, 'ready')", (cid,))
            storage.put_bytes(object_root, f"renditions/{cid}/9x16.mp4", bytes(range(256)) * 600)
        pg_conn.commit()
        yield {"tiktok": tt, "instagram": ig, "facebook": fb}


def _packages(suffix: str = ""):
    from acf.publishing.models import PlatformPackage

    def key(cid):
        return f"renditions/{cid}/9x16.mp4"

    return {
        "tiktok": PlatformPackage("cp_sec_tt", "tiktok", f"Espresso{suffix}", f"Espresso at home{suffix} #Coffee",
                                  ["#Coffee"], key("cp_sec_tt"), None, "9:16",
                                  {"duration_seconds": 30, "privacy_level": "SELF_ONLY"}),
        "instagram": PlatformPackage("cp_sec_ig", "instagram", f"Espresso{suffix}", f"Espresso at home{suffix}",
                                     ["#HomeEspresso"], key("cp_sec_ig"), None, "9:16",
                                     {"media_type": "REELS", "share_to_feed": True}),
        "facebook": PlatformPackage("cp_sec_fb", "facebook", f"Espresso{suffix}", f"Espresso?{suffix}", [],
                                    key("cp_sec_fb"), None, "9:16", {"post_type": "reel"}),
    }


def _platform_hooks():
    from hooks.facebook import FacebookHook
    from hooks.instagram import InstagramHook
    from hooks.tiktok import TikTokHook

    return {"tiktok": TikTokHook(), "instagram": InstagramHook(), "facebook": FacebookHook()}


def _uploaders(hooks, root):
    fast = {"sleep": lambda s: None, "poll_seconds": 0}
    return {
        "tiktok": hooks["tiktok"].uploader(root, chunk_rule=TIKTOK_RULE, **fast),
        "instagram": hooks["instagram"].uploader(
            root, public_url=lambda key: f"https://bucket.example/{key}?X-Amz-Expires=3600", **fast),
        "facebook": hooks["facebook"].uploader(root, **fast),
    }


@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_platform_tokens_and_app_secrets_stay_out_of_the_ledger_logs_and_objects(pg_conn, object_root, platforms,
                                                                                  caplog, capfd, all_logs, log_level):
    """Refresh (client/app secret + refresh token), publish through the ledger, test_connection()."""
    from acf.publishing.publisher import publish

    all_logs(getattr(logging, log_level))
    hooks = _platform_hooks()
    uploaders = _uploaders(hooks, object_root)
    returned = [publish(pg_conn, package, uploaders[name]) for name, package in _packages().items()]
    pg_conn.commit()
    assert [r.state for r in returned] == ["published"] * 3, returned
    assert all(hooks[name].tokens.refreshes == 1 for name in hooks), "each hook refreshed with its secret"
    checks = {name: hook.test_connection() for name, hook in hooks.items()}
    assert all(ok for ok, _ in checks.values()), checks

    leaks = _scan(pg_conn, object_root, caplog, capfd, [returned, checks])
    assert leaks == 0, _leak_lines(leaks)


def test_platform_credentials_echoed_in_refusals_are_not_passed_on(pg_conn, object_root, platforms, caplog, capfd, all_logs):
    """Each platform refuses the post with a 400 echoing the token, and the refresh with the secret echoed:
    the ledger's error, the logs and test_connection() carry neither."""
    from acf.publishing.publisher import publish

    all_logs()
    hooks = _platform_hooks()
    uploaders = _uploaders(hooks, object_root)
    refusals = {
        "tiktok": [(r"/oauth/token/", _echo(400, SECRETS["tiktok_client_secret"], "tiktok")),
                   (r"/video/init/", _echo(400, SECRETS["tiktok_access"], "tiktok"))],
        "instagram": [(r"/oauth/access_token", _echo(400, SECRETS["instagram_app_secret"], "graph")),
                      (rf"/{IG_USER}/media$", _echo(400, SECRETS["instagram_access"], "graph"))],
        "facebook": [(r"/oauth/access_token", _echo(400, SECRETS["facebook_app_secret"], "graph")),
                     (r"/video_reels", _echo(400, SECRETS["facebook_access"], "graph"))],
    }
    for name, faults in refusals.items():
        for path, fault in faults:
            platforms[name].faults.add(fault, path=path)
    # First the refresh is refused (secret echoed): needs_reauth. The rerun refreshes, then the post is
    # refused with the token echoed: failed.
    returned = [publish(pg_conn, package, uploaders[name]) for name, package in _packages(" echo").items()]
    pg_conn.commit()
    assert [r.state for r in returned] == ["needs_reauth"] * 3, returned
    returned += [publish(pg_conn, package, uploaders[name]) for name, package in _packages(" echo").items()]
    pg_conn.commit()
    assert [r.state for r in returned[3:]] == ["failed"] * 3, returned
    for name, faults in refusals.items():
        platforms[name].faults.always(faults[-1][1], path=r".")
    checks = {name: hook.test_connection() for name, hook in hooks.items()}
    returned.append(checks)

    leaks = _scan(pg_conn, object_root, caplog, capfd, returned)
    assert leaks == 0, _leak_lines(leaks)
