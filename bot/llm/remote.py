"""The HTTP adapter: any OpenAI-compatible model server (llama.cpp, Ollama, vLLM, LM Studio).

Base models get ``/completions`` with the completion prompt, instruct models
``/chat/completions`` with the system and user messages; both stream server-sent events
through the same stop-sequence handling as the in-process model. Connection failures and
5xx/429 answers are retried with backoff before the first token; a server that is down,
hangs or dies mid-answer raises ``ModelUnavailable`` and trips the ``Health`` breaker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import threading
import time
from collections import OrderedDict, abc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.errors import ModelError, ModelUnavailable
from bot.llm.health import Health
from bot.llm.interface import Capabilities, Generation, Prompt, TokenCallback, check_max_tokens
from bot.llm.streaming import collect

__all__ = ["RemoteConfig", "RemoteGenerator"]

log = logging.getLogger(__name__)

_RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
_MAX_STOPS = 4  # OpenAI's limit; the rest are cut here, client-side
_TOKENIZE_PATHS = ("/extras/tokenize", "/tokenize")  # llama-cpp-python; llama.cpp and vLLM
_CHARS_PER_TOKEN = 3.0  # a cautious first estimate (real tokenizers: ~3.5-4.5 for id/en)
_COUNT_CACHE = 4096


@dataclass(frozen=True)
class RemoteConfig:
    """Where the server is and how patiently to talk to it."""

    url: str  # base URL of the OpenAI API, e.g. http://127.0.0.1:8080/v1
    model: str | None = None  # None: the first model the server lists
    api_key: str | None = None
    instruct: bool = True  # chat completions; False: completions for a base model
    temperature: float = 0.0
    seed: int = 0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    retries: int = 2
    backoff_s: float = 0.5
    recovery_s: float = 15.0
    parallel: int = 1

    def __post_init__(self) -> None:
        """Validate early, naming the argument."""
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url must be an http(s) URL, got {self.url!r}")
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries}")
        if self.parallel < 1:
            raise ValueError(f"parallel must be at least 1, got {self.parallel}")
        object.__setattr__(self, "url", self.url.rstrip("/"))


@dataclass
class _Outcome:
    """What the event stream said besides text: usage and the finish reason."""

    usage: dict[str, Any] = dataclasses.field(default_factory=dict)
    finish_reason: str | None = None


class RemoteGenerator:
    """A model behind an OpenAI-compatible server; many generations at once (its slots)."""

    def __init__(self, config: RemoteConfig, *, health: Health | None = None) -> None:
        """Prepare the client; nothing is sent until the first request."""
        self.config = config
        self.name = config.model or "(first model of the server)"
        self.health = health if health is not None else Health(recovery_s=config.recovery_s)
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        timeout = httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s)
        limits = httpx.Limits(max_connections=config.parallel + 2)
        self._client = httpx.Client(headers=headers, timeout=timeout, limits=limits)
        self._lock = threading.Lock()
        self._model: str | None = config.model
        self._tokenize_path: str | None = None  # found by the first count
        self._tokenize_probed = False
        self._bos_tokens = 0  # tokens the server's tokenize adds to any text
        self._chars_per_token = _CHARS_PER_TOKEN
        self._counts: OrderedDict[str, int] = OrderedDict()

    @classmethod
    def connect(cls, config: RemoteConfig) -> RemoteGenerator:
        """Build the generator and ask the server for its model; a server down is no error.

        The bot starts anyway and answers from the sources until the server is up.
        """
        generator = cls(config)
        try:
            generator._model_id()
        except ModelUnavailable as exc:
            generator.health.failed(str(exc))
        return generator

    @property
    def capabilities(self) -> Capabilities:
        """Return what this server can do (exact counts once a tokenize endpoint answered)."""
        return Capabilities(
            instruct=self.config.instruct,
            streaming=True,
            exact_tokens=self._tokenize_path is not None,
            parallel=self.config.parallel,
        )

    @property
    def root(self) -> str:
        """Return the server root: the base URL without its trailing /v1."""
        return self.config.url.removesuffix("/v1")

    def list_models(self) -> list[str]:
        """Return the ids of the models the server lists; raise ModelUnavailable if it cannot."""
        try:
            response = self._client.get(f"{self.config.url}/models")
        except httpx.HTTPError as exc:
            raise ModelUnavailable(self._describe(exc)) from exc
        if response.status_code in _RETRYABLE:  # e.g. 503 while a server loads its model
            raise ModelUnavailable(
                f"the model server at {self.config.url} answered HTTP {response.status_code}"
            )
        if response.status_code != 200:
            raise self._status_error(response)
        try:
            return [str(entry["id"]) for entry in response.json()["data"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                f"The model server at {self.config.url} sent a model list that is not "
                "OpenAI-shaped; check WARTA_LLM_URL (it ends in /v1 on most servers)."
            ) from exc

    def generate(
        self, prompt: Prompt, *, max_tokens: int, on_token: TokenCallback | None = None
    ) -> Generation:
        """Generate a completion for prompt on the server, streaming text pieces to on_token."""
        check_max_tokens(max_tokens)
        self.health.check()
        started = time.perf_counter()
        try:
            generation = self._generate(prompt, max_tokens, on_token, started)
        except ModelUnavailable as exc:
            self.health.failed(str(exc))
            raise
        self.health.succeeded()
        return generation

    def count_tokens(self, text: str) -> int:
        """Count with the server's tokenizer when it has one, else estimate from usage."""
        with self._lock:
            cached = self._counts.get(text)
            if cached is not None:
                self._counts.move_to_end(text)
                return cached
        count = self._tokenize(text)
        if count is None:
            return max(1, math.ceil(len(text) / self._chars_per_token))
        with self._lock:
            self._counts[text] = count
            if len(self._counts) > _COUNT_CACHE:
                self._counts.popitem(last=False)
        return count

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _generate(
        self, prompt: Prompt, max_tokens: int, on_token: TokenCallback | None, started: float
    ) -> Generation:
        path, body = self._request(prompt, max_tokens)
        outcome = _Outcome()
        with contextlib.closing(self._open(path, body)) as response:
            events = self._events(response, outcome)
            with contextlib.closing(self._pieces(events, outcome)) as pieces:
                generation = collect(
                    pieces,
                    prompt_tokens=0,
                    stop=prompt.stop,
                    max_tokens=max_tokens,
                    on_token=on_token,
                    started=started,
                )
        return self._finish(generation, prompt, outcome)

    def _request(self, prompt: Prompt, max_tokens: int) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self._model_id(),
            "max_tokens": max_tokens,
            "temperature": self.config.temperature,
            "seed": self.config.seed,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if prompt.stop:
            body["stop"] = list(prompt.stop[:_MAX_STOPS])
        if not self.config.instruct:
            return "/completions", {**body, "prompt": prompt.completion}
        messages = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]
        return "/chat/completions", {**body, "messages": messages}

    def _model_id(self) -> str:
        """Return the configured model, or the first one the server lists (asked once)."""
        if self._model is None:
            models = self.list_models()
            if not models:
                raise ModelError(
                    f"The model server at {self.config.url} lists no model; "
                    "load one there or set WARTA_LLM_MODEL."
                )
            self._model = self.name = models[0]
        return self._model

    def _open(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """Send the request, retrying transient failures with backoff; return a 200 stream."""
        url = f"{self.config.url}{path}"
        reason = ""
        for attempt in range(self.config.retries + 1):
            if attempt:
                time.sleep(self.config.backoff_s * 2 ** (attempt - 1))
            request = self._client.build_request("POST", url, json=body)
            try:
                response = self._client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                reason = self._describe(exc)
                continue
            except httpx.HTTPError as exc:  # a read timeout: the server is too slow, not gone
                raise ModelUnavailable(self._describe(exc)) from exc
            if response.status_code == 200:
                return response
            response.read()
            response.close()
            if response.status_code not in _RETRYABLE:
                raise self._status_error(response)
            reason = f"the model server at {self.config.url} answered HTTP {response.status_code}"
        attempts = self.config.retries + 1
        raise ModelUnavailable(f"{reason}, {attempts} attempt{'s' if attempts > 1 else ''}")

    def _events(self, response: httpx.Response, outcome: _Outcome) -> Iterator[dict[str, Any]]:
        """Yield the JSON events of a server-sent event stream until ``[DONE]``."""
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    break
                event = json.loads(data)
                if isinstance(event, dict) and "error" in event:
                    raise ModelUnavailable(
                        f"the model server at {self.config.url} failed mid-answer "
                        f"({event['error']})"
                    )
                if isinstance(event, dict):
                    yield event
        except json.JSONDecodeError as exc:
            raise ModelError(
                f"The model server at {self.config.url} sent an event that is not JSON ({exc})."
            ) from exc
        except httpx.HTTPError as exc:
            raise ModelUnavailable(f"{self._describe(exc)} mid-answer") from exc
        if outcome.finish_reason is None:
            # llama-cpp-python's server ends a stream it interrupts with a bare [DONE].
            raise ModelUnavailable(
                f"the model server at {self.config.url} ended the stream mid-answer"
            )

    def _pieces(
        self, events: Iterator[dict[str, Any]], outcome: _Outcome
    ) -> abc.Generator[str, None, None]:
        """Yield the text of each event (completion text or chat delta)."""
        for event in events:
            if event.get("usage"):
                outcome.usage = event["usage"]
            choices = event.get("choices") or [{}]
            choice = choices[0] if isinstance(choices[0], dict) else {}
            if self.config.instruct:
                text = (choice.get("delta") or {}).get("content")
            else:
                text = choice.get("text")
            if text:
                yield str(text)
            if choice.get("finish_reason"):
                outcome.finish_reason = str(choice["finish_reason"])

    def _finish(self, generation: Generation, prompt: Prompt, outcome: _Outcome) -> Generation:
        """Fill in the token counts (the server's usage when it sent one) and finish reason."""
        usage = outcome.usage
        text = prompt.user if self.config.instruct else prompt.completion
        prompt_tokens = usage.get("prompt_tokens")
        if isinstance(prompt_tokens, int) and prompt_tokens > 0 and text:
            # Learn the server's characters per token, for counts without a tokenizer.
            self._chars_per_token = max(1.0, min(6.0, len(text) / prompt_tokens))
        else:
            prompt_tokens = self.count_tokens(text)
        completion_tokens = usage.get("completion_tokens", generation.completion_tokens)
        finish = generation.finish_reason
        if outcome.finish_reason == "length":
            finish = "length"
        return dataclasses.replace(
            generation,
            prompt_tokens=prompt_tokens,
            completion_tokens=int(completion_tokens),
            finish_reason=finish,
        )

    def _tokenize(self, text: str) -> int | None:
        """Return the server tokenizer's count, or None (no tokenize route, or server down)."""
        if (self._tokenize_probed and self._tokenize_path is None) or not self.health.available:
            return None
        paths = (self._tokenize_path,) if self._tokenize_path else _TOKENIZE_PATHS
        body: dict[str, Any] = {"input": text, "content": text, "prompt": text}
        if self._model:
            body["model"] = self._model
        for path in paths:
            try:
                response = self._client.post(f"{self.root}{path}", json=body)
            except httpx.HTTPError as exc:
                # Down now is not "no tokenizer": estimate, and let generate try again.
                self.health.failed(self._describe(exc))
                return None
            tokens = _json_field(response, "tokens") if response.status_code == 200 else None
            if isinstance(tokens, list):
                if self._tokenize_path is None:
                    self._tokenize_path = path
                    self._tokenize_probed = True
                    # Some servers add BOS to every tokenization: measure it once, on "".
                    self._bos_tokens = 0 if not text else (self._tokenize("") or 0)
                return max(0, len(tokens) - self._bos_tokens)
        self._tokenize_probed = True
        return None

    def _status_error(self, response: httpx.Response) -> ModelError:
        detail = response.text.strip().replace("\n", " ")[:200]
        return ModelError(
            f"The model server at {self.config.url} refused the request "
            f"(HTTP {response.status_code}: {detail}); check WARTA_LLM_URL, WARTA_LLM_MODEL "
            "and WARTA_LLM_API_KEY."
        )

    def _describe(self, exc: httpx.HTTPError) -> str:
        url = self.config.url
        if isinstance(exc, httpx.ConnectTimeout):
            return f"the model server at {url} did not accept a connection in time"
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"the model server at {url} sent nothing for "
                f"{self.config.read_timeout_s:g} s (WARTA_LLM_READ_TIMEOUT_S)"
            )
        if isinstance(exc, httpx.ConnectError):
            return f"the model server at {url} cannot be reached ({exc})"
        return f"the connection to the model server at {url} broke ({exc})"


def _json_field(response: httpx.Response, key: str) -> object:
    """Return ``key`` of a JSON object response, or None when the body is something else."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data.get(key) if isinstance(data, dict) else None
