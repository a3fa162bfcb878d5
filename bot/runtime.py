"""Build the heavy objects (index, model, answerer) once from settings."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.answering import Answerer, AnswerOptions
from bot.errors import SettingsError
from bot.llm import Generator, LlamaGenerator
from bot.llm.gguf import default_model_path, ensure_model
from bot.llm.remote import RemoteConfig, RemoteGenerator
from bot.settings import Settings, model_context_problem
from retrieval.store import CorpusIndex

log = logging.getLogger(__name__)


def build_index(settings: Settings, *, corpus: list[Path] | None = None) -> CorpusIndex:
    """Return the corpus index of ``corpus`` (default: the configured corpus directories)."""
    return CorpusIndex(
        list(corpus or settings.corpus_dir),
        settings.data_dir,
        chunk_chars=settings.chunk_chars,
        overlap_chars=settings.chunk_overlap_chars,
        max_file_bytes=settings.max_file_bytes,
    )


def load_generator(settings: Settings) -> Generator:
    """Connect to the configured model server, else load the GGUF model in process."""
    log.info("model backend: %s", describe_backend(settings))
    if settings.llm_url is not None:
        return RemoteGenerator.connect(remote_config(settings))
    path = ensure_model(settings.model_path, data_dir=settings.data_dir)
    # The default model may only now exist: its trained context bounds WARTA_MODEL_CTX.
    too_long = model_context_problem(settings, path)
    if too_long is not None:
        raise SettingsError([too_long])
    return LlamaGenerator.load(
        path,
        n_ctx=settings.model_ctx,
        n_threads=settings.model_threads,
        seed=settings.model_seed,
        temperature=settings.model_temperature,
        chat_format=settings.model_chat_format,
    )


def remote_config(settings: Settings) -> RemoteConfig:
    """Return how to reach the model server of WARTA_LLM_URL (which must be set)."""
    if settings.llm_url is None:
        raise ValueError("settings.llm_url is not set")
    key = settings.llm_api_key
    return RemoteConfig(
        url=settings.llm_url,
        model=settings.llm_model,
        api_key=key.get_secret_value() if key is not None else None,
        # "auto" means chat: servers nearly always host instruct models.
        instruct=settings.model_chat_format != "completion",
        temperature=settings.model_temperature,
        seed=settings.model_seed,
        connect_timeout_s=settings.llm_connect_timeout_s,
        read_timeout_s=settings.llm_read_timeout_s,
        retries=settings.llm_retries,
        backoff_s=settings.llm_retry_backoff_s,
        recovery_s=settings.llm_recovery_s,
        parallel=settings.max_concurrent_answers,
    )


def describe_backend(settings: Settings) -> str:
    """Say in one line which model backend the settings select."""
    if settings.llm_url is not None:
        api = "completions" if settings.model_chat_format == "completion" else "chat completions"
        model = settings.llm_model or "its first listed model"
        return (
            f"OpenAI-compatible server at {settings.llm_url} ({model}, {api}, "
            f"{settings.max_concurrent_answers} at once)"
        )
    path = settings.model_path or default_model_path(settings.data_dir)
    return f"llama.cpp in process ({path}, one answer at a time)"


def build_answerer(settings: Settings, index: CorpusIndex, generator: Generator) -> Answerer:
    """Wire the answer pipeline with the configured options and the clock of WARTA_TIMEZONE."""
    clock = partial(datetime.now, ZoneInfo(settings.timezone))
    return Answerer(index, generator, AnswerOptions.from_settings(settings), clock=clock)
