"""Every external service of the factory as its loopback stand-in, ~10% of calls faulted.

The stand-ins are the ones the tests use (``tests/stand_ins``), started once in this process; the
factory's task processes reach them through Airflow Connections (:func:`connections`). Each one's fault
plan is a :class:`chaos.faulty.RandomFaults`: 429 with Retry-After, 500, 503, a slow answer past the
client's timeout, a connection cut mid-body, a malformed body (not for S3: see :mod:`soak.s3`).

What the stand-ins saw is the other half of the end checks: the AI calls they answered in full (what a
provider bills) against the factory's cost ledger, and the posts the platforms hold against its
publication ledger.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from chaos.faulty import RandomFaults
from stand_ins.base import StandIn

HTTP_KINDS = ("429", "500", "503", "timeout", "cut", "malformed")
# S3 answers a busy moment with 503 SlowDown, never 429 (botocore does not retry a 429 from S3).
S3_KINDS = ("500", "503", "timeout", "cut")
# Clients wait this long for an answer (the Connections' timeout extras); a "timeout" fault holds the
# answer longer than that.
CLIENT_TIMEOUT = 4
FAULT_HOLD = 5.5
KB = 1024

# The calls a provider bills, per AI stand-in: (path pattern, modality). A request answered in full (no
# fault injected, status 200) is billed; its ledger row must exist, with the tokens the answer reported.
BILLED = {
    "openai": (r"/v1/chat/completions$", "text"),
    "anthropic": (r"/v1/messages$", "text"),
    "openai_images": (r"/v1/images/generations$", "image"),
    "leonardo": (r"/api/rest/v1/generations$", "image"),
    "elevenlabs": (r"/v1/text-to-speech/", "voice"),
    "azure": (r"/cognitiveservices/v1$", "voice"),
}


@dataclass
class Services:
    servers: dict[str, StandIn] = field(default_factory=dict)
    moto: object | None = None
    moto_url: str = ""
    s3_bucket: str = "acf-soak"

    # --------------------------------------------------------------------- lifecycle
    def start(self, rate: float, seed: int) -> "Services":
        from moto.server import ThreadedMotoServer

        from soak.s3 import S3FaultProxy
        from stand_ins import reddit as reddit_si, x as x_si, youtube as youtube_si
        from stand_ins.anthropic import AnthropicStandIn
        from stand_ins.azure_speech import AzureSpeechStandIn
        from stand_ins.elevenlabs import ElevenLabsStandIn
        from stand_ins.facebook import FacebookStandIn
        from stand_ins.google_trends import google_trends_stand_in
        from stand_ins.instagram import InstagramStandIn
        from stand_ins.leonardo import LeonardoStandIn
        from stand_ins.openai import OpenAIStandIn
        from stand_ins.openai_images import OpenAIImagesStandIn
        from stand_ins.tiktok import TikTokStandIn
        from stand_ins.youtube_upload import YouTubeUploadStandIn

        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)   # moto's request lines
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self.servers = {
            "youtube": youtube_si.youtube_stand_in(), "x": x_si.x_stand_in(), "reddit": reddit_si.reddit_stand_in(),
            "google_trends": google_trends_stand_in(),
            "openai": OpenAIStandIn(), "anthropic": AnthropicStandIn(),
            "openai_images": OpenAIImagesStandIn(), "leonardo": LeonardoStandIn(),
            "elevenlabs": ElevenLabsStandIn(), "azure": AzureSpeechStandIn(),
            # The soak posts far fewer than a day's caps; TikTok's init limit (6 a minute) stays as it is.
            "youtube_upload": YouTubeUploadStandIn(), "tiktok": TikTokStandIn(),
            "instagram": InstagramStandIn(publish_limit=100), "facebook": FacebookStandIn(reels_per_day=100),
            "s3": S3FaultProxy(f"http://{host}:{port}"),
        }
        for name in ("openai", "anthropic"):
            _keep_usage(self.servers[name])
        for name in ("elevenlabs", "azure"):   # speech as long as its text, as a real voice (2.6 words/s)
            self.servers[name].words_per_second = 2.6
        for index, (name, server) in enumerate(self.servers.items()):
            server.start()
            server.faults = RandomFaults(rate, S3_KINDS if name == "s3" else HTTP_KINDS, seed=seed + index,
                                         timeout_seconds=FAULT_HOLD)
        import boto3

        boto3.client("s3", endpoint_url=f"http://{host}:{port}", aws_access_key_id="soak",
                     aws_secret_access_key="soak-secret", region_name="us-east-1").create_bucket(Bucket=self.s3_bucket)
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        if self.moto is not None:
            self.moto.stop()

    def set_rate(self, rate: float) -> None:
        for server in self.servers.values():
            server.faults.rate = rate

    def trim(self, keep: int = 200) -> None:
        """Drop the bodies of all but the newest requests (uploads are megabytes; their lines are kept)."""
        for server in self.servers.values():
            for request in server.requests[:-keep]:
                request.body = b""

    # --------------------------------------------------------------------- what they saw
    def faults_injected(self) -> dict[str, int]:
        return {name: len(server.faults.injected) for name, server in self.servers.items()}

    def requests_seen(self) -> dict[str, int]:
        return {name: len(server.requests) for name, server in self.servers.items()}

    def billed(self) -> dict[str, dict]:
        """Per AI provider: its modality and the calls it answered in full (billed), each as the ledger id the
        request carried (``X-ACF-Call-Id``; None without one) and, for text, the cost of the tokens it reported."""
        import re

        from acf.text import prices

        out = {}
        for name, (pattern, modality) in BILLED.items():
            rx = re.compile(pattern)
            done = [r for r in self.servers[name].requests
                    if rx.search(r.path) and r.method == "POST" and r.fault is None and r.status == 200]
            out[name] = {"modality": modality, "calls": [
                {"call_id": r.headers.get("x-acf-call-id"),
                 "cost_usd": (prices.cost_usd(name, r.usage["model"], r.usage["input"], r.usage["output"])
                              if getattr(r, "usage", None) else Decimal("0"))}
                for r in done]}
        return out

    def platform_posts(self) -> dict[str, set[str]]:
        s = self.servers
        return {
            "youtube": set(s["youtube_upload"].videos),
            "tiktok": {p["id"] for p in s["tiktok"].posts},
            "instagram": {m["id"] for m in s["instagram"].media},
            "facebook": {vid for vid, v in s["facebook"].videos.items() if v["published"]},
        }

    def platform_duplicates(self) -> int:
        s = self.servers
        return sum(s[p].duplicates() for p in ("youtube_upload", "tiktok", "instagram", "facebook"))

    def protocol_errors(self) -> list[str]:
        return [f"{name}: {e}" for name, server in self.servers.items()
                for e in getattr(server, "protocol_errors", [])]

    # --------------------------------------------------------------------- the factory's Connections
    def connections(self, scrape_token: str) -> dict[str, str]:
        """``AIRFLOW_CONN_*`` variables: every service's Connection pointing at its stand-in."""
        from stand_ins import reddit as reddit_si, x as x_si, youtube as youtube_si

        from acf.text import prices
        from stand_ins.platform_connections import connections

        s = self.servers
        later = (datetime.now(timezone.utc) + timedelta(hours=6)).isoformat()
        t = CLIENT_TIMEOUT
        openai_price = prices.price_table()["openai"]["gpt-4o-mini"]
        conns = {
            # trend sources
            "acf_youtube": _conn("acf_youtube", s["youtube"].url, youtube_si.API_KEY, timeout=t, max_results=10),
            # X: recent-search counts for up to 25 of a region's trends (default 10), volume on a cheap call
            "acf_x": _conn("acf_x", s["x"].url, x_si.BEARER, timeout=t, max_trends=50, count_terms=25),
            "acf_reddit": _conn("acf_reddit", s["reddit"].url, reddit_si.CLIENT_SECRET, login=reddit_si.CLIENT_ID,
                                reddit_url=s["reddit"].url, timeout=t, limit=10),
            "acf_google_trends": _conn("acf_google_trends", f"{s['google_trends'].url}/trends", None, timeout=t),
            # text, images, voices (the premium tier's chains)
            # A host other than api.openai.com reads as a self-hosted, free model unless the Connection gives
            # its price: the stand-in plays OpenAI itself, so it gets OpenAI's (from the factory's table).
            "acf_openai": _conn("acf_openai", f"{s['openai'].url}/v1", s["openai"].api_key, model="gpt-4o-mini",
                                max_retries=2, timeout=t, price_input_per_mtok=openai_price["input"],
                                price_output_per_mtok=openai_price["output"]),
            "acf_anthropic": _conn("acf_anthropic", s["anthropic"].url, s["anthropic"].api_key,
                                   model="claude-3-5-haiku-latest", max_retries=2, timeout=t),
            "acf_openai_images": _conn("acf_openai_images", f"{s['openai_images'].url}/v1", s["openai_images"].api_key,
                                       max_retries=2, timeout=t),
            "acf_leonardo": _conn("acf_leonardo", f"{s['leonardo'].url}/api/rest/v1", s["leonardo"].api_key,
                                  poll_seconds=0, max_retries=2),
            "acf_elevenlabs": _conn("acf_elevenlabs", s["elevenlabs"].url, s["elevenlabs"].api_key, max_retries=2),
            "acf_azure_speech": _conn("acf_azure_speech", s["azure"].url, s["azure"].api_key, max_retries=2),
            # the object store and the metrics scrape
            "acf_s3": json.dumps({"conn_type": "aws", "login": "soak", "password": "soak-secret", "extra": {
                "endpoint_url": s["s3"].url, "region_name": "us-east-1",
                "config_kwargs": {"connect_timeout": 2, "read_timeout": CLIENT_TIMEOUT,
                                  "retries": {"max_attempts": 6, "mode": "standard"}}}}),
            "acf_metrics_scrape": json.dumps({"conn_type": "generic", "password": scrape_token}),
        }
        platforms = connections(s["youtube_upload"], s["tiktok"], s["instagram"], s["facebook"], expires_at=later,
                                accounts=("channel-soak", "creator-soak", "ig-soak", "page-soak"))
        return {**platforms, **{f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in conns.items()}}


def _conn(conn_type: str, host: str, password: str | None, login: str | None = None, **extra) -> str:
    return json.dumps({"conn_type": conn_type, "host": host, "login": login, "password": password, "extra": extra})


def _keep_usage(server: StandIn) -> None:
    """Keep on each chat request the model and the token counts its answer reported (what is billed)."""
    def wrap(handler):
        def answer(request):
            result = handler(request)
            usage = result.get("usage") if isinstance(result, dict) else None
            if usage:
                request.usage = {"model": result.get("model"),
                                 "input": usage.get("prompt_tokens", usage.get("input_tokens", 0)),
                                 "output": usage.get("completion_tokens", usage.get("output_tokens", 0))}
            return result
        return answer

    server.routes = [(method, pattern, wrap(handler) if method == "POST" else handler)
                     for method, pattern, handler in server.routes]
