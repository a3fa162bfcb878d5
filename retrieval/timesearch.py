"""Search that answers from the right time: date windows, "latest", and a recency prior.

A question with a date window ("kemarin", "this week", "21 Oktober") ranks the passages from
that window that are on its topic (scoring at least RELEVANT_SHARE of the best) first (the
others follow, so an empty window still gives an answer to check); "terbaru
/ latest" boosts the newest articles; without time words a small recency prior breaks near
ties. Recency counts from the newest article among the candidates, not from the clock, so
an archive corpus still has a "latest".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from retrieval.analysis import Lang
from retrieval.search import Hit, Query, build_query, search_query
from retrieval.snapshot import Snapshot
from retrieval.timewords import TimeWindow, resolve_time, strip_time_words

POOL = 200  # candidates re-ranked by date
TIE_PRIOR = 0.01  # without time words: at most +1 % of a score, for the newest article
TIE_HALF_LIFE_DAYS = 30.0
LATEST_BOOST = 1.0  # "terbaru": up to ×2 for the newest article
LATEST_HALF_LIFE_DAYS = 2.0
# Only passages this close to the best score are boosted, and "newest" is the newest of them:
# an off-topic story from last night must not become the latest news about inflation.
RELEVANT_SHARE = 0.5


def article_day(hit: Hit) -> date | None:
    """Return the ISO date of a hit's article, or None when it has none."""
    text = hit.article.date
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _recency(day: date | None, newest: date, half_life: float) -> float:
    if day is None:
        return 0.0
    return float(0.5 ** (max((newest - day).days, 0) / half_life))


def rank_by_time(hits: list[Hit], window: TimeWindow | None, *, k: int) -> list[Hit]:
    """Re-rank ``hits`` for ``window`` (pure); return the best ``k`` with new ranks."""
    days = [article_day(h) for h in hits]
    known = [d for d in days if d is not None]
    if not known:
        return [replace(h, rank=i) for i, h in enumerate(hits[:k], start=1)]
    if window is not None and window.start is not None:
        # Only a passage on the question's topic is put first for its day: a story from the
        # window that shares a word or two with the question must not bury the one that
        # answers it, dated a day before the window opens.
        best = max(h.score for h in hits)  # hits has a dated passage: it is not empty
        in_window = [
            d is not None and window.contains(d) and h.score >= RELEVANT_SHARE * best
            for h, d in zip(hits, days, strict=True)
        ]
    else:
        in_window = [True] * len(hits)
    top = max((h.score for h, inside in zip(hits, in_window, strict=True) if inside), default=0.0)
    relevant = [
        inside and h.score >= RELEVANT_SHARE * top
        for h, inside in zip(hits, in_window, strict=True)
    ]
    newest = max((d for d, r in zip(days, relevant, strict=True) if r and d), default=max(known))
    latest = window is not None and window.latest
    boost, half_life = (LATEST_BOOST, LATEST_HALF_LIFE_DAYS) if latest else (
        TIE_PRIOR, TIE_HALF_LIFE_DAYS)  # fmt: skip
    scored = [
        (inside, h.score * (1.0 + (boost * _recency(d, newest, half_life) if rel else 0.0)), -i, h)
        for i, (h, d, inside, rel) in enumerate(zip(hits, days, in_window, relevant, strict=True))
    ]
    scored.sort(key=lambda x: (x[0], x[1], x[2]), reverse=True)
    # Scores stay BM25's: dates change the order, not what a passage scored.
    return [replace(h, rank=r) for r, (*_, h) in enumerate(scored[:k], start=1)]


def timed_hits(snap: Snapshot, query: Query, window: TimeWindow | None, *, k: int) -> list[Hit]:
    """Return ``k`` hits for an analysed ``query``, re-ranked for ``window`` (or the prior)."""
    return rank_by_time(search_query(snap, query, k=max(k, POOL)), window, k=k)


def question_window(question: str, now: datetime) -> tuple[str, TimeWindow | None]:
    """Return the question without its time words (the search text) and its window."""
    window = resolve_time(question, now)
    return ((strip_time_words(question, window) if window else question) or question), window


def dated_search(
    snap: Snapshot,
    text: str,
    *,
    now: datetime,
    k: int = 10,
    lang: Lang | None = None,
    crosslingual: bool = True,
) -> tuple[list[Hit], TimeWindow | None]:
    """Search ``text`` from the right time, resolved against ``now``; return hits and window."""
    query_text, window = question_window(text, now)
    query = build_query(
        query_text, lang=lang, corpus_langs=frozenset(snap.languages), crosslingual=crosslingual
    )
    return timed_hits(snap, query, window, k=k), window
