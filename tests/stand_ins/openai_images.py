"""OpenAI Images stand-in: POST /v1/images/generations answering b64_json like the real API."""
from __future__ import annotations

import base64
import time

from stand_ins import media_samples
from stand_ins.base import Request, Response, StandIn

SIZES = {"1024x1024", "1024x1536", "1536x1024", "1024x1792", "1792x1024", "auto"}


class OpenAIImagesStandIn(StandIn):
    api_key = "sk-test-images"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", r"/v1/images/generations", self.generate)
        self.route("GET", r"/v1/models", lambda r: {"object": "list", "data": [{"id": "gpt-image-1", "object": "model"}]})

    def generate(self, request: Request):
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Response(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                            "code": "invalid_api_key"}})
        body = request.json()
        if body.get("size") not in SIZES or not body.get("prompt"):
            return Response(400, {"error": {"message": f"Invalid size {body.get('size')!r}",
                                            "type": "invalid_request_error", "param": "size"}})
        encoded = base64.b64encode(media_samples.png()).decode()
        return {"created": int(time.time()), "data": [{"b64_json": encoded}],
                "usage": {"total_tokens": 100, "input_tokens": 10, "output_tokens": 90}}
