"""Build the heavy objects (index, model, answerer) once from settings."""

from __future__ import annotations

from pathlib import Path

from bot.answer import Answerer
from bot.llm import Generator, LlamaGenerator
from bot.llm.gguf import ensure_model
from bot.settings import Settings
from retrieval.store import CorpusIndex


def build_index(settings: Settings, *, corpus: list[Path] | None = None) -> CorpusIndex:
    """Return the corpus index of ``corpus`` (default: the configured corpus directories)."""
    return CorpusIndex(
        list(corpus or settings.corpus_dir),
        settings.data_dir,
        chunk_chars=settings.chunk_chars,
        overlap_chars=settings.chunk_overlap_chars,
        max_file_bytes=settings.max_file_bytes,
    )


def load_generator(settings: Settings) -> LlamaGenerator:
    """Load the configured GGUF model (assembling the embedded default on first use)."""
    path = ensure_model(settings.model_path, data_dir=settings.data_dir)
    return LlamaGenerator.load(
        path,
        n_ctx=settings.model_ctx,
        n_threads=settings.model_threads,
        seed=settings.model_seed,
        temperature=settings.model_temperature,
        chat_format=settings.model_chat_format,
    )


def build_answerer(settings: Settings, index: CorpusIndex, generator: Generator) -> Answerer:
    """Wire the answer pipeline with the configured limits."""
    return Answerer(
        index=index,
        generator=generator,
        top_k=settings.top_k,
        prompt_token_budget=settings.prompt_token_budget,
        passage_chars=settings.passage_chars,
        max_tokens=settings.model_max_tokens,
        min_coverage=settings.abstain_score,
        crosslingual=settings.crosslingual,
        llm_translate=settings.llm_translate,
    )
