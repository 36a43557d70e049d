"""Leonardo.ai REST stand-in: create a generation, poll it (PENDING then COMPLETE), download the image."""
from __future__ import annotations

import itertools

from stand_ins import media_samples
from stand_ins.base import Request, Response, StandIn


class LeonardoStandIn(StandIn):
    api_key = "leo-test-key"

    def __init__(self, pending_polls: int = 1) -> None:
        super().__init__()
        self.pending_polls = pending_polls
        self.polls: dict[str, int] = {}
        self._ids = itertools.count(1)
        self.route("POST", r"/api/rest/v1/generations", self.create)
        self.route("GET", r"/api/rest/v1/generations/(?P<gid>[\w-]+)", self.poll)
        self.route("GET", r"/files/(?P<gid>[\w-]+)\.png", self.download)
        self.route("GET", r"/api/rest/v1/me", lambda r: self._authed(r) or {"user_details": [{"user": {"id": "u1"}}]})

    def _authed(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Response(401, {"error": "Invalid authentication"})
        return None

    def create(self, request: Request):
        if denied := self._authed(request):
            return denied
        body = request.json()
        if not body.get("prompt") or body["width"] % 8 or body["height"] % 8 or max(body["width"], body["height"]) > 1536:
            return Response(400, {"error": "invalid width/height or prompt"})
        gid = f"gen-{next(self._ids)}"
        self.polls[gid] = 0
        return {"sdGenerationJob": {"generationId": gid, "apiCreditCost": 8}}

    def poll(self, request: Request):
        if denied := self._authed(request):
            return denied
        gid = request.match["gid"]
        if gid not in self.polls:
            return Response(404, {"error": "not found"})
        self.polls[gid] += 1
        if self.polls[gid] <= self.pending_polls:
            return {"generations_by_pk": {"status": "PENDING", "generated_images": []}}
        return {"generations_by_pk": {"status": "COMPLETE", "generated_images": [
            {"id": "img-1", "url": f"{self.url}/files/{gid}.png"}]}}

    def download(self, request: Request):
        return Response(200, media_samples.png(), content_type="image/png")
