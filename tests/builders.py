"""Small builders shared by tests."""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

from bot.answer import Answer
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
