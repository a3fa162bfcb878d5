"""What the answer pipeline needs from a language model: prompts in, generations out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.llm.copy import SpanRead, SpanScore

__all__ = [
    "Capabilities",
    "Generation",
    "Generator",
    "Prompt",
    "TokenCallback",
    "check_max_tokens",
]

TokenCallback = Callable[[str], None]


@dataclass(frozen=True)
class Prompt:
    """One request to the model, in both the chat and the completion shape."""

    system: str  # instructions (for chat models)
    user: str  # passages + question (for chat models)
    completion: str  # the full completion-style prompt (for base models)
    stop: tuple[str, ...]


@dataclass(frozen=True)
class Generation:
    """The text a model produced for one prompt, with its token counts and timings."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    first_token_ms: float | None  # None when the model produced no token at all
    total_ms: float
    finish_reason: str  # "stop" (end token or stop sequence) | "length" (token limit)


@dataclass(frozen=True)
class Capabilities:
    """What a generator can do, declared once so callers never probe attributes."""

    instruct: bool  # follows a system + user chat; False: a base model fed `completion`
    streaming: bool  # on_token receives pieces while generating, not once at the end
    exact_tokens: bool  # count_tokens uses the model's vocabulary, not an estimate
    parallel: int = 1  # generations it can run at once (a server's slots)
    copy_spans: bool = False  # has read_span (copy-constrained decoding) and score_spans


class Generator(Protocol):
    """A language model behind Warta's answer pipeline."""

    name: str

    @property
    def capabilities(self) -> Capabilities:
        """Return what this model can do."""
        ...

    def generate(
        self, prompt: Prompt, *, max_tokens: int, on_token: TokenCallback | None = None
    ) -> Generation:
        """Generate a completion for prompt, streaming text pieces to on_token."""
        ...

    def count_tokens(self, text: str) -> int:
        """Return how many tokens text takes in the model's vocabulary (or an estimate)."""
        ...


class SpanReader(Protocol):
    """A generator whose capabilities say ``copy_spans``: it decodes copy-constrained."""

    def read_span(
        self, prompt: Prompt, texts: Sequence[str], *, max_tokens: int, whole: bool = False
    ) -> SpanRead:
        """Generate a verbatim span of one of ``texts`` (with ``whole``, one entire)."""
        ...

    def score_spans(self, prompt: Prompt, texts: Sequence[str]) -> list[SpanScore]:
        """Return how likely each of ``texts`` is as the whole completion of ``prompt``."""
        ...


def check_max_tokens(max_tokens: int) -> None:
    """Raise ValueError unless max_tokens allows at least one token."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
