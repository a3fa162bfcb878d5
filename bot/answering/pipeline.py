"""The answer pipeline: retrieve → choose sentences → read → verify → abstain → frame."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import i18n
from bot.answering.acronyms import Asked, asked_acronym, spelled_spans
from bot.answering.choices import Pick, clean_choice, pick_choice, split_choices
from bot.answering.countries import (
    asks_country,
    asks_within_country,
    demonym_country,
    names_country,
    only_countries,
)
from bot.answering.direction import Direction, agreement, asked_direction, states_direction
from bot.answering.framing import frame
from bot.answering.grain import Grain, asked_grain, states_grain
from bot.answering.measure import Measure, asked_measure, states_measure, unit_fit
from bot.answering.office import Office, asked_office, other_office
from bot.answering.phrases import dateline_end, extend_chain, typed_spans
from bot.answering.proximity import nearness
from bot.answering.qtype import AnswerType, answer_type, category_word
from bot.answering.ranking import (
    Candidate,
    confidence_of,
    ranked,
    share,
    stated_the_asked_way,
)
from bot.answering.reader import read, read_phrase, score_phrases
from bot.answering.scoring import coverage, term_weights, totals, weights_for
from bot.answering.sentences import Sentence, candidates
from bot.answering.shape import (
    answers_nothing,
    asked_terms,
    fits_type,
    question_names,
    shape,
    with_category,
)
from bot.answering.smalltalk import smalltalk_kind, smalltalk_lang, smalltalk_reply
from bot.answering.types import Answer, AnswerOptions, Mode
from bot.citations import Citation, Cited
from bot.conversation import Turn, contextualize
from bot.errors import ModelUnavailable
from bot.llm import Generator
from bot.prompts import translation_prompt
from retrieval.analysis import LANGS, Lang, detect_language
from retrieval.binarydocs import page_at
from retrieval.documents import Article
from retrieval.search import Hit, Query, build_query, search_query
from retrieval.snapshot import Snapshot
from retrieval.store import CorpusIndex
from retrieval.timesearch import question_window, timed_hits

DraftCallback = Callable[[str], None]


@dataclass(frozen=True)
class Reading:
    """An answer span read out of a sentence, with the reader's confidence in it."""

    sentence: Sentence
    start: int  # article offsets of the span
    end: int
    confidence: float
    prompt_tokens: int = 0
    signals: Mapping[str, float] = field(default_factory=dict)  # what the confidence is from


def cite(n: int, article: Article, start: int, end: int) -> Citation:
    """Cite ``article.text[start:end]`` as source ``n`` (with its page, for a PDF or DOCX)."""
    page = page_at(article.metadata.get("pages") or (), start)
    return Citation(
        n, article.id, article.title, article.url, article.date, article.text[start:end],
        start, end, article.source, page,
    )  # fmt: skip


# Kinds whose answers are read freely (names of things are often lower-case), not only picked
# among typed phrases; with RANK_FREE_READS the free span competes with the typed ones.
FREE: tuple[AnswerType, ...] = ("other", "name")
RANK_FREE_READS = True


