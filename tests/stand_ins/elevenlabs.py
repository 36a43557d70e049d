"""ElevenLabs REST stand-in: POST /v1/text-to-speech/{voice_id} answering audio/mpeg, and
/with-timestamps answering JSON with the audio in base64 and per-character times."""
from __future__ import annotations

import base64

from stand_ins import media_samples
from stand_ins.base import Request, Response, StandIn


class ElevenLabsStandIn(StandIn):
    api_key = "el-test-key"
    # None: every answer is the 1 s sample; a pace (words per second) makes the audio as long as the text
    words_per_second: float | None = None

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", r"/v1/text-to-speech/(?P<voice>\w+)/with-timestamps", self.speak_timed)
        self.route("POST", r"/v1/text-to-speech/(?P<voice>\w+)", self.speak)
        self.route("GET", r"/v1/voices", lambda r: {"voices": [{"voice_id": "21m00Tcm4TlvDq8ikWAM"}]})

    def speak(self, request: Request):
        if request.headers.get("xi-api-key") != self.api_key:
            return Response(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        body = request.json()
        if not body.get("text"):
            return Response(422, {"detail": [{"loc": ["body", "text"], "msg": "field required"}]})
        seconds = media_samples.spoken_seconds(body["text"], self.words_per_second)
        return Response(200, media_samples.mp3(seconds), content_type="audio/mpeg")

    def speak_timed(self, request: Request):
        if request.headers.get("xi-api-key") != self.api_key:
            return Response(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        text = request.json().get("text") or ""
        if not text:
            return Response(422, {"detail": [{"loc": ["body", "text"], "msg": "field required"}]})
        seconds = media_samples.spoken_seconds(text, self.words_per_second)
        step = seconds / len(text)   # characters evenly over the sample
        alignment = {"characters": list(text),
                     "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
                     "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))]}
        return {"audio_base64": base64.b64encode(media_samples.mp3(seconds)).decode(), "alignment": alignment,
                "normalized_alignment": alignment}
