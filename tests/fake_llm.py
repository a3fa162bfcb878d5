"""A scripted OpenAI-shaped server on 127.0.0.1 for the failures a real one rarely shows.

Each completion request takes the next action of ``script``: stream some pieces (then finish,
die with the chunked body cut short, or hang), answer with an HTTP status, or hang before
answering at all. Requests are recorded. The real happy path is tested against
llama-cpp-python's own server instead (tests/llm_server.py).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

MODEL = "fake-model"


@dataclass(frozen=True)
class Stream:
    """Stream ``pieces`` as SSE events, then end as ``then`` says."""

    pieces: tuple[str, ...] = ("Kim", " naik", " kereta", ".")
    then: Literal["finish", "die", "hang", "bare-done"] = "finish"
    finish_reason: str = "stop"
    usage: dict[str, int] | None = None
    gate: threading.Event | None = None  # wait for it (30 s at most) before streaming


@dataclass(frozen=True)
class Status:
    """Answer with this HTTP status and a short JSON error."""

    code: int


@dataclass(frozen=True)
class Hang:
    """Accept the request and never answer (until the server stops)."""


Action = Stream | Status | Hang


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeLlm:
    """The fake server's state: its script, the requests seen and a stop event for hangs."""

    script: deque[Action] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    tokenizer: bool = False  # serve /extras/tokenize (one token per character, plus BOS)
    models_status: int = 200  # what GET /v1/models answers
    stopping: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        """Return the base URL (ending in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def completions(self) -> list[Request]:
        """Return the generation requests received."""
        return [r for r in self.requests if r.path.endswith("completions")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeLlm  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        self._record({})
        if self.path == "/v1/models" and self.fake.models_status != 200:
            self._json(self.fake.models_status, {"error": {"message": "loading"}})
        elif self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
        else:
            self._json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        self._record(body)
        if self.path == "/extras/tokenize" and self.fake.tokenizer:
            self._json(200, {"tokens": [2, *range(len(body.get("input", "")))]})
        elif self.path.endswith("completions"):
            script = self.fake.script
            self._act(script.popleft() if script else Stream())
        else:
            self._json(404, {"detail": "Not Found"})

    def _record(self, body: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake.requests.append(Request(self.command, self.path, body, headers))

    def _json(self, code: int, data: object) -> None:
        payload = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _act(self, action: Action) -> None:
        if isinstance(action, Status):
            self._json(action.code, {"error": {"message": f"scripted {action.code}"}})
        elif isinstance(action, Hang):
            self.fake.stopping.wait(60)
            self.close_connection = True
        else:
            self._stream(action)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, data: object) -> None:
        self._chunk(f"data: {json.dumps(data)}\n\n".encode())

    def _stream(self, action: Stream) -> None:
        chat = self.path.endswith("chat/completions")
        if action.gate is not None:
            action.gate.wait(30)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in action.pieces:
            choice = {"delta": {"content": piece}} if chat else {"text": piece}
            self._event({"choices": [{"index": 0, **choice, "finish_reason": None}]})
        if action.then == "die":
            self.close_connection = True  # the body's last chunk never comes
            return
        if action.then == "hang":
            self.fake.stopping.wait(60)
            self.close_connection = True
            return
        if action.then == "finish":
            end = {"delta": {}} if chat else {"text": ""}
            self._event({"choices": [{"index": 0, **end, "finish_reason": action.finish_reason}]})
            if action.usage:
                self._event({"choices": [], "usage": action.usage})
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")


class FakeLlmServer:
    """Run a ``FakeLlm`` on 127.0.0.1 in a thread; use it as a context manager."""

    def __init__(self, *script: Action, tokenizer: bool = False) -> None:
        """Queue the script; start nothing yet."""
        self.fake = FakeLlm(script=deque(script), tokenizer=tokenizer)
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.fake.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeLlm:
        self._thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.fake.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
