"""Stand-in for the OpenAI chat completions API (also the wire format of Groq, Ollama and vLLM).

Replies come from ``server.replies`` (strings, used in order) and otherwise from
the offline writer run on the request's <trend_data>, so a default reply is
valid output for the prompt. ``usage`` is filled from the text sizes.
"""
from __future__ import annotations

import itertools
import json
import re
import threading

from stand_ins.base import Fault, Request, Response, StandIn, json_response
from acf.text import local_writer

_DATA = re.compile(r"<trend_data>\s*(.*?)\s*</trend_data>", re.DOTALL)
_ids = itertools.count(1)


def default_reply(system: str, user: str) -> str:
    """What a well-behaved model would answer: the offline writer's output for the task."""

    match = _DATA.search(user or "")
    inputs = json.loads(match.group(1)) if match else {}
    task = "script" if "narration scripts" in (system or "") else "angles"
    return json.dumps(local_writer.write(task, inputs))


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ChatStandIn(StandIn):
    """POST {prefix}/chat/completions and GET {prefix}/models, with a Bearer key check."""

    def __init__(self, prefix: str = "/v1", api_key: str = "sk-stand-in", models=("gpt-4o-mini",)) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = list(models)
        self.replies: list[str] = []
        self._lock = threading.Lock()
        self.route("POST", f"{prefix}/chat/completions", self._chat)
        self.route("GET", f"{prefix}/models", self._models)

    def _auth(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if given != self.api_key:
            # like the real API, the message echoes the key it was given
            return json_response({"error": {"message": f"Incorrect API key provided: {given}.",
                                            "type": "invalid_request_error",
                                            "code": "invalid_api_key"}}, status=401)
        return None

    def _next_reply(self, system: str, user: str) -> str:
        with self._lock:
            if self.replies:
                return self.replies.pop(0)
        return default_reply(system, user)

    def _chat(self, request: Request) -> Response | dict:
        if denied := self._auth(request):
            return denied
        body = request.json()
        messages = body.get("messages") or []
        system = next((m["content"] for m in messages if m.get("role") == "system"), "")
        user = next((m["content"] for m in messages if m.get("role") == "user"), "")
        content = self._next_reply(system, user)
        prompt_tokens = sum(tokens(str(m.get("content", ""))) for m in messages)
        completion_tokens = tokens(content)
        return {
            "id": f"chatcmpl-{next(_ids)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _models(self, request: Request) -> Response | dict:
        if denied := self._auth(request):
            return denied
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "stand-in"}
                                           for m in self.models]}

    def chat_requests(self) -> list[dict]:
        return [r.json() for r in self.requests_to(r"/chat/completions$")]


class OpenAIStandIn(ChatStandIn):
    def __init__(self, **kwargs) -> None:
        super().__init__(prefix="/v1", **kwargs)


def connection_env(conn_id: str, conn_type: str, host: str, api_key: str, **extra) -> tuple[str, str]:
    """(env var, JSON value) defining an Airflow Connection for a stand-in (JSON keeps a host with a path)."""
    value = json.dumps({"conn_type": conn_type, "host": host, "password": api_key, "extra": extra})
    return f"AIRFLOW_CONN_{conn_id.upper()}", value


def insert_trend(conn, trend_id: str, term: str, title: str | None = None, category: str = "technology",
                 score: float = 0.7) -> None:
    """One fresh trend row, for driving the opportunity pipeline in hook tests."""
    conn.execute(
        "INSERT INTO acf.trends (trend_id, term, title, category, score, sources, regions, observation_count,"
        " first_seen, last_seen) VALUES (%s, %s, %s, %s, %s, %s, %s, 2, now() - interval '3 hours', now())",
        (trend_id, term, title or term, category, score, ["youtube", "x"], ["US", "IN"]),
    )


def insufficient_quota() -> Fault:
    """OpenAI's 429 for an account out of credit or over its plan's cap: not a rate limit, waiting does not help.

    Shape checked against the body openai-python's RateLimitError reports from the live API, recorded in
    koa-fin/sep#2 and thisisartium/continuous-alignment-testing#21 (openai/_base_client.py traceback):
    ``{'error': {'message': 'You exceeded your current quota, please check your plan and billing details.
    For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/
    api-errors.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}``
    (langchain-ai/langchainjs#1929: the API sends it as a 429, which clients retry like a rate limit).
    No Retry-After: none is documented for it.
    """
    return Fault.too_many(retry_after=None, body={"error": {
        "message": ("You exceeded your current quota, please check your plan and billing details. For more "
                    "information on this error, read the docs: "
                    "https://platform.openai.com/docs/guides/error-codes/api-errors."),
        "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}})
