"""Check the model's citations against the passages and pick exact quotes (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from retrieval.analysis import Lang, analyze, detect_language, normalise
from retrieval.binarydocs import page_at
from retrieval.chunking import sentence_spans
from retrieval.documents import Article

MIN_SUPPORT = 0.6  # share of a sentence's content terms that must occur in its passage
_MARKER_RE = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
# Markers written after a sentence's end mark ("A. [1] B.", "A.[1] B.") belong to it.
_MARKERS_AFTER_STOP_RE = re.compile(r"([.!?])((?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+)")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Source:
    """A passage the model saw as ``[n]``: a span ``[start, end)`` of ``article.text``.

    ``text`` is what the model saw: the span itself, possibly with sentences blanked out
    (same length, so offsets into it are offsets into the article span).
    """

    n: int
    article: Article
    start: int
    end: int
    lang: Lang
    text: str


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


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """Split model output into sentences with the marker numbers each one carries."""
    claims: list[tuple[str, list[int]]] = []
    text = _MARKERS_AFTER_STOP_RE.sub(r"\2\1", text)
    for span in sentence_spans(text):
        sentence = text[span.start : span.end]
        markers = [int(m) for group in _MARKER_RE.findall(sentence) for m in group.split(",")]
        bare = _MARKER_RE.sub("", sentence).strip()
        if bare.strip(" .,;:!?-"):
            claims.append((bare, markers))
        elif markers and claims:
            # A marker that ended up after the full stop belongs to the previous sentence.
            claims[-1][1].extend(markers)
    return claims


def numbers(text: str) -> set[str]:
    """Return the numbers written in ``text`` (as digits)."""
    return {n.rstrip(".,") for n in _NUMBER_RE.findall(text)}


def support(sentence: str, source: Source) -> float:
    """Score how well ``source`` backs ``sentence``: 0 when a number is missing from it."""
    if not numbers(sentence) <= numbers(source.text):
        return 0.0
    terms = set(analyze(sentence, source.lang))
    if not terms:
        return 0.0
    passage = set(analyze(source.text, source.lang))
    return len(terms & passage) / len(terms)


def best_quote(source: Source, weights: Mapping[str, float]) -> tuple[int, int]:
    """Return the article span of the passage sentence that best matches ``weights``."""
    best, best_score = (source.start, source.end), -1.0
    for span in sentence_spans(source.text):
        sentence = source.text[span.start : span.end]
        score = sum(weights.get(t, 0.0) for t in set(analyze(sentence, source.lang)))
        if score > best_score:
            best, best_score = (source.start + span.start, source.start + span.end), score
    return best


def make_citation(n: int, source: Source, span: tuple[int, int]) -> Citation:
    """Build citation ``n`` quoting ``source.article.text[span]``."""
    a = source.article
    start, end = span
    page = page_at(a.metadata.get("pages") or (), start)
    return Citation(n, a.id, a.title, a.url, a.date, a.text[start:end], start, end, a.source, page)


def verify(
    output: str, sources: Sequence[Source], query_weights: Mapping[str, float]
) -> Cited | None:
    """Keep only supported sentences and markers; None when no sentence is supported."""
    by_n = {s.n: s for s in sources}
    renumber: dict[int, int] = {}
    citations: list[Citation] = []
    kept: list[str] = []
    question = set(query_weights)
    for sentence, markers in split_claims(output):
        # A question, or a sentence that only repeats the question's words, answers nothing.
        if sentence.endswith("?") or set(analyze(sentence, detect_language(sentence))) <= question:
            continue
        valid = [m for m in dict.fromkeys(markers) if m in by_n]
        scored = [(support(sentence, by_n[m]), m) for m in valid]
        good = [m for score, m in scored if score >= MIN_SUPPORT]
        if not good:
            # Unmarked or wrongly marked: attach the best-supporting passage, if any.
            # max() keeps the first of equals: the better-ranked passage wins a tie.
            score, best = max(
                ((support(sentence, s), s.n) for s in sources), key=lambda x: x[0], default=(0.0, 0)
            )
            good = [best] if score >= MIN_SUPPORT else []
        if not good:
            continue
        marks = []
        for m in good:
            if m not in renumber:
                renumber[m] = len(renumber) + 1
                # The quote must back the claim: one claim word outweighs all question words.
                weights = dict(query_weights)
                claim_weight = sum(query_weights.values()) + 1.0
                for t in analyze(sentence, by_n[m].lang):
                    weights[t] = weights.get(t, 0.0) + claim_weight
                span = best_quote(by_n[m], weights)
                citations.append(make_citation(renumber[m], by_n[m], span))
            marks.append(f"[{renumber[m]}]")
        body = sentence.rstrip()
        end = body[-1] if body[-1] in ".!?" else ""
        kept.append(f"{body.rstrip('.!?')} {''.join(marks)}{end or '.'}")
    if not kept:
        return None
    text = " ".join(kept)
    # A base model often continues "Jawaban:" in lower case; the reply starts a sentence.
    return Cited(text[:1].upper() + text[1:], tuple(citations))


def sentence_scores(source: Source, weights: Mapping[str, float]) -> list[tuple[float, int, int]]:
    """Score each sentence of ``source`` by the query-term weight it contains."""
    out = []
    for span in sentence_spans(source.text):
        sentence = source.text[span.start : span.end]
        terms = set(analyze(sentence, source.lang))
        score = sum(weights.get(t, 0.0) for t in terms)
        out.append((score, source.start + span.start, source.start + span.end))
    return out


def extractive(
    sources: Sequence[Source], weights: Mapping[str, float], *, lead: str, max_quotes: int = 2
) -> tuple[Cited, float]:
    """Quote the best-matching sentence(s) of the passages; return them and the best score."""
    scored: list[tuple[float, int, Source, int, int]] = []
    for rank, source in enumerate(sources):
        for score, start, end in sentence_scores(source, weights):
            # Earlier (better-ranked) passages win ties.
            scored.append((score * (1.0 - 0.02 * rank), -rank, source, start, end))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    if not scored or scored[0][0] <= 0:
        return Cited("", ()), 0.0
    best = scored[0][0]
    chosen = [scored[0]]
    for item in scored[1:]:
        if len(chosen) >= max_quotes or item[0] < 0.75 * best:
            break
        if all(item[2].article.id != c[2].article.id or abs(item[3] - c[3]) > 0 for c in chosen):
            chosen.append(item)
    citations: list[Citation] = []
    parts = []
    seen: dict[str, int] = {}
    for _, _, source, start, end in chosen:
        n = seen.setdefault(f"{source.article.id}:{start}", len(seen) + 1)
        citations.append(make_citation(n, source, (start, end)))
        parts.append(f"“{source.article.text[start:end]}” [{n}]")
    return Cited(f"{lead} " + " ".join(parts), tuple(citations)), best


def is_degenerate(output: str) -> bool:
    """Tell whether model output is empty, rambling or repeating itself."""
    words = normalise(output).split()
    if len(words) < 1:
        return True
    if len(words) >= 8 and len(set(words)) / len(words) < 0.5:
        return True
    trigrams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return len(trigrams) >= 6 and len(set(trigrams)) / len(trigrams) < 0.7


def focus(
    text: str, lang: Lang, weights: Mapping[str, float], *, max_chars: int
) -> tuple[int, int]:
    """Return the whole-sentence span (<= max_chars) grown around the best-matching sentence."""
    spans = sentence_spans(text)
    if not spans:
        return 0, len(text)
    scores = [
        sum(weights.get(t, 0.0) for t in set(analyze(text[s.start : s.end], lang))) for s in spans
    ]
    lo = hi = max(range(len(spans)), key=lambda i: (scores[i], -i))
    while True:
        grow = [i for i in (lo - 1, hi + 1) if 0 <= i < len(spans)]
        grow = [i for i in grow if spans[max(i, hi)].end - spans[min(i, lo)].start <= max_chars]
        if not grow:
            break
        pick = max(grow, key=lambda i: (scores[i], -i))
        lo, hi = min(lo, pick), max(hi, pick)
    return spans[lo].start, spans[hi].end
