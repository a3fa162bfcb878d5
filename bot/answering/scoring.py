"""Weigh question terms and score text against them: the one sentence-scoring function."""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping

from bot.injection import hide_injections
from retrieval.analysis import LANGS, Lang, analyze
from retrieval.crosslingual import expand_query, query_words
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


# How far a question asked across languages is held to its translations' weight rather than
# its own (0: not at all, 1: wholly). On the cross-lingual dev questions (34) and the far
# misses (100), the coverage gate passes 30 / 13 of them at 0, 31 / 15 at 0.25, 31 / 17 at
# 0.5 and 31 / 25 at 1.
TRANSLATED_TOTAL_SHARE = 0.25


def totals(
    query: Query, weights: Mapping[str, float], known: Container[str] = frozenset()
) -> dict[Lang, float]:
    """Return, per language, the weight a text in it holds when it states the whole question.

    In the question's language that is its own terms' weight. Text in the other language
    states each word by a translation (credited as ``weights_for`` does), or writes it as it is
    (a name): a word counts with its best translation's weight when that is lower than its
    own, so a question asked across languages is not held to the rarity of its own words
    ("dialogue" is rare in an Indonesian corpus, "dialog" is not), by
    TRANSLATED_TOTAL_SHARE of the difference. Only translations the
    index ``known`` holds count, when it holds any: no text states a word by one it lacks.
    """
    own = own_total(query, weights)
    out: dict[Lang, float] = {query.lang: own}
    for lang in LANGS:
        if lang == query.lang:
            continue
        matched = weights_for(query, weights, lang)
        total = 0.0
        for word in dict.fromkeys(w.token for w in query_words(query.text, query.lang)):
            terms = [t for t in analyze(word, query.lang) if t in weights]
            if not terms:
                continue
            said = max(weights[t] for t in terms)
            said_as = [t for t, _ in expand_query(word, source=query.lang) if t in matched]
            held = [matched[t] for t in said_as if t in known]
            found = held or [matched[t] for t in said_as]
            total += min(said, max(found)) if found else said
        # Only a share of the difference: a question whose words are rare here may be rare
        # because the corpus does not tell its story ("far" questions over detik alone).
        out[lang] = own - TRANSLATED_TOTAL_SHARE * max(0.0, own - total)
    return out


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
    hits: list[Hit],
    snap: Snapshot,
    query: Query,
    weights: Mapping[str, float] | None = None,
    held: Mapping[Lang, float] | None = None,
) -> float:
    """Share of the question's idf weight found in one of the best passages (0..1);
    ``weights`` are the query's ``term_weights`` and ``held`` its ``totals`` when the caller
    has them already."""
    if not hits or snap.bm25 is None:
        return 0.0
    weighted = term_weights(snap, query) if weights is None else weights
    by_lang = {lang: weights_for(query, weighted, lang) for lang in LANGS}
    total = totals(query, weighted, snap.bm25.vocab) if held is None else held
    best = 0.0
    for hit in hits[:3]:
        lang = snap.languages[snap.article_index[hit.article.id]]
        # What the reader may not read (an instruction to the model) answers nothing.
        matched = weigh(analyze(hide_injections(hit.chunk.text), lang), by_lang[lang])
        best = max(best, min(1.0, matched / total[lang]))
    return best
