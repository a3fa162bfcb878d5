"""Small builders shared by tests."""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.answering import Answer, Answerer
from bot.answering.sentences import Sentence, candidates
from bot.citations import Citation
from bot.llm import Generator
from bot.runtime import build_answerer, build_index
from bot.settings import Settings
from retrieval.search import search
from retrieval.store import CorpusIndex


def make_answer(
    text: str,
    citations: tuple[Citation, ...] = (),
    *,
    language: str = "id",
    abstained: bool = False,
) -> Answer:
    """Build an answer value by hand."""
    return Answer(
        question="q",
        language=language,  # type: ignore[arg-type]
        text=text,
        abstained=abstained,
        citations=citations,
        model="fake",
        timings_ms={"retrieve": 1.0, "generate": 2.0, "total": 3.0},
        mode="abstained" if abstained else "generated",
    )


def env_without_warta(environ: Mapping[str, str]) -> dict[str, str]:
    """Return a copy of ``environ`` with every WARTA_ setting removed."""
    return {k: v for k, v in environ.items() if not k.startswith("WARTA_")}


def clear_warta_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every WARTA_ setting from this test's environment."""
    for name in list(os.environ):
        if name.startswith("WARTA_"):
            monkeypatch.delenv(name)


def write_gguf(path: Path, metadata: Mapping[str, int | str]) -> Path:
    """Write a GGUF v3 header with ``metadata`` and no tensors (a complete, tiny file)."""

    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(metadata))
    for key, value in metadata.items():
        if isinstance(value, str):
            out += string(key) + struct.pack("<I", 8) + string(value)
        else:
            out += string(key) + struct.pack("<II", 4, value)
    path.write_bytes(out + b"\x00" * (-len(out) % 32))
    return path


def llama_gguf(path: Path, *, context_length: int = 4096) -> Path:
    """Write the header of a small llama-architecture language model."""
    return write_gguf(
        path,
        {
            "general.architecture": "llama",
            "llama.context_length": context_length,
            "llama.block_count": 2,
            "llama.embedding_length": 64,
            "llama.attention.head_count": 4,
            "tokenizer.ggml.model": "llama",
        },
    )


def read_sentences(
    root: Path, text: str, question: str, weights: Mapping[str, float], kind: str
) -> list[Sentence]:
    """Index ``text`` as one Indonesian article under ``root`` and return the sentences the
    answer stage would choose for ``question``, matched with ``weights`` (summed as total)."""
    (root / "corpus").mkdir()
    (root / "corpus" / "article.txt").write_text(f"Berita\n{text}\n", "utf-8")
    snap = CorpusIndex([root / "corpus"], root / "data").snapshot
    total = sum(weights.values())
    return candidates(
        search(snap, question, crosslingual=False), snap, {"id": dict(weights), "en": {}},
        totals={"id": total, "en": total}, kind=kind, question=question,  # type: ignore[arg-type]
    )  # fmt: skip


def answerer_over(root: Path, articles: Mapping[str, str], generator: Generator) -> Answerer:
    """Build the production answerer over ``articles`` (file stem -> text) under ``root``."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / f"{name}.txt").write_text(text, "utf-8")
    settings = Settings(corpus_dir=[corpus], data_dir=root / "data")
    return build_answerer(settings, build_index(settings), generator)
