"""Google Translate batchexecute stand-in for gTTS: answers the jQ1olc RPC with base64 MP3 like the real one."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

from stand_ins import media_samples
from stand_ins.base import Request, Response, StandIn

PATH = r"/_/TranslateWebserverUi/data/batchexecute"


class GTTSStandIn(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[str, str]] = []
        self.route("POST", PATH, self.batch)

    def batch(self, request: Request):
        form = parse_qs(request.body.decode())
        try:
            rpc = json.loads(form["f.req"][0])
            method, params = rpc[0][0][0], json.loads(rpc[0][0][1])
        except (KeyError, IndexError, ValueError):
            return Response(400, b"bad request", content_type="text/plain")
        if method != "jQ1olc":
            return Response(400, b"unknown rpc", content_type="text/plain")
        self.texts.append((params[0], params[1]))
        audio = base64.b64encode(media_samples.mp3(0.5)).decode()
        inner = json.dumps([audio], separators=(",", ":"))
        line = json.dumps([["wrb.fr", "jQ1olc", inner, None, None, None, "generic"]], separators=(",", ":"))
        body = ")]}'\n\n" + str(len(line)) + "\n" + line + "\n"
        return Response(200, body, content_type="application/json; charset=utf-8")
