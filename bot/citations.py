"""Citations: the exact source span behind an answer (pure data)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    """A verified citation: ``quote == article text[start:end]`` of article ``article_id``."""

    n: int
    article_id: str
    title: str
    url: str | None
    date: str | None
    quote: str
    start: int
    end: int
    source: str | None = None  # the publication, e.g. "Bisnis.com"
    page: int | None = None  # the PDF/DOCX page the quote starts on ("hal. 3" / "p. 3")


@dataclass(frozen=True)
class Cited:
    """Answer text whose every ``[n]`` marker has a citation."""

    text: str
    citations: tuple[Citation, ...]
