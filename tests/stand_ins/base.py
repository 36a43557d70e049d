"""A generic fault-injecting HTTP stand-in server on loopback.

Each service's stand-in (``tests/stand_ins/<service>.py``) builds a
:class:`StandIn` with a route table speaking that service's wire format. Tests
then queue faults in its fault plan to see how the real client library and our
hook react: ``429`` with ``Retry-After``, a ``500``, a slow answer (client
timeout), a connection cut in the middle of the body, a malformed body.

    with StandIn({("GET", r"/v1/items"): items}) as server:
        server.faults.add(Fault.too_many(retry_after=1), path=r"/v1/items")
        client = Client(base_url=server.url)

Handlers take a :class:`Request` and return a :class:`Response` (or a dict,
sent as JSON with status 200). Every request is recorded in ``server.requests``
so tests can check paths, query parameters and auth headers.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: re.Match | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode()
        if isinstance(self.body, str):
            return self.body.encode()
        return self.body


def json_response(payload: Any, status: int = 200, **headers: str) -> Response:
    return Response(status=status, body=payload, headers=dict(headers))


@dataclass
class Fault:
    """One injected failure. ``kind``: status | delay | cut | malformed | answer."""

    kind: str
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0
    body: bytes | str | dict | None = None

    @classmethod
    def too_many(cls, retry_after: float | None = 1, body: Any = None) -> "Fault":
        return cls("status", status=429, retry_after=retry_after, body=body)

    @classmethod
    def server_error(cls, status: int = 500, body: Any = None) -> "Fault":
        return cls("status", status=status, body=body)

    @classmethod
    def delay(cls, seconds: float) -> "Fault":
        """Answer normally but only after ``seconds`` (longer than the client's timeout)."""
        return cls("delay", seconds=seconds)

    @classmethod
    def cut(cls) -> "Fault":
        """Send headers and half the body, then close the connection."""
        return cls("cut")

    @classmethod
    def malformed(cls, body: bytes | str = b'{"items": [ {"id": ') -> "Fault":
        return cls("malformed", body=body)

    @classmethod
    def answer(cls, response: "Response") -> "Fault":
        """Answer with ``response`` exactly, as the service shapes that failure (its own status, headers and
        content type, e.g. X's 429 as application/problem+json with x-rate-limit-reset)."""
        return cls("answer", body=response)


class FaultPlan:
    """Faults consumed in order by the requests whose path matches them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[re.Pattern | None, Fault, list[int]]] = []

    def add(self, fault: Fault, *, path: str | None = None, times: int = 1) -> "FaultPlan":
        with self._lock:
            self._queue.append((re.compile(path) if path else None, fault, [times]))
        return self

    def always(self, fault: Fault, *, path: str | None = None) -> "FaultPlan":
        return self.add(fault, path=path, times=10**9)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for index, (pattern, fault, left) in enumerate(self._queue):
                if pattern is None or pattern.search(path):
                    left[0] -= 1
                    if left[0] <= 0:
                        self._queue.pop(index)
                    return fault
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)


Handler = Callable[[Request], "Response | dict | list"]


class StandIn:
    """ThreadingHTTPServer on 127.0.0.1, port 0, with a route table and a fault plan."""

    def __init__(self, routes: dict[tuple[str, str], Handler] | None = None) -> None:
        self.routes: list[tuple[str, re.Pattern, Handler]] = []
        for (method, pattern), handler in (routes or {}).items():
            self.route(method, pattern, handler)
        self.faults = FaultPlan()
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    # --- lifecycle -------------------------------------------------------
    def start(self) -> "StandIn":
        stand_in = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                stand_in._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stand-in not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_to(self, pattern: str) -> list[Request]:
        rx = re.compile(pattern)
        return [r for r in self.requests if rx.search(r.path)]

    # --- request handling -------------------------------------------------
    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        request = Request(
            method=http.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in http.headers.items()},
            body=body,
        )
        self.requests.append(request)
        fault = self.faults.take(parts.path)
        if fault is not None and fault.kind == "answer":
            return self._send(http, fault.body)
        if fault is not None and fault.kind == "status":
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after) if float(fault.retry_after).is_integer() else fault.retry_after)
            default = {"error": {"code": fault.status, "message": "injected fault"}}
            return self._send(http, Response(fault.status, fault.body if fault.body is not None else default, headers))
        if fault is not None and fault.kind == "delay":
            # Sleep in small steps so stop() is never held up for long.
            deadline = time.monotonic() + fault.seconds
            while time.monotonic() < deadline and not self._stopping.is_set():
                time.sleep(0.02)
        response = self._dispatch(request)
        if fault is not None and fault.kind == "malformed":
            response = Response(200, fault.body or b"{", {}, response.content_type)
        if fault is not None and fault.kind == "cut":
            return self._send_cut(http, response)
        self._send(http, response)

    def _dispatch(self, request: Request) -> Response:
        path_matched = False
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if not match:
                continue
            path_matched = True
            if method != request.method:
                continue
            request.match = match
            try:
                result = handler(request)
            except Exception as exc:  # a stand-in bug should show as a 500, not a hang
                return Response(500, {"error": {"code": 500, "message": f"stand-in error: {exc}"}})
            return result if isinstance(result, Response) else Response(200, result)
        status = 405 if path_matched else 404
        return Response(status, {"error": {"code": status, "message": f"no route for {request.method} {request.path}"}})

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, response: Response) -> None:
        payload = response.encoded()
        try:
            http.send_response(response.status)
            http.send_header("Content-Type", response.content_type)
            http.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                http.send_header(name, value)
            http.end_headers()
            http.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _send_cut(http: BaseHTTPRequestHandler, response: Response) -> None:
        payload = response.encoded() or b'{"padding": "' + b"x" * 64 + b'"}'
        try:
            http.send_response(200)
            http.send_header("Content-Type", response.content_type)
            http.send_header("Content-Length", str(len(payload)))
            http.end_headers()
            http.wfile.write(payload[: max(1, len(payload) // 2)])
            http.wfile.flush()
            http.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        http.close_connection = True
