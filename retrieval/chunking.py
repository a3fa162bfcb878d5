"""Sentence-aware chunking into exact spans of the article text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations after which a period does not end a sentence (Indonesian and English news).
_ABBREVIATIONS = frozenset(
    """
    a.n bpk dll dsb dst dkk dr drs ir jl jln kab kec kel kol let letjen mayjen brigjen no
    nomor pak prof sdr tn ny st tgl hlm yth u.s u.k mr mrs ms jr sr vs etc inc ltd co corp
    gen gov rep sen lt col capt sgt dept est fig jan feb mar apr jun jul aug sep sept oct
    nov dec e.g i.e p.m a.m h.c s.h s.e m.si s.pd s.ip m.m ph.d
    """.split()
)

# A sentence ends at . ! ? … (possibly repeated) plus any closing quotes/brackets, when
# followed by whitespace; or at a line break.
_END_RE = re.compile(r"[.!?…]+[\"'”’)\]»]*(?=\s)|\n+")
_WORD_BEFORE_RE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of a text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of an article: ``article_text[start:end] == text``."""

    chunk_id: str
    article_id: str
    start: int
    end: int
    text: str


def _is_abbreviation(text: str, dot: int) -> bool:
    """Tell whether the period at ``dot`` closes an abbreviation or an initial."""
    match = _WORD_BEFORE_RE.search(text[max(0, dot - 24) : dot])
    if match is None:
        return False
    word = match.group(1).lower().strip(".")
    if word in _ABBREVIATIONS:
        return True
    # Single-letter initials ("J. Kirby") and "U.S."-style acronyms.
    return len(word) == 1 and word.isalpha()


def _continues(text: str, match: re.Match[str]) -> bool:
    """Tell whether the sentence goes on after this end mark (abbreviation, "…" katanya)."""
    rest = text[match.end() : match.end() + 3].lstrip(" \t")
    if rest[:1].islower():
        return True
    bare = match.group().rstrip("\"'”’)]»")
    return bare == "." and _is_abbreviation(text, match.start())


def sentence_spans(text: str) -> list[Span]:
    """Split ``text`` into sentence spans, trimmed of surrounding whitespace."""
    spans: list[Span] = []
    start = 0
    for match in _END_RE.finditer(text):
        end = match.end()
        if match.group()[0] != "\n" and _continues(text, match):
            continue
        _append_trimmed(text, start, end, spans)
        start = end
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append(Span(start, end))


def _split_long(text: str, span: Span, limit: int) -> list[Span]:
    """Cut a sentence longer than ``limit`` at whitespace into pieces of at most ``limit``."""
    pieces: list[Span] = []
    start = span.start
    while span.end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        if cut <= start:
            cut = start + limit
        _append_trimmed(text, start, cut, pieces)
        start = cut
    _append_trimmed(text, start, span.end, pieces)
    return pieces


def chunk_spans(text: str, *, target_chars: int = 600, overlap_chars: int = 120) -> list[Span]:
    """Group sentences into chunks of about ``target_chars`` overlapping by whole sentences."""
    if target_chars < 1:
        raise ValueError(f"target_chars must be >= 1, got {target_chars}")
    if not 0 <= overlap_chars < target_chars:
        raise ValueError(f"overlap_chars must be in [0, target_chars), got {overlap_chars}")
    sentences: list[Span] = []
    for sentence in sentence_spans(text):
        sentences.extend(_split_long(text, sentence, target_chars))
    chunks: list[Span] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j].end - sentences[i].start <= target_chars:
            j += 1
        chunks.append(Span(sentences[i].start, sentences[j - 1].end))
        if j >= len(sentences):
            break
        # Start the next chunk with trailing sentences of this one, up to overlap_chars, but
        # only as many as leave room for sentence j: else the next chunk would add no new text.
        k = j
        while (
            k - 1 > i
            and sentences[j - 1].end - sentences[k - 1].start <= overlap_chars
            and sentences[j].end - sentences[k - 1].start <= target_chars
        ):
            k -= 1
        i = k
    return chunks


def chunk_article(
    article_id: str, text: str, *, target_chars: int = 600, overlap_chars: int = 120
) -> list[Chunk]:
    """Chunk one article's text into exact-span ``Chunk`` objects."""
    spans = chunk_spans(text, target_chars=target_chars, overlap_chars=overlap_chars)
    return [
        Chunk(f"{article_id}#{n}", article_id, s.start, s.end, text[s.start : s.end])
        for n, s in enumerate(spans)
    ]
