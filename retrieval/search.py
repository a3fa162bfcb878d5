"""Turn a question into weighted index terms and rank chunks of a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.analysis import LANGS, Lang, analyze, detect_language
from retrieval.chunking import Chunk
from retrieval.documents import Article
from retrieval.snapshot import Snapshot

# Weight of translated terms relative to the question's own (1.0); chosen with `warta eval`
# on the cross-lingual dev set (0.4: R@5 0.735, 0.6: 0.824, 0.7: same-language R@5 drops).
XL_WEIGHT = 0.6


@dataclass(frozen=True)
class Hit:
    """One ranked passage: the chunk, its article and its BM25 score."""

    rank: int
    score: float
    chunk: Chunk
    article: Article


@dataclass(frozen=True)
class Query:
    """A question analysed into weighted index terms."""

    text: str
    lang: Lang
    terms: tuple[str, ...]
    weights: tuple[float, ...]


def build_query(
    text: str,
    *,
    lang: Lang | None = None,
    corpus_langs: frozenset[Lang] = frozenset(LANGS),
    crosslingual: bool = True,
    translation: str | None = None,
    context: Sequence[tuple[str, float]] = (),
) -> Query:
    """Analyse ``text``; add other-language terms when the corpus has that language.

    ``translation`` is an optional rendering of ``text`` in the other language (from an
    instruct model); its terms are added with the same weight as lexicon translations.
    ``context`` adds already analysed terms with their own (lower) weights, e.g. those of
    the previous question for a follow-up; a term of the question keeps its full weight.
    """
    lang = lang or detect_language(text)
    weights: dict[str, float] = {}
    for term in analyze(text, lang):
        weights[term] = 1.0
    other: Lang = "en" if lang == "id" else "id"
    if crosslingual and other in corpus_langs:
        from retrieval.crosslingual import expand_query

        expansions = expand_query(text, source=lang, weight=XL_WEIGHT)
        if translation:
            expansions += [(t, XL_WEIGHT) for t in analyze(translation, other)]
        for term, weight in expansions:
            weights[term] = max(weights.get(term, 0.0), weight)
    for term, weight in context:
        if weight <= 0 or weight > 1:
            raise ValueError(f"context weights must be in (0, 1], got {weight} for {term!r}")
        weights[term] = max(weights.get(term, 0.0), weight)
    return Query(text, lang, tuple(weights), tuple(weights.values()))


def search(
    snap: Snapshot,
    text: str,
    *,
    k: int = 10,
    lang: Lang | None = None,
    crosslingual: bool = True,
    context: Sequence[tuple[str, float]] = (),
) -> list[Hit]:
    """Return the ``k`` best passages of ``snap`` for ``text`` (fewer when fewer match)."""
    query = build_query(
        text,
        lang=lang,
        corpus_langs=frozenset(snap.languages),
        crosslingual=crosslingual,
        context=context,
    )
    return search_query(snap, query, k=k)


def search_query(snap: Snapshot, query: Query, *, k: int = 10) -> list[Hit]:
    """Return the ``k`` best passages of ``snap`` for an analysed ``query``."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if snap.bm25 is None or not query.terms:
        return []
    ids, scores = snap.bm25.top_k(query.terms, k, query.weights)
    hits = []
    for rank, (i, score) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True), start=1):
        chunk = snap.chunk(i)
        hits.append(Hit(rank, score, chunk, snap.articles[int(snap.chunks[i, 0])]))
    return hits
