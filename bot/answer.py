"""The answer pipeline: retrieve, prompt, generate, verify citations, fall back, abstain."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot import i18n
from bot.choices import Pick, clean_choice, pick_choice, split_choices
from bot.citations import Citation, Cited, Source, extractive, focus, is_degenerate, verify
from bot.conversation import FollowUp, Turn, contextualize
from bot.injection import hide_field, hide_injections
from bot.llm import Generator, TokenCallback
from bot.prompts import NOT_FOUND, Passage, build_prompt, translation_prompt
from retrieval.analysis import Lang, analyze, detect_language
from retrieval.binarydocs import page_at
from retrieval.search import Hit, Query, build_query, search_query
from retrieval.snapshot import Snapshot
from retrieval.store import CorpusIndex
from retrieval.timesearch import question_window, timed_hits

Mode = Literal["generated", "extractive", "choice", "abstained"]


@dataclass(frozen=True)
class Answer:
    """A cited answer (or an honest abstention) to one question."""

    question: str
    language: Lang
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    model: str
    timings_ms: Mapping[str, float]
    mode: Mode
    coverage: float = 0.0
    prompt_tokens: int = 0
    first_token_ms: float | None = None
    passages: tuple[Hit, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, object]:
        """Return the ``warta ask --json`` object."""
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.__dict__ for c in self.citations],
            "model": self.model,
            "timings_ms": dict(self.timings_ms),
        }


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


def coverage(hits: list[Hit], snap: Snapshot, query: Query) -> float:
    """Share of the question's idf weight found in one of the best passages.

    A passage in the question's language must hold the question's own terms; one in the
    other language is credited with the (down-weighted) translations it holds.
    """
    if not hits or snap.bm25 is None:
        return 0.0
    weighted = term_weights(snap, query)
    own = set(analyze(query.text, query.lang))
    total = sum(weighted[t] for t in own if t in weighted) or 1.0
    best = 0.0
    for hit in hits[:3]:
        lang = snap.languages[snap.article_index[hit.article.id]]
        found = set(analyze(hit.chunk.text, lang))
        terms = own if lang == query.lang else set(weighted)
        matched = sum(w for t, w in weighted.items() if t in terms and t in found)
        best = max(best, min(1.0, matched / total))
    return best


# A generated answer must rest on a sentence that matches the question about as well as the
# best sentence in the passages; otherwise the model answered something else, and the quote
# of that best sentence serves the asker better.
ON_TOPIC = 0.6


def _on_topic(
    cited: Cited, sources: list[Source], weights: Mapping[str, float], best: float
) -> bool:
    """Tell whether one of the answer's quotes matches the question nearly as well as the best."""
    langs = {s.article.id: s.lang for s in sources}
    scores = [
        sum(weights.get(t, 0.0) for t in set(analyze(c.quote, langs[c.article_id])))
        for c in cited.citations
    ]
    return bool(scores) and max(scores) >= ON_TOPIC * best


