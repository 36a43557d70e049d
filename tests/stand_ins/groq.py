"""Stand-in for Groq's API: OpenAI's chat completions wire format under /openai/v1."""
from __future__ import annotations

import math

from stand_ins.base import Fault
from stand_ins.openai import ChatStandIn


class GroqStandIn(ChatStandIn):
    def __init__(self, api_key: str = "gsk-stand-in", models=("llama-3.3-70b-versatile",)) -> None:
        super().__init__(prefix="/openai/v1", api_key=api_key, models=models)


def rate_limited(wait: str = "7.66s", seconds: float = 7.66, header: bool = True) -> Fault:
    """Groq's 429: the exact wait in the message, and (per Groq's rate-limits docs) a ``retry-after``
    header in whole seconds that only 429s carry; ``header=False`` is the answer without it.

    Shape checked against: Groq's body as recorded in Aider-AI/aider#3265
    (``{"error":{"message":"Rate limit reached for model ... on tokens per minute (TPM): Limit 15000,
    Used 11972, Requested 4351. Please try again in 5.289s. Visit https://console.groq.com/docs/rate-limits
    for more information.","type":"tokens","code":"rate_limit_exceeded"}}``), and the Groq rate-limits
    docs (console.groq.com/docs/rate-limits) as quoted by developersdigest.tech/errors/api/groq-api/
    429-too-many-requests: "retry-after header (in seconds) is set only when a 429 is returned".
    Daily caps answer the same way with a longer wait (``1h2m3s``-style durations).
    """
    body = {"error": {
        "message": ("Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_standin` "
                    "service tier `on_demand` on tokens per minute (TPM): Limit 12000, Used 11890, "
                    f"Requested 1210. Please try again in {wait}. Visit https://console.groq.com/docs/rate-limits "
                    "for more information."),
        "type": "tokens", "code": "rate_limit_exceeded"}}
    return Fault.too_many(retry_after=math.ceil(seconds) if header else None, body=body)
