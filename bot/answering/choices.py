"""Quiz questions: split the answer options from a question and pick the one the news backs.

The pick is retrieval's, not the model's (the "IR solver" of Clark et al., 2016): each option
is searched together with the question, and the option whose best passage *states* it (a
sentence holds the option's words) with the highest BM25 score wins. The quote is that
sentence, so an option is never claimed without the text that names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.answering.scoring import score_text
from bot.injection import hide_injections
from retrieval.analysis import Lang, stem, tokenize
from retrieval.chunking import sentence_spans
from retrieval.search import Hit, Query, build_query, search_query
from retrieval.snapshot import Snapshot

# "A) Europe", "b. Asia", "(c) Africa", "1) …", "- …", "• …": one option per line.
_OPTION_LINE_RE = re.compile(r"^\s*(?:\(?[A-Ha-h1-8][.)]|[-*•])\s+(\S.*)$")
_QUOTES = "\"'“”‘’«»„"
MAX_CHOICES = 8
# Passages searched per option: its statement must be among the best few for question+option.
DEPTH = 5


@dataclass(frozen=True)
class Pick:
    """The option the sources back, the passage that states it and the stating sentence."""

    choice: str
    score: float
    hit: Hit
    start: int  # article offsets of the stating sentence
    end: int


def clean_choice(text: str) -> str:
    """Strip whitespace, a trailing full stop and wrapping quotes from an option."""
    return text.strip().rstrip(".").strip().strip(_QUOTES).strip()


def split_choices(text: str) -> tuple[str, tuple[str, ...]]:
    """Split a question whose lines after the first list options; else return it whole.

    A question (it has a question mark) followed by two to eight option lines is a quiz;
    anything else, such as a request followed by a list of topics, is an ordinary question.
    """
    lines = [line for line in text.strip().splitlines() if line.strip()]
    options = [m.group(1) for line in lines[1:] if (m := _OPTION_LINE_RE.match(line))]
    asked = lines[:1] + [line for line in lines[1:] if not _OPTION_LINE_RE.match(line)]
    choices = tuple(dict.fromkeys(c for c in map(clean_choice, options) if c))
    if not any("?" in line for line in asked) or not 2 <= len(choices) <= MAX_CHOICES:
        return text.strip(), ()
    return " ".join(line.strip() for line in asked), choices


def states(sentence: str, choice: str, lang: Lang) -> bool:
    """Tell whether ``sentence`` names ``choice``: its words in a row, or every word of it
    (stopwords included: "next year" is not named by "this year") in some inflection."""
    words = tokenize(choice)
    if not words:
        return False
    said = tokenize(sentence)
    n = len(words)
    if any(said[i : i + n] == words for i in range(len(said) - n + 1)):
        return True
    return set(stem(words, lang)) <= set(stem(said, lang))


def _stating_sentence(
    hit: Hit, choice: str, lang: Lang, weights: Mapping[str, float]
) -> tuple[int, int] | None:
    """Return the article span of the hit's sentence that names ``choice`` and best matches
    the question; None when no sentence of the hit names it."""
    text = hide_injections(hit.chunk.text)
    best: tuple[float, int, int] | None = None
    for span in sentence_spans(text):
        sentence = text[span.start : span.end]
        if not states(sentence, choice, lang):
            continue
        score = score_text(sentence, lang, weights)
        if best is None or score > best[0]:
            best = (score, span.start, span.end)
    if best is None:
        return None
    return hit.chunk.start + best[1], hit.chunk.start + best[2]


def pick_choice(
    snap: Snapshot,
    query: Query,
    choices: Sequence[str],
    weights: Mapping[str, float],
    *,
    crosslingual: bool = True,
    depth: int = DEPTH,
) -> Pick | None:
    """Return the option best stated by a passage found for question + option, or None."""
    picks: list[Pick] = []
    for choice in choices:
        option_query = build_query(
            f"{query.text} {choice}",
            lang=query.lang,
            corpus_langs=frozenset(snap.languages),
            crosslingual=crosslingual,
        )
        for hit in search_query(snap, option_query, k=depth):
            lang = snap.languages[snap.article_index[hit.article.id]]
            span = _stating_sentence(hit, choice, lang, weights)
            if span is not None:
                picks.append(Pick(choice, hit.score, hit, *span))
                break
    # max() keeps the first of equals: a tie goes to the option listed first.
    return max(picks, key=lambda p: p.score, default=None)
