"""Leonardo.ai REST stand-in: create a generation, poll it (PENDING, then COMPLETE or FAILED), download the image.

Shapes from Leonardo's own SDK (Leonardo-Interactive/leonardo-ts-sdk): ``POST /generations`` answers
``{"sdGenerationJob": {"generationId", "apiCreditCost"}}`` (src/sdk/models/operations/creategeneration.ts);
``GET /generations/{id}`` answers ``{"generations_by_pk": {id, status, createdAt, prompt, imageWidth,
imageHeight, generated_images: [{id, url, nsfw, likeCount}]}}`` (src/sdk/models/operations/getgenerationbyid.ts)
with ``status`` one of PENDING, COMPLETE, FAILED (src/sdk/models/shared/jobstatus.ts); docs:
https://docs.leonardo.ai/reference/getgenerationbyid.

``pending_polls``: looks a generation answers PENDING before it ends; ``hold``: while True every
generation stays PENDING; ``fail``: generations end FAILED instead of COMPLETE.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from stand_ins import media_samples
from stand_ins.base import Request, Response, StandIn


class LeonardoStandIn(StandIn):
    api_key = "leo-test-key"

    def __init__(self, pending_polls: int = 1, hold: bool = False, fail: bool = False) -> None:
        super().__init__()
        self.pending_polls = pending_polls
        self.hold = hold
        self.fail = fail
        self.polls: dict[str, int] = {}
        self.generations: dict[str, dict] = {}
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
        self.generations[gid] = {"id": gid, "status": "PENDING", "prompt": body["prompt"], "imageWidth": body["width"],
                                 "imageHeight": body["height"], "modelId": body.get("modelId"),
                                 "createdAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                                 "generated_images": []}
        return {"sdGenerationJob": {"generationId": gid, "apiCreditCost": 8}}

    def poll(self, request: Request):
        if denied := self._authed(request):
            return denied
        gid = request.match["gid"]
        if gid not in self.polls:
            return Response(404, {"error": "not found"})
        self.polls[gid] += 1
        generation = self.generations[gid]
        if generation["status"] == "PENDING" and not self.hold and self.polls[gid] > self.pending_polls:
            generation["status"] = "FAILED" if self.fail else "COMPLETE"
            if not self.fail:
                generation["generated_images"] = [{"id": f"img-{gid}", "url": f"{self.url}/files/{gid}.png",
                                                   "nsfw": False, "likeCount": 0}]
        return {"generations_by_pk": generation}

    def download(self, request: Request):
        return Response(200, media_samples.png(), content_type="image/png")
