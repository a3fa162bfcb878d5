"""Choose the sentences worth reading: every sentence of the top passages, scored."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.answering.dated import stated_days
from bot.answering.direction import asked_direction, states_direction
from bot.answering.qtype import AnswerType
from bot.answering.scoring import weigh
from bot.answering.vocab import CALENDAR, DAYS, MONTHS
from bot.injection import hide_injections
from retrieval.analysis import Lang, analyze, tokenize
from retrieval.chunking import sentence_spans
from retrieval.documents import Article
from retrieval.search import Hit
from retrieval.snapshot import Snapshot

# A sentence holding a word of the expected kind that the question lacks gets this share of
# the question's weight on top (a who-question wants a sentence with a name in it).
TYPE_BONUS = 0.3
# Better-ranked passages win near-ties: the passage's BM25 score relative to the best.
RANK_BONUS = 0.3
# News answers in the sentence next to the one that repeats the question ("France is the
# largest consumer of mustard …" after "… shelves are now empty, sparking outrage"): a
# sentence gets this share of its best neighbour's match on top of its score, and is read
# when its match plus CONTEXT_SHARE of its neighbour's reaches min_sentence_match (tuned on
# FacQA train: the answering sentence among the three read 0.853 → 0.875).
NEIGHBOUR_BONUS = 0.15
# A where-sentence that writes a name after the question's own preposition ("di Kota X" for
# "Di mana …") gets this share on top.
DIRECTION_BONUS = 0.2
# A sentence stating the day the question names ("27 Mei 2005", "Jumat (12/8)") gets this
# share on top: the day's words are too common for their weights to tell that day's news.
DATE_BONUS = 0.3
CONTEXT_SHARE = 0.5
# A sentence that refers back to the story's subject by one of the question's own words
# ("Pertemuan tersebut …", "The meeting …") is about what the story's lead states: it is
# credited with this share of the question's weight that the lead holds and it lacks.
ANAPHOR_SHARE = 0.5
_ANAPHOR_RES: dict[Lang, re.Pattern[str]] = {
    "id": re.compile(r"(\w+)\s+(?:tersebut|itu|ini)\b", re.IGNORECASE),
    "en": re.compile(r"\b(?:the|this|that|these|those)\s+(\w+)", re.IGNORECASE),
}
_DIGIT_RE = re.compile(r"\d")
_CAPITAL_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w-]+")
_TIME_WORDS = frozenset(MONTHS + DAYS + CALENDAR)


@dataclass(frozen=True)
class Sentence:
    """One candidate sentence: ``article.text[start:end]``, its language and its scores."""

    article: Article
    start: int
    end: int
    lang: Lang
    match: float  # share of the question's weight it holds (0..1, translations credited)
    score: float  # match plus the type, rank and neighbour bonuses: the order of reading
    rank: int  # rank of the passage it came from (0 = best)
    neighbour: float = 0.0  # the best match of the sentence before or after it

    @property
    def context_match(self) -> float:
        """Return its match with a share of its neighbour's: whether it is worth reading."""
        return self.match + CONTEXT_SHARE * self.neighbour

    @property
    def text(self) -> str:
        """Return the sentence's text."""
        return self.article.text[self.start : self.end]


def has_type(text: str, kind: AnswerType, question_tokens: set[str]) -> bool:
    """Tell whether ``text`` holds a word of the kind a question expects, not in it already."""
    if kind in ("number", "time"):
        if any(_DIGIT_RE.search(t) and t not in question_tokens for t in tokenize(text)):
            return True
        return kind == "time" and any(
            t in _TIME_WORDS and t not in question_tokens for t in tokenize(text)
        )
    if kind in ("person", "place", "name"):
        return any(m.group().casefold() not in question_tokens for m in _CAPITAL_RE.finditer(text))
    return True


def candidates(
    hits: Sequence[Hit],
    snap: Snapshot,
    weights: Mapping[Lang, Mapping[str, float]],
    *,
    totals: Mapping[Lang, float],
    kind: AnswerType,
    question: str,
) -> list[Sentence]:
    """Return every distinct sentence of ``hits``, best first; ``weights`` gives the term
    weights to match a sentence in each language with, ``totals`` the weight of a sentence
    in it that states the whole question (``scoring.totals``)."""
    q_tokens = set(tokenize(question))
    way = asked_direction(question) if kind == "place" else None
    days = stated_days(question)
    top = hits[0].score if hits else 1.0
    seen: set[tuple[str, int]] = set()
    found: list[Sentence] = []
    leads: dict[str, set[str]] = {}
    for rank, hit in enumerate(hits):
        lang = snap.languages[snap.article_index[hit.article.id]]
        text = hide_injections(hit.chunk.text)
        for span in sentence_spans(text):
            start, end = hit.chunk.start + span.start, hit.chunk.start + span.end
            sentence = text[span.start : span.end]
            if (hit.article.id, start) in seen or not sentence.strip():
                continue
            seen.add((hit.article.id, start))
            terms = set(analyze(sentence, lang))
            total = totals[lang]
            match = weigh(terms, weights[lang]) / total
            if start > 0 and _refers_back(sentence, lang, weights[lang]):
                if hit.article.id not in leads:
                    leads[hit.article.id] = _lead_terms(hit.article, lang)
                match += ANAPHOR_SHARE * weigh(leads[hit.article.id] - terms, weights[lang]) / total
            match = min(1.0, match)
            bonus = TYPE_BONUS if has_type(sentence, kind, q_tokens) else 0.0
            bonus += DIRECTION_BONUS if states_direction(way, sentence) else 0.0
            bonus += DATE_BONUS if days and days & stated_days(sentence) else 0.0
            score = match + bonus + RANK_BONUS * (hit.score / top if top else 0.0)
            found.append(Sentence(hit.article, start, end, lang, match, score, rank))
    out = [
        replace(s, neighbour=n, score=s.score + NEIGHBOUR_BONUS * n)
        for s, n in zip(found, _neighbour_matches(found), strict=True)
        if s.match > 0 or n > 0
    ]
    out.sort(key=lambda s: (-s.score, s.rank, s.start))
    return out


def _refers_back(sentence: str, lang: Lang, weights: Mapping[str, float]) -> bool:
    """Tell whether ``sentence`` names one of the question's words as something already
    told ("Pertemuan tersebut", "the meeting")."""
    return any(
        set(analyze(m.group(1), lang)) & weights.keys()
        for m in _ANAPHOR_RES[lang].finditer(sentence)
    )


def _lead_terms(article: Article, lang: Lang) -> set[str]:
    """Return the index terms of the article's title and first sentence (the text may
    start with its title)."""
    text = article.text[:2000]
    body = (text[s.start : s.end] for s in sentence_spans(text))
    first = next((b for b in body if b.strip() != article.title.strip()), "")
    return set(analyze(f"{article.title}\n{first}", lang))


def _neighbour_matches(sentences: Sequence[Sentence]) -> list[float]:
    """Return, for each sentence, the best match of the sentence right before or after it
    in its article (only whitespace between)."""
    ends = {(s.article.id, s.end): s.match for s in sentences}
    starts = {(s.article.id, s.start): s.match for s in sentences}
    out = []
    for s in sentences:
        text = s.article.text
        before, after = s.start, s.end  # step over the whitespace between (no copies)
        while before > 0 and text[before - 1].isspace():
            before -= 1
        while after < len(text) and text[after].isspace():
            after += 1
        out.append(
            max(ends.get((s.article.id, before), 0.0), starts.get((s.article.id, after), 0.0))
        )
    return out
