"""Run llama-cpp-python's own OpenAI-compatible server on 127.0.0.1, for tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
API_KEY = "test-llm-key-3f9c"  # the session server demands it, so auth is exercised too


@dataclass(frozen=True)
class LlmServer:
    """A running server: its base URL (ending in /v1), model id, key and process."""

    url: str
    model: str
    api_key: str | None
    process: subprocess.Popen[bytes]
    log: Path

    def env(self) -> dict[str, str]:
        """Return the WARTA_ settings that point Warta at this server (a base model)."""
        env = {
            "WARTA_LLM_URL": self.url,
            "WARTA_LLM_MODEL": self.model,
            "WARTA_MODEL_CHAT_FORMAT": "completion",
        }
        if self.api_key:
            env["WARTA_LLM_API_KEY"] = self.api_key
        return env


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_ready(server: LlmServer, *, timeout_s: float) -> None:
    """Poll /v1/models until the server answers; fail if the process exits first."""
    headers = {"Authorization": f"Bearer {server.api_key}"} if server.api_key else {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"llama_cpp.server exited with {server.process.returncode}:\n{log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/models", headers=headers, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"llama_cpp.server did not answer within {timeout_s:.0f} s")


@contextlib.contextmanager
def llm_server(
    model: Path,
    log: Path,
    *,
    api_key: str | None = API_KEY,
    n_threads: int = 2,
    n_ctx: int = 2048,
    extra: Sequence[str] = (),
    nice: int = 0,
    port: int | None = None,
) -> Iterator[LlmServer]:
    """Start ``python -m llama_cpp.server`` on a loopback port (default: a free one)."""
    port = port or free_port()
    args = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        *("--model", str(model), "--model_alias", model.stem),
        *("--host", HOST, "--port", str(port)),
        *("--n_ctx", str(n_ctx), "--n_threads", str(n_threads), "--seed", "0"),
        # By default a second request cuts the stream of the one in progress, and the
        # logits of every prompt token are kept (2 GB with Gemma 3's 262k vocabulary).
        *("--interrupt_requests", "False", "--logits_all", "False"),
        *(("--api_key", api_key) if api_key else ()),
        *extra,
    ]
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["nice", "-n", str(nice), *args] if nice else args,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = LlmServer(f"http://{HOST}:{port}/v1", model.stem, api_key, process, log)
    try:
        _wait_ready(server, timeout_s=180)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server process (kill it if it lingers) and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