class Answerer:
    """Answer questions from a corpus index with a generator; one object per process."""

    def __init__(
        self,
        index: CorpusIndex,
        generator: Generator,
        options: AnswerOptions | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Wire the pipeline; ``options`` default to the settings' defaults; ``clock`` (the
        time in WARTA_TIMEZONE) resolves time words in questions, None: no date handling."""
        self.index = index
        self.generator = generator
        self.options = options or AnswerOptions()
        self.clock = clock

    def answer(
        self,
        question: str,
        *,
        choices: Sequence[str] | None = None,
        on_draft: DraftCallback | None = None,
        previous: Turn | None = None,
        use_model: bool = True,
        asked_at: datetime | None = None,
    ) -> Answer:
        """Answer ``question``; ``on_draft`` receives verified text to show meanwhile.

        A quiz (``choices`` given, or option lines after the question) is answered with the
        option a passage states, when one does; otherwise like any question. A follow-up is
        read after the ``previous`` turn: its key terms join the search, lighter, and a
        pronoun takes its referent from it, unless the question changes the topic. Without
        ``use_model`` (the fast path of inline queries) the chosen source sentence is quoted.
        Time words ("this week") count from ``asked_at`` (a replayed question's day), else
        from the clock.
        """
        run = _Run(self, question, choices, asked_at)
        if previous is not None:
            self._follow(run, previous)
        talk = smalltalk_kind(run.question)
        if talk is not None and not run.options:
            lang = smalltalk_lang(run.question)
            return run.finish(Cited(smalltalk_reply(talk, lang), ()), "smalltalk", lang=lang)
        hits, query, weights, cover = self._retrieve(run)
        run.hits, run.cover = hits, cover
        if not hits or cover < self.options.abstain_score:
            return run.finish(None, "abstained")
        snap = self.index.snapshot
        run.weights = {
            lang: weights if lang == query.lang else weights_for(query, weights, lang)
            for lang in LANGS
        }
        if run.options:
            pick = pick_choice(
                snap, query, run.options, weights, crosslingual=self.options.crosslingual
            )
            if pick is not None:
                return run.finish(_cite_choice(pick), "choice")
        kind = run.read_question()
        sentences = candidates(
            hits, snap, run.weights, totals=run.totals, kind=kind, question=run.read_as
        )
        if not sentences:
            return run.finish(None, "abstained")
        if not use_model:
            return run.finish(_quote(sentences[0], run.lang, "extractive_lead"), "extractive")
        if on_draft is not None:
            on_draft(f"“{sentences[0].text}”")
        asked = asked_terms(run.read_as, run.lang, set(weights))
        run.named = question_names(run.read_as)
        return self._read_and_frame(run, sentences, kind, asked)

    def _follow(self, run: _Run, previous: Turn) -> None:
        """Read ``run``'s question after the ``previous`` turn: its referent spelled out,
        the previous question's key terms added, lighter."""
        follow = contextualize(
            run.question,
            previous.question,
            previous.answer,
            lang=run.lang,
            crosslingual=self.options.crosslingual,
        )
        run.read_as, run.context = follow.question, follow.terms

    def _retrieve(self, run: _Run) -> tuple[list[Hit], Query, dict[str, float], float]:
        snap = self.index.snapshot
        corpus_langs = frozenset(snap.languages)
        # Time words ("kemarin", "latest") pick the dates; they are not search terms.
        now = run.asked_at or (self.clock() if self.clock else None)
        topic, window = question_window(run.question, now) if now else (run.question, None)
        query = build_query(
            topic,
            lang=run.lang,
            corpus_langs=corpus_langs,
            crosslingual=self.options.crosslingual,
            translation=self._translate(run.question, run.lang, corpus_langs),
            context=run.context,
        )
        k = self.options.top_k * 3
        hits = (
            search_query(snap, query, k=k) if now is None else timed_hits(snap, query, window, k=k)
        )
        weights = term_weights(snap, query)
        run.totals = totals(query, weights, snap.bm25.vocab if snap.bm25 else frozenset())
        cover = coverage(hits, snap, query, weights, run.totals)
        run.timings["retrieve"] = run.elapsed()
        return hits, query, weights, cover

    def _read_and_frame(
        self, run: _Run, sentences: list[Sentence], kind: AnswerType, asked: set[str]
    ) -> Answer:
        """Read the best sentences; answer from the surest reading, or say the news is silent."""
        started = time.perf_counter()
        try:
            reading = self._best_reading(run, kind, sentences, asked)
        except ModelUnavailable:
            # The model is down: the chosen source sentence still answers, quoted.
            run.timings["generate"] = (time.perf_counter() - started) * 1000
            return run.finish(_quote(sentences[0], run.lang, "extractive_lead"), "extractive")
        run.timings["generate"] = (time.perf_counter() - started) * 1000
        if reading is None or reading.confidence < self.options.min_answer_confidence:
            # The closest sentence is offered only when it is on the question's topic.
            closest = sentences[0].match >= self.options.min_sentence_match
            cited = _quote(sentences[0], run.lang, "not_stated") if closest else None
            return run.finish(
                cited,
                "abstained",
                confidence=reading.confidence if reading else 0.0,
                signals=reading.signals if reading else {},
                withheld=_framed(run, reading, kind).text if reading else "",
            )
        cited = _framed(run, reading, kind)
        return run.finish(
            cited,
            "generated",
            confidence=reading.confidence,
            prompt_tokens=reading.prompt_tokens,
            signals=reading.signals,
        )

    def _best_reading(
        self, run: _Run, kind: AnswerType, sentences: list[Sentence], asked: set[str]
    ) -> Reading | None:
        """Read up to ``read_sentences`` sentences that match well enough; keep the surest."""
        eligible = [s for s in sentences if s.context_match >= self.options.min_sentence_match]
        chosen = _chosen(eligible, self.options.read_sentences, _states(run))
        if self.generator.capabilities.copy_spans and (RANK_FREE_READS or kind not in FREE):
            return self._rank_phrases(run, kind, chosen, asked)
        best: Reading | None = None
        for sentence in chosen:
            reading = self._read(run, sentence, kind, asked)
            if reading is not None and (best is None or reading.confidence > best.confidence):
                best = reading
        return best

    def _rank_phrases(
        self, run: _Run, kind: AnswerType, sentences: list[Sentence], asked: set[str]
    ) -> Reading | None:
        """Score every phrase of the asked kind in ``sentences``; read the best that fits."""
        found: list[Candidate] = []
        for sentence in sentences:
            found += self._phrase_candidates(run, sentence, kind, asked)
        # A number measuring something else than asked ("17,5 kilometer", asked how many
        # turtles) answers nothing.
        found = [c for c in found if c.unit >= 0]
        # Asked which country, a place naming none answers nothing ("Kabupaten Katingan").
        found = [c for c in found if not run.country or names_country(c.phrase)]
        # Asked which province or city, a country answers nothing ("Nigeria, Bolivia").
        found = [c for c in found if not (run.within and only_countries(c.phrase))]
        # A name given another office than asked answers nothing, however much of the
        # office its phrase takes in ("Keuangan Purbaya …" as "Purbaya …"); it still counts
        # as a rival: the reader's doubt about the rest stays (share below).
        other = {_name_key(c) for c in found if run.holds_other_office(c)}
        if not found:
            return None
        for candidate in ranked(found):
            if _name_key(candidate) in other:
                continue
            # the place written the asked way when another read sentence writes it so
            shown = stated_the_asked_way(candidate, found)
            reading = self._accept_candidate(shown, kind, asked, run.category)
            if reading is None and shown is not candidate:
                reading = self._accept_candidate(candidate, kind, asked, run.category)
            if reading is not None:
                signals = {
                    "share": share(candidate, found),
                    "match": candidate.sentence.match,
                    "near": candidate.near,
                    "logprob": candidate.logprob / max(1, candidate.tokens),
                    "coverage": run.cover,
                }
                sure = confidence_of(signals)
                return Reading(reading.sentence, reading.start, reading.end, sure, signals=signals)
        return None

    def _phrase_candidates(
        self, run: _Run, sentence: Sentence, kind: AnswerType, asked: set[str]
    ) -> list[Candidate]:
        """The phrases of ``sentence`` that could answer, each scored by the reader: those of
        the asked kind, and for a name or an open question the span the reader copies."""
        text = sentence.text
        spans = run.typed(sentence, kind, asked)
        if kind in FREE and run.acronym is None:
            budget = self.options.answer_max_tokens
            found = read(self.generator, text, run.read_as, run.lang, max_tokens=budget)
            if found is not None and (found.start, found.end) not in spans:
                spans.append((found.start, found.end))
        if not spans:
            return []
        phrases = [text[a:z] for a, z in spans]
        scores = score_phrases(self.generator, text, run.read_as, run.lang, phrases)
        weights = run.weights[sentence.lang]
        return [
            Candidate(
                sentence, a, z, scored.logprob, scored.tokens,
                nearness(text, sentence.lang, a, z, weights, run.totals[sentence.lang]),
                agreement(run.way, text, a),
                unit_fit(run.measure, text[a:z], sentence.lang),
            )
            for (a, z), scored in zip(spans, scores, strict=True)
        ]  # fmt: skip

    def _read(
        self, run: _Run, sentence: Sentence, kind: AnswerType, asked: set[str]
    ) -> Reading | None:
        """Read one sentence with a backend that cannot score phrases: the model picks a
        typed phrase or (for a name or an open question) says a span; None when neither."""
        text, question, lang = sentence.text, run.read_as, run.lang
        budget = self.options.answer_max_tokens
        if kind in FREE and run.acronym is None:
            found = read(self.generator, text, question, lang, max_tokens=budget)
        else:
            phrases = [text[a:z] for a, z in run.typed(sentence, kind, asked)]
            if not phrases:
                return None
            found = read_phrase(self.generator, text, question, lang, phrases, max_tokens=budget)
        if found is None:
            return None
        if other_office(text, found.start, found.end, run.office, sentence.lang):
            return None
        reading = self._accept(sentence, found.start, found.end, kind, asked, run.category)
        if reading is None:
            return None
        weights = run.weights[sentence.lang]
        signals = {
            "share": 1.0,  # one reading, no rivals scored
            "match": sentence.match,
            "near": nearness(
                text, sentence.lang, found.start, found.end, weights, run.totals[sentence.lang]
            ),
            "logprob": found.logprob,  # 0.0 when the backend gives none
            "coverage": run.cover,
        }
        sure = confidence_of(signals)
        return Reading(sentence, reading.start, reading.end, sure, signals=signals)

    def _accept_candidate(
        self, candidate: Candidate, kind: AnswerType, asked: set[str], category: str | None
    ) -> Reading | None:
        """Shape ``candidate``'s phrase as ``_accept`` does; None unless it answers."""
        c = candidate
        return self._accept(c.sentence, c.start, c.end, kind, asked, category)

    def _accept(
        self,
        sentence: Sentence,
        start: int,
        end: int,
        kind: AnswerType,
        asked: set[str],
        category: str | None = None,
    ) -> Reading | None:
        """Shape ``sentence.text[start:end]``; None unless it answers with the asked kind.
        A which-answer takes in the ``category`` the news writes before it."""
        text = sentence.text
        start = min(max(start, dateline_end(text)), end)  # the dateline is never the answer
        a, z = shape(text, start, end, asked, sentence.lang, kind)
        a, z = with_category(text, a, z, category, sentence.lang)
        if kind == "place":  # a place answer names the whole chain the news writes
            a, z = extend_chain(text, a, z, sentence.lang, asked)
        span = text[a:z]
        if not span.strip() or answers_nothing(span, asked, sentence.lang):
            return None
        if not fits_type(span, kind, asked, sentence.lang):
            return None
        return Reading(sentence, sentence.start + a, sentence.start + z, 0.0)

    def _translate(self, question: str, lang: Lang, corpus_langs: frozenset[Lang]) -> str | None:
        """Ask an instruct model for the question in the other language (opt-in, chat only)."""
        other: Lang = "en" if lang == "id" else "id"
        if not (self.options.llm_translate and self.options.crosslingual):
            return None
        if other not in corpus_langs or not self.generator.capabilities.instruct:
            return None
        generation = self.generator.generate(translation_prompt(question, other), max_tokens=64)
        return generation.text.strip() or None


class _Run:
    """The state of answering one question: its text, options, clock and retrieval."""

    def __init__(
        self,
        answerer: Answerer,
        question: str,
        choices: Sequence[str] | None,
        asked_at: datetime | None = None,
    ) -> None:
        self.started = time.perf_counter()
        self.asked_at = asked_at  # when a replayed question was asked (None: now)
        self.answerer = answerer
        question = question.strip()
        if choices is None:
            question, choices = split_choices(question)
        self.question = question
        self.read_as = question  # a follow-up is read with its referent spelled out
        self.context: tuple[tuple[str, float], ...] = ()
        self.options = tuple(dict.fromkeys(c for c in map(clean_choice, choices) if c))
        self.lang: Lang = detect_language(question)
        self.timings: dict[str, float] = {"retrieve": 0.0, "generate": 0.0}
        self.hits: list[Hit] = []
        self.cover = 0.0
        # The question's terms, weighted to match text in each language with.
        self.weights: dict[Lang, dict[str, float]] = {"id": {}, "en": {}}
        # The weight a sentence in each language holds when it states the whole question.
        self.totals: dict[Lang, float] = {"id": 1.0, "en": 1.0}
        self.category: str | None = None  # what a which-question names ("Badan apakah")
        self.named: frozenset[str] = frozenset()  # the names the question gives
        self.way: Direction | None = None  # which way a where-question asks (at, to, from)
        self.measure: Measure | None = None  # what a how-many question counts or measures
        self.office: Office | None = None  # the office a who-question names ("Menteri PU")
        self.acronym: Asked | None = None  # an acronym to spell out, or a name to shorten
        self.country = False  # a which-country question: only a country answers
        self.within = False  # asked for a province, a city …: a country alone does not answer
        self.grain: Grain | None = None  # a when-question's grain: year, day, time of day

    def read_question(self) -> AnswerType:
        """Read what the question asks for: its kind, and what narrows it (an acronym to
        spell out, the category a which-question names, the way a where-question asks, what
        a how-many question counts, the office a who-question names, a country, the grain a
        when-question asks at); return the kind."""
        q = self.read_as
        kind = answer_type(self.question)
        self.acronym = asked_acronym(q)
        kind = "name" if self.acronym else kind
        self.category = category_word(q) if kind in ("name", "place") else None
        self.way = asked_direction(q) if kind == "place" else None
        self.measure = asked_measure(q, self.lang) if kind == "number" else None
        self.office = asked_office(q) if kind == "person" else None
        self.country = kind == "place" and asks_country(q)
        self.within = kind == "place" and asks_within_country(q)
        self.grain = asked_grain(q) if kind == "time" else None
        return kind

    def typed(self, sentence: Sentence, kind: AnswerType, asked: set[str]) -> list[tuple[int, int]]:
        """Return the spans of ``sentence`` that may answer: of the asked kind (a time at the
        asked grain), or, asked what an acronym stands for, only the name (or acronym)
        written beside it."""
        if self.acronym is not None:
            return spelled_spans(sentence.text, self.acronym)
        if kind == "other":
            return []
        spans = typed_spans(sentence.text, kind, asked, sentence.lang, self.named)
        if kind == "time":
            spans = [(a, z) for a, z in spans if states_grain(self.grain, sentence.text[a:z])]
        return spans

    def holds_other_office(self, c: Candidate) -> bool:
        """Tell whether the candidate name is given another office than the one asked."""
        return other_office(c.sentence.text, c.start, c.end, self.office, c.sentence.lang)

    def elapsed(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def finish(
        self,
        cited: Cited | None,
        mode: Mode,
        *,
        lang: Lang | None = None,
        confidence: float = 0.0,
        prompt_tokens: int = 0,
        signals: Mapping[str, float] | None = None,
        withheld: str = "",
    ) -> Answer:
        """Build the Answer; no ``cited`` means the honest "not found"."""
        lang = lang or self.lang
        if cited is None:
            cited, mode = Cited(i18n.text("abstain", lang), ()), "abstained"
        self.timings["total"] = self.elapsed()
        return Answer(
            question=self.question,
            language=lang,
            text=cited.text,
            abstained=mode == "abstained",
            citations=cited.citations,
            model=self.answerer.generator.name,
            timings_ms=dict(self.timings),
            mode=mode,
            coverage=self.cover,
            confidence=confidence,
            prompt_tokens=prompt_tokens,
            passages=tuple(self.hits),
            signals=dict(signals or {}),
            withheld=withheld,
        )


def _name_key(c: Candidate) -> tuple[str, int, int]:
    """Return what tells the name a candidate phrase ends on: its sentence and its end."""
    return c.sentence.article.id, c.sentence.start, c.end


def _chosen(
    eligible: list[Sentence], n: int, states: Callable[[Sentence], bool] | None
) -> list[Sentence]:
    """Return the best ``n`` sentences to read and, when none of them ``states`` what the
    question asks for (a place written the asked way, a number of the asked unit), the best
    sentence that does."""
    chosen = eligible[:n]
    if states and not any(states(s) for s in chosen):
        stating = [s for s in eligible if states(s)]
        chosen += [max(stating, key=lambda s: s.match)] if stating else []
    return chosen


def _states(run: _Run) -> Callable[[Sentence], bool] | None:
    """Return the test of a sentence stating what ``run``'s question asks for in its form: a
    place written the asked way ("di Kota Vladivostok"), a number of the asked unit, a time
    at the asked grain, an acronym spelled out beside it."""
    way, measure, acronym, grain = run.way, run.measure, run.acronym, run.grain
    if acronym is not None:
        return lambda s: bool(spelled_spans(s.text, acronym))
    if way is not None:
        return lambda s: states_direction(way, s.text)
    if measure is not None:
        return lambda s: states_measure(measure, s.text, s.lang)
    if grain is not None:
        return lambda s: states_grain(grain, s.text)
    return None


def _framed(run: _Run, reading: Reading, kind: AnswerType) -> Cited:
    """Frame ``reading`` in the asker's language, cited to its sentence."""
    s = reading.sentence
    phrase = s.article.text[reading.start : reading.end]
    # asked which country, "Iranian lawmakers" answers "Iran"
    country = demonym_country(phrase, run.lang) if run.country else None
    text = frame(
        country or phrase,
        question=run.question,
        kind=kind,
        lang=run.lang,
        source_lang=s.lang,
        marker="[1]",
    )
    return Cited(text, (cite(1, s.article, s.start, s.end),))


def _quote(sentence: Sentence, lang: Lang, lead_key: str) -> Cited:
    """Quote ``sentence`` as source [1] after a lead in ``lang``."""
    if lead_key == "extractive_lead" and sentence.lang == lang:
        lead_key = "extractive_lead_same"
    lead = i18n.text(lead_key, lang)
    citation = cite(1, sentence.article, sentence.start, sentence.end)
    return Cited(f"{lead} “{sentence.text}” [1]", (citation,))


def _cite_choice(pick: Pick) -> Cited:
    """Answer with the picked option, cited to the sentence that states it."""
    return Cited(f"{pick.choice} [1].", (cite(1, pick.hit.article, pick.start, pick.end),))


__all__ = ["Answer", "Answerer", "DraftCallback", "Reading", "Snapshot"]
