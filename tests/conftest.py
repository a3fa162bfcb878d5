"""Shared fixtures: the real default model and its server (once per session), the seed corpus."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.llm import LlamaGenerator
from bot.llm.gguf import ensure_model
from tests.llm_server import LlmServer, llm_server

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_DATA = REPO.parent / "shared" / "data"

# The fake Telegram Bot API listens on loopback; never send that traffic through a proxy.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Assemble the embedded default model once per test session."""
    return ensure_model(None, data_dir=tmp_path_factory.mktemp("warta-data"))


@pytest.fixture(scope="session")
def llama(default_model: Path) -> LlamaGenerator:
    """Load the embedded default model once per session (greedy decoding)."""
    return LlamaGenerator.load(default_model, n_ctx=2048, n_threads=2, seed=0, temperature=0.0)


@pytest.fixture(scope="session")
def model_server(
    default_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlmServer]:
    """Serve the default model with llama-cpp-python's OpenAI-compatible server, once."""
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    with llm_server(default_model, log) as server:
        yield server


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """Return a fresh copy of the shipped seed corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target
