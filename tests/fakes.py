"""A scripted language model for tests where the model's words don't matter."""

from __future__ import annotations

import re
import threading
import time
from collections import deque

from bot.errors import ModelUnavailable
from bot.llm import Capabilities, Generation, Prompt, TokenCallback
from bot.llm.interface import check_max_tokens
from bot.llm.streaming import collect

_FAKE_TOKEN = re.compile(r"\s*\S+|\s+")


class FakeGenerator:
    """A Generator for tests: scripted outputs, streamed word by word, prompts recorded."""

    def __init__(self, *outputs: str, name: str = "fake", instruct: bool = False) -> None:
        """Queue outputs (one per generate call) under the model name name."""
        self.name = name
        self.capabilities = Capabilities(instruct=instruct, streaming=True, exact_tokens=False)
        self.history: list[Prompt] = []
        self._queue: deque[str] = deque(outputs)
        self._lock = threading.Lock()

    def enqueue(self, *outputs: str) -> None:
        """Queue outputs; each one answers one later generate call, in order."""
        with self._lock:
            self._queue.extend(outputs)

    def count_tokens(self, text: str) -> int:
        """Approximate a token count deterministically (about 4 tokens per 3 words)."""
        return len(text.split()) * 4 // 3 + 1

    def generate(
        self, prompt: Prompt, *, max_tokens: int, on_token: TokenCallback | None = None
    ) -> Generation:
        """Return the next queued output, cut at stop sequences and max_tokens like a model."""
        check_max_tokens(max_tokens)
        started = time.perf_counter()
        with self._lock:
            self.history.append(prompt)
            if not self._queue:
                raise AssertionError("FakeGenerator: no output queued")
            output = self._queue.popleft()
        pieces: list[str | None] = [*_FAKE_TOKEN.findall(output), None]
        return collect(
            iter(pieces),
            prompt_tokens=self.count_tokens(prompt.completion),
            stop=prompt.stop,
            max_tokens=max_tokens,
            on_token=on_token,
            started=started,
        )


class DownGenerator(FakeGenerator):
    """A model server that cannot be reached: every generation raises ModelUnavailable."""

    def generate(
        self, prompt: Prompt, *, max_tokens: int, on_token: TokenCallback | None = None
    ) -> Generation:
        """Record the prompt, then fail as an unreachable server does."""
        with self._lock:
            self.history.append(prompt)
        raise ModelUnavailable("the model server at http://127.0.0.1:9/v1 is unreachable")
