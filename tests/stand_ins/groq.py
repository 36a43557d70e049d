"""Stand-in for Groq's API: OpenAI's chat completions wire format under /openai/v1."""
from __future__ import annotations

from stand_ins.openai import ChatStandIn


class GroqStandIn(ChatStandIn):
    def __init__(self, api_key: str = "gsk-stand-in", models=("llama-3.3-70b-versatile",)) -> None:
        super().__init__(prefix="/openai/v1", api_key=api_key, models=models)
