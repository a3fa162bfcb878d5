"""Answer without the model, in milliseconds: the best-matching source sentences, quoted.

Inline queries (``@bot question`` in any chat) must be answered within a few seconds and
arrive while the user types, so they never wait for the model: retrieval, the abstention
check and the extractive quote are the whole answer.
"""

from __future__ import annotations

import time

from bot import i18n
from bot.answer import Answer, Answerer, Mode, coverage, term_weights
from bot.citations import Cited, Source, extractive, focus
from bot.injection import hide_injections
from retrieval.analysis import detect_language
from retrieval.search import build_query, search_query


def quick_answer(answerer: Answerer, question: str) -> Answer:
    """Answer ``question`` by quoting its best source sentences, or abstain."""
    t0 = time.perf_counter()
    question = question.strip()
    lang = detect_language(question)
    snap = answerer.index.snapshot
    query = build_query(
        question,
        lang=lang,
        corpus_langs=frozenset(snap.languages),
        crosslingual=answerer.crosslingual,
    )
    hits = search_query(snap, query, k=answerer.top_k)
    cover = coverage(hits, snap, query)
    cited: Cited | None = None
    if hits and cover >= answerer.min_coverage:
        weights = term_weights(snap, query)
        sources: list[Source] = []
        for hit in hits:
            article_lang = snap.languages[snap.article_index[hit.article.id]]
            chunk = hit.chunk
            a, z = focus(chunk.text, article_lang, weights, max_chars=answerer.passage_chars)
            text = hide_injections(chunk.text[a:z])
            n = len(sources) + 1
            sources.append(
                Source(n, hit.article, chunk.start + a, chunk.start + z, article_lang, text)
            )
        same = all(s.lang == lang for s in sources)
        lead = i18n.text("extractive_lead_same" if same else "extractive_lead", lang)
        cited = extractive(sources, weights, lead=lead)[0]
    mode: Mode = "extractive"
    if cited is None or not cited.citations:
        cited, mode = Cited(i18n.text("abstain", lang), ()), "abstained"
    ms = (time.perf_counter() - t0) * 1000
    return Answer(
        question=question,
        language=lang,
        text=cited.text,
        abstained=mode == "abstained",
        citations=cited.citations,
        model="",
        timings_ms={"retrieve": ms, "generate": 0.0, "total": ms},
        mode=mode,
        coverage=cover,
        passages=tuple(hits),
    )
