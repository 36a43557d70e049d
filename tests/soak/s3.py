"""S3 for the soak: moto's S3 server behind a loopback proxy that faults ~10% of calls.

The proxy is a :class:`stand_ins.base.StandIn` whose one route forwards each request to moto unchanged (moto
checks no signatures, so the client's signed Host header may name the proxy), so the fault plan, the
request log and the fault kinds are the stand-ins' own: S3 answers 503 SlowDown, 500s, slow answers and cut
connections; a malformed 200 is left out (S3 sends no body a client could check on a PUT, and a GET's
body is the object itself).
"""
from __future__ import annotations

import http.client
from urllib.parse import quote

from stand_ins.base import Request, Response, StandIn

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}


class S3FaultProxy(StandIn):
    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.removeprefix("http://")
        for method in ("GET", "PUT", "POST", "DELETE", "HEAD"):
            self.route(method, r"/.*", self._forward)

    def _forward(self, request: Request) -> Response:
        query = "&".join(quote(k, safe="") + (f"={quote(v, safe='')}" if v else "")
                         for k, values in request.query.items() for v in values)
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        headers["content-length"] = str(len(request.body))
        conn = http.client.HTTPConnection(self.upstream, timeout=60)
        try:
            conn.request(request.method, request.path + (f"?{query}" if query else ""), body=request.body,
                         headers=headers)
            answer = conn.getresponse()
            body = answer.read()
        finally:
            conn.close()
            request.body = b""   # the soak keeps every request's line, not the objects' bytes
        kept = {k: v for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP | {"content-type"}}
        if request.method == "HEAD":
            kept["Content-Length"] = answer.getheader("Content-Length", "0")
        return Response(answer.status, body, kept, answer.getheader("Content-Type", "application/xml"))
