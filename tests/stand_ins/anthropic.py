"""Stand-in for Anthropic's Messages API (POST /v1/messages, GET /v1/models, x-api-key auth)."""
from __future__ import annotations

import itertools
import threading

from stand_ins.base import Request, Response, StandIn, json_response
from stand_ins.openai import default_reply, tokens

_ids = itertools.count(1)


class AnthropicStandIn(StandIn):
    def __init__(self, api_key: str = "sk-ant-stand-in", models=("claude-3-5-haiku-latest",)) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = list(models)
        self.replies: list[str] = []
        self._lock = threading.Lock()
        self.route("POST", "/v1/messages", self._messages)
        self.route("GET", "/v1/models", self._models)

    def _auth(self, request: Request) -> Response | None:
        # The API takes the key as x-api-key; anthropic SDK 2.x sends it as a Bearer token.
        keys = {request.headers.get("x-api-key"), request.headers.get("authorization", "").removeprefix("Bearer ")}
        if self.api_key not in keys:
            return json_response({"type": "error", "error": {"type": "authentication_error",
                                                             "message": "invalid x-api-key"}}, status=401)
        if not request.headers.get("anthropic-version"):
            return json_response({"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "anthropic-version header is required"}},
                                 status=400)
        return None

    def _messages(self, request: Request) -> Response | dict:
        if denied := self._auth(request):
            return denied
        body = request.json()
        if not body.get("max_tokens"):
            return json_response({"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "max_tokens: field required"}}, status=400)
        system = body.get("system") or ""
        if isinstance(system, list):
            system = " ".join(block.get("text", "") for block in system)
        messages = body.get("messages") or []
        user = next((m["content"] for m in messages if m.get("role") == "user"), "")
        with self._lock:
            content = self.replies.pop(0) if self.replies else None
        content = content if content is not None else default_reply(system, user if isinstance(user, str) else "")
        return {
            "id": f"msg_{next(_ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": [{"type": "text", "text": content}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": tokens(system) + sum(tokens(str(m.get("content", ""))) for m in messages),
                      "output_tokens": tokens(content)},
        }

    def _models(self, request: Request) -> Response | dict:
        if denied := self._auth(request):
            return denied
        data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                for m in self.models]
        return {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}

    def message_requests(self) -> list[dict]:
        return [r.json() for r in self.requests_to(r"/v1/messages$")]
