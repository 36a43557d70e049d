"""Random faults on stand-in servers, and a stand-in for the four trend sources.

:class:`RandomFaults` replaces a stand-in's queue (``server.faults``): each request draws a fault
with probability ``rate`` from the kinds given (seeded, so a run is reproducible) and counts it.
"""
from __future__ import annotations

import random
import threading

from chaos import registry
from stand_ins.base import Fault, FaultPlan, Response, StandIn

KINDS = {
    "429": lambda: Fault.too_many(retry_after=0),
    "500": lambda: Fault.server_error(500),
    "503": lambda: Fault.server_error(503),
    "timeout": lambda: Fault.delay(1.5),
    "cut": Fault.cut,
    "malformed": Fault.malformed,
}


class RandomFaults(FaultPlan):
    """``timeout_seconds``: how long a "timeout" fault holds the answer (longer than the client waits)."""

    def __init__(self, rate: float, kinds: tuple[str, ...], seed: int = 8, timeout_seconds: float = 1.5) -> None:
        super().__init__()
        self.rate, self.kinds, self.timeout_seconds = rate, kinds, timeout_seconds
        self.rng = random.Random(seed)
        self.injected: list[tuple[str, str]] = []
        self._draw = threading.Lock()

    def take(self, path: str) -> Fault | None:
        with self._draw:
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice(self.kinds)
            self.injected.append((kind, path))
        registry.record("faults_injected")
        return Fault.delay(self.timeout_seconds) if kind == "timeout" else KINDS[kind]()


class TrendSourcesStandIn(StandIn):
    """GET /<source>/<region>: the bundled sample answer of that source (the API's wire format)."""

    def __init__(self, observed_at) -> None:
        super().__init__()
        self.observed_at = observed_at
        self.route("GET", r"/(?P<source>\w+)/(?P<region>[A-Z]{2})", self._answer)

    def _answer(self, request) -> Response:
        from acf.trends import offline

        body = offline.sample_payload(request.match["source"], request.match["region"], self.observed_at)
        return Response(200, body)


def fetcher(server: StandIn, source: str, timeout: float = 0.5):
    import urllib.request

    def fetch(region: str) -> bytes:
        with urllib.request.urlopen(f"{server.url}/{source}/{region}", timeout=timeout) as answer:
            return answer.read()

    return fetch
