"""Azure AI Speech REST stand-in: POST /cognitiveservices/v1 with SSML, answering RIFF WAV."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from stand_ins import media_samples
from stand_ins.base import Request, Response, StandIn


class AzureSpeechStandIn(StandIn):
    api_key = "azure-test-key"
    words_per_second: float | None = None   # see ElevenLabsStandIn

    def __init__(self) -> None:
        super().__init__()
        self.spoken: list[str] = []
        self.route("POST", r"/cognitiveservices/v1", self.speak)
        self.route("GET", r"/cognitiveservices/voices/list", lambda r: [{"ShortName": "en-US-JennyNeural"}])

    def speak(self, request: Request):
        if request.headers.get("ocp-apim-subscription-key") != self.api_key:
            return Response(401, b"", content_type="text/plain")
        if request.headers.get("content-type") != "application/ssml+xml":
            return Response(400, b"bad content type", content_type="text/plain")
        try:
            root = ET.fromstring(request.body)
        except ET.ParseError:
            return Response(400, b"invalid SSML", content_type="text/plain")
        voice = root.find("{http://www.w3.org/2001/10/synthesis}voice")
        if voice is None or not voice.get("name"):
            return Response(400, b"no voice", content_type="text/plain")
        text = "".join(voice.itertext())
        self.spoken.append(text)
        return Response(200, media_samples.wav(media_samples.spoken_seconds(text, self.words_per_second)),
                        content_type="audio/x-wav")
