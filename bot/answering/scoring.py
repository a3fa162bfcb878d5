"""Weigh question terms and score text against them: the one sentence-scoring function."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from bot.injection import hide_injections
from retrieval.analysis import Lang, analyze
from retrieval.search import XL_WEIGHT, Hit, Query
from retrieval.snapshot import Snapshot


def term_weights(snap: Snapshot, query: Query) -> dict[str, float]:
    """Weight each query term by its idf (unknown terms get the largest idf)."""
    bm25 = snap.bm25
    if bm25 is None:
        return {}
    top = math.log(bm25.corpus_size + 1.0)
    out = {}
    for term, w in zip(query.terms, query.weights, strict=True):
        tid = bm25.vocab.get(term)
        out[term] = w * (float(bm25.idf_array[tid]) if tid is not None else top)
    return out


def weigh(terms: Iterable[str], weights: Mapping[str, float]) -> float:
    """Sum the weights of the distinct ``terms`` (each counted once)."""
    return sum(weights.get(t, 0.0) for t in set(terms))


def score_text(text: str, lang: Lang, weights: Mapping[str, float]) -> float:
    """Score ``text`` (in ``lang``) by the query-term weight it holds."""
    return weigh(analyze(text, lang), weights)


def own_total(query: Query, weights: Mapping[str, float]) -> float:
    """Return the weight of the question's own (untranslated) terms."""
    own = set(analyze(query.text, query.lang))
    return sum(weights[t] for t in own if t in weights) or 1.0


def weights_for(query: Query, weights: Mapping[str, float], lang: Lang) -> dict[str, float]:
    """Return the term weights to match text in ``lang`` with.

    Text in the question's language must hold the question's own terms. Text in the other
    language holds its translations instead: a translation found is credited as its source
    word would be (searching weighs translations down; matching must not, or a question
    asked across languages would never seem answered).
    """
    own = set(analyze(query.text, query.lang))
    if lang == query.lang:
        return {t: w for t, w in weights.items() if t in own}
    return {t: (w if t in own else w / XL_WEIGHT) for t, w in weights.items()}


def coverage(
    hits: list[Hit], snap: Snapshot, query: Query, weights: Mapping[str, float] | None = None
) -> float:
    """Share of the question's idf weight found in one of the best passages (0..1);
    ``weights`` are the query's ``term_weights`` when the caller has them already."""
    if not hits or snap.bm25 is None:
        return 0.0
    weighted = term_weights(snap, query) if weights is None else weights
    by_lang = {lang: weights_for(query, weighted, lang) for lang in ("id", "en")}
    total = own_total(query, weighted)
    best = 0.0
    for hit in hits[:3]:
        lang = snap.languages[snap.article_index[hit.article.id]]
        # What the reader may not read (an instruction to the model) answers nothing.
        matched = weigh(analyze(hide_injections(hit.chunk.text), lang), by_lang[lang])
        best = max(best, min(1.0, matched / total))
    return best
