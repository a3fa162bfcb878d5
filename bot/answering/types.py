"""The answer and the options of the answer pipeline (defaults live in the settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from bot.citations import Citation
from bot.settings import Settings
from retrieval.analysis import Lang
from retrieval.search import Hit

Mode = Literal["generated", "extractive", "choice", "abstained", "smalltalk"]


@dataclass(frozen=True)
class Answer:
    """A cited answer (or an honest abstention) to one question."""

    question: str
    language: Lang
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    model: str
    timings_ms: Mapping[str, float]
    mode: Mode
    coverage: float = 0.0
    confidence: float = 0.0  # how sure the reader is (0..1); eval's risk-coverage ranks by it
    prompt_tokens: int = 0
    first_token_ms: float | None = None
    passages: tuple[Hit, ...] = field(default=(), repr=False)
    signals: Mapping[str, float] = field(default_factory=dict)  # the confidence's inputs
    # The answer held back below min_answer_confidence: never shown, but eval's risk-coverage
    # table needs it to tell what a lower threshold would have answered.
    withheld: str = field(default="", repr=False)

    def to_json(self) -> dict[str, object]:
        """Return the ``warta ask --json`` object."""
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.__dict__ for c in self.citations],
            "model": self.model,
            "timings_ms": dict(self.timings_ms),
        }


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class AnswerOptions:
    """The pipeline's knobs, named and defaulted exactly as the settings that set them."""

    top_k: int = _default("top_k")
    abstain_score: float = _default("abstain_score")
    crosslingual: bool = _default("crosslingual")
    llm_translate: bool = _default("llm_translate")
    read_sentences: int = _default("read_sentences")
    answer_max_tokens: int = _default("answer_max_tokens")
    min_sentence_match: float = _default("min_sentence_match")
    min_answer_confidence: float = _default("min_answer_confidence")

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerOptions:
        """Take every option from ``settings``."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})
