"""Small builders shared by tests."""

from __future__ import annotations

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