@dataclass
class Answerer:
    """Answer questions from a corpus index with a generator; one object per process."""

    index: CorpusIndex
    generator: Generator
    top_k: int = 4
    prompt_token_budget: int = 900
    max_tokens: int = 96
    min_coverage: float = 0.5
    crosslingual: bool = True
    llm_translate: bool = False
    passage_chars: int = 360
    # The clock in WARTA_TIMEZONE for time words in questions; None: no date handling.
    clock: Callable[[], datetime] | None = None

    def _select(
        self, hits: list[Hit], snap: Snapshot, weights: Mapping[str, float]
    ) -> list[Source]:
        """Pick non-overlapping passages within the prompt token budget, each narrowed to the
        sentences around its best match (prompt evaluation is most of the answer time)."""
        sources: list[Source] = []
        used = 0
        for hit in hits:
            if any(
                s.article.id == hit.article.id
                and hit.chunk.start < s.end
                and s.start < hit.chunk.end
                for s in sources
            ):
                continue
            lang = snap.languages[snap.article_index[hit.article.id]]
            c = hit.chunk
            a, z = focus(c.text, lang, weights, max_chars=self.passage_chars)
            text = hide_injections(c.text[a:z])
            cost = self.generator.count_tokens(text) + 12
            if sources and used + cost > self.prompt_token_budget:
                continue
            n = len(sources) + 1
            sources.append(Source(n, hit.article, c.start + a, c.start + z, lang, text))
            used += cost
            if len(sources) >= self.top_k:
                break
        return sources

    def _translate(self, question: str, lang: Lang, corpus_langs: frozenset[Lang]) -> str | None:
        """Ask an instruct model for the question in the other language (opt-in, chat only)."""
        other: Lang = "en" if lang == "id" else "id"
        if not (self.llm_translate and self.crosslingual and other in corpus_langs):
            return None
        if not self.generator.capabilities.instruct:
            return None
        generation = self.generator.generate(translation_prompt(question, other), max_tokens=64)
        return generation.text.strip() or None

    def _follow(self, question: str, lang: Lang, previous: Turn | None) -> FollowUp:
        """Read ``question`` after the previous turn (or alone)."""
        if previous is None:
            return FollowUp(question, (), "new_topic")
        return contextualize(
            question, previous.question, previous.answer, lang=lang, crosslingual=self.crosslingual
        )

    def answer(
        self,
        question: str,
        *,
        choices: Sequence[str] | None = None,
        on_token: TokenCallback | None = None,
        previous: Turn | None = None,
    ) -> Answer:
        """Answer ``question``; ``on_token`` receives raw model text as it streams.

        A quiz (``choices`` given, or option lines after the question) is answered with the
        option a passage states, when one does; otherwise like any question. A follow-up
        (``previous`` turn given) is searched with that turn's key terms and shown to the
        model with its referent spelled out, unless it changes the topic.
        """
        t0 = time.perf_counter()
        question = question.strip()
        if choices is None:
            question, choices = split_choices(question)
        options = tuple(dict.fromkeys(c for c in map(clean_choice, choices) if c))
        lang = detect_language(question)
        follow = self._follow(question, lang, previous)
        snap = self.index.snapshot
        corpus_langs = frozenset(snap.languages)
        # Time words ("kemarin", "latest") pick the dates; they are not search terms.
        topic, window = question_window(question, self.clock()) if self.clock else (question, None)
        query = build_query(
            topic,
            lang=lang,
            corpus_langs=corpus_langs,
            crosslingual=self.crosslingual,
            translation=self._translate(question, lang, corpus_langs),
            context=follow.terms,
        )
        if self.clock is None:
            hits = search_query(snap, query, k=self.top_k * 3)
        else:
            hits = timed_hits(snap, query, window, k=self.top_k * 3)
        cover = coverage(hits, snap, query)
        t_retrieved = time.perf_counter()
        timings = {"retrieve": (t_retrieved - t0) * 1000, "generate": 0.0}

        def done(cited: Cited | None, mode: Mode, **extra: object) -> Answer:
            timings["total"] = (time.perf_counter() - t0) * 1000
            if cited is None:
                cited, mode = Cited(i18n.text("abstain", lang), ()), "abstained"
            return Answer(
                question=question,
                language=lang,
                text=cited.text,
                abstained=mode == "abstained",
                citations=cited.citations,
                model=self.generator.name,
                timings_ms=timings,
                mode=mode,
                coverage=cover,
                passages=tuple(hits),
                **extra,  # type: ignore[arg-type]
            )

        if not hits or cover < self.min_coverage:
            return done(None, "abstained")
        weights = term_weights(snap, query)
        if options:
            pick = pick_choice(snap, query, options, weights, crosslingual=self.crosslingual)
            if pick is not None:
                timings["retrieve"] = (time.perf_counter() - t0) * 1000
                return done(_cite_choice(pick), "choice")
        sources = self._select(hits, snap, weights)
        passages = [
            Passage(s.n, hide_field(s.article.title) or "", hide_field(s.article.date), s.text)
            for s in sources
        ]
        prompt = build_prompt(follow.question, passages, lang)
        generation = self.generator.generate(prompt, max_tokens=self.max_tokens, on_token=on_token)
        timings["generate"] = generation.total_ms
        extra = {
            "prompt_tokens": generation.prompt_tokens,
            "first_token_ms": generation.first_token_ms,
        }
        same_lang = all(s.lang == lang for s in sources)
        lead = i18n.text("extractive_lead_same" if same_lang else "extractive_lead", lang)
        quoted, best = extractive(sources, weights, lead=lead)
        output = generation.text.strip()
        if output and not is_degenerate(output) and NOT_FOUND[lang] not in output.upper():
            cited = verify(output, sources, weights)
            if (
                cited is not None
                and detect_language(cited.text, default=lang) == lang
                and _on_topic(cited, sources, weights, best)
            ):
                return done(cited, "generated", **extra)
        if not quoted.citations:
            return done(None, "abstained", **extra)
        return done(quoted, "extractive", **extra)


def _cite_choice(pick: Pick) -> Cited:
    """Answer with the picked option, cited to the sentence that states it."""
    a = pick.hit.article
    quote = a.text[pick.start : pick.end]
    page = page_at(a.metadata.get("pages") or (), pick.start)
    citation = Citation(
        1, a.id, a.title, a.url, a.date, quote, pick.start, pick.end, a.source, page
    )
    return Cited(f"{pick.choice} [1].", (citation,))
