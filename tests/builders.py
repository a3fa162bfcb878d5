"""Small builders shared by tests."""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.answering import Answer
from bot.citations import Citation


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
