"""Cross-lingual query expansion: translate query words into the other language's index terms.

BM25 matches words, so an English question cannot match an Indonesian article unless its words
are translated. ``expand_query`` looks the query's content words up in a bilingual lexicon
(Wordnet Bahasa x WordNet 3.0, FreeDict eng-ind and a curated list, compiled by
``scripts/build_lexicon.py`` into ``retrieval/data/lexicon``) and returns the translations as
index terms of the other language, weighted below the original terms.

Names, numbers and acronyms pass through: they are returned with weight 1.0 in the other
language's stem form only when that differs from the source-language stem (``bekele`` for an
English query whose own term is ``bekel``; ``1.500`` for ``1,500``); when the two are equal the
original query term already matches chunks of both languages, and repeating it would count it
twice. Acronyms are translated only by the curated list (PBB -> UN, AS -> US); capitalised words
the lexicon knows (Hurricane, President) are translated as well as passed through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

from retrieval.analysis import ANALYZER_VERSION, LANGS, Lang, analyze, stem, stopwords, tokenize

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
# Lexicon phrases are at most this many content words ("united nations", "kereta api").
MAX_PHRASE = 3

_NUMBER_RE = re.compile(r"^[\d.,]*\d[\d.,]*$")
_HEADER_RE = re.compile(r"^# warta-lexicon format=(\d+) analyzer=(\d+)")
# A word ending like this ends a sentence, so the next capitalised word is not a name.
_SENTENCE_END_RE = re.compile(r"[.!?…:][\"'”’)\]]*$")
# Indonesian writes 1.500 and 2,5 where English writes 1,500 and 2.5.
_SWAP_SEPARATORS = str.maketrans(",.", ".,")

WordKind = Literal["word", "name", "acronym", "number"]


@dataclass(frozen=True, slots=True)
class Translation:
    """One translation of a source key: target-language index terms and a confidence."""

    terms: tuple[str, ...]
    confidence: float
    curated: bool


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A content word of a query: its normalised token, hyphen parts and kind."""

    token: str
    parts: tuple[str, ...]
    kind: WordKind
    capitalised: bool


class Lexicon:
    """Translations from one language into the other's index terms, parsed on lookup."""

    def __init__(self, entries: dict[str, str], *, source: Lang) -> None:
        self._entries = entries
        self.source: Lang = source

    @classmethod
    def from_text(cls, text: str, *, source: Lang) -> Lexicon:
        """Parse lexicon text (header line, then ``key<TAB>translations`` lines)."""
        header, _, body = text.partition("\n")
        match = _HEADER_RE.match(header)
        if match is None or int(match.group(1)) != FORMAT_VERSION:
            raise ValueError(f"not a format {FORMAT_VERSION} Warta lexicon: {header[:60]!r}")
        if int(match.group(2)) != ANALYZER_VERSION:
            # Stems may differ slightly; expansion still works, so warn rather than fail.
            logger.warning(
                "lexicon built with analyzer %s, running %s: run scripts/build_lexicon.py",
                match.group(2),
                ANALYZER_VERSION,
            )
        return cls(_key_values(body), source=source)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, tokens: Sequence[str]) -> tuple[Translation, ...]:
        """Return the translations of a word or phrase, best first."""
        own = _parse(self._entries.get("=" + " ".join(tokens), ""))
        pooled = _parse(self._entries.get(" ".join(stem(list(tokens), self.source)), ""))
        # Snowball's Indonesian stemmer over-strips (pemilu -> pilu, memenangkan -> penang), so
        # an Indonesian word's own entry comes first. English stems are reliable, and an English
        # word's own entry is often a rare sense (tigers -> Tamil Tigers): its stem's goes first.
        first, then = (own, pooled) if self.source == "id" else (pooled, own)
        seen = {t.terms for t in first}
        return first + tuple(t for t in then if t.terms not in seen)


def _key_values(body: str) -> dict[str, str]:
    """Parse ``key<TAB>value`` lines (a lexicon file after its header line)."""
    body = body.rstrip("\n")
    if not body:
        return {}
    # One C-level split instead of a Python loop over ~50k lines keeps loading fast.
    fields = body.replace("\t", "\n").split("\n")
    if len(fields) % 2:
        raise ValueError("malformed lexicon: every line must be key<TAB>translations")
    return dict(zip(fields[0::2], fields[1::2], strict=True))


@lru_cache(maxsize=16384)
def _parse(raw: str) -> tuple[Translation, ...]:
    out: list[Translation] = []
    for item in raw.split("|") if raw else ():
        terms, _, conf = item.rpartition("=")
        curated = conf.endswith("*")
        out.append(Translation(tuple(terms.split(" ")), float(conf.rstrip("*")), curated))
    return tuple(out)


def other(lang: Lang) -> Lang:
    """Return the other language."""
    return "en" if lang == "id" else "id"


# Cached for the process: expand_query() is a plain function and the lexicon never changes.
@cache
def load_lexicon(source: Lang) -> Lexicon:
    """Load the shipped lexicon from ``source`` into the other language (once, on first use)."""
    name = f"{source}-{other(source)}.tsv"
    path = resources.files("retrieval").joinpath("data", "lexicon", name)
    return Lexicon.from_text(path.read_text("utf-8"), source=source)


@cache
def _written_forms(lang: Lang) -> dict[str, str]:
    path = resources.files("retrieval").joinpath("data", "lexicon", f"{lang}-words.tsv")
    _, _, body = path.read_text("utf-8").partition("\n")
    return _key_values(body)


def written_form(translation: Translation, lang: Lang) -> str | None:
    """Return how ``translation`` (index terms of ``lang``, stems) is written ("ammunit":
    "ammunition"), None when the lexicon has no written form for it."""
    return _written_forms(lang).get(" ".join(translation.terms))


def query_words(text: str, lang: Lang) -> list[QueryWord]:
    """Split a query into content words, telling names, acronyms and numbers by their casing."""
    casing = text != text.upper()  # in all-capitals text casing tells nothing
    stop = stopwords(lang)
    out: list[QueryWord] = []
    initial = True
    for raw in text.split():
        letters = [c for c in raw if c.isalpha()]
        acronym = casing and len(letters) >= 2 and all(c.isupper() for c in letters)
        capitalised = casing and bool(letters) and letters[0].isupper()
        tokens = tokenize(raw)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            # tokenize() follows a hyphenated token with its parts.
            parts = tuple(p for p in token.split("-") if p) if "-" in token else ()
            i += 1 + len(parts)
            kind: WordKind
            if _NUMBER_RE.match(token):
                kind = "number"
            elif acronym:
                kind = "acronym"  # kept even when it spells a stopword (US, IT)
            elif token in stop or (len(token) == 1 and token.isalpha()):
                continue
            elif any(c.isdigit() for c in token) or (capitalised and not initial):
                kind = "name"
            else:
                kind = "word"
            out.append(QueryWord(token, parts, kind, capitalised))
        initial = bool(_SENTENCE_END_RE.search(raw))
    return out


def expand_query(
    text: str, *, source: Lang, max_per_word: int = 3, weight: float = 0.4
) -> list[tuple[str, float]]:
    """Return (index term, weight) pairs in the OTHER language for the query text."""
    if source not in LANGS:
        raise ValueError(f"source must be one of {LANGS}, not {source!r}")
    return expand_with(load_lexicon(source), text, max_per_word=max_per_word, weight=weight)


def expand_with(
    lexicon: Lexicon, text: str, *, max_per_word: int = 3, weight: float = 0.4
) -> list[tuple[str, float]]:
    """Expand ``text`` (in ``lexicon.source``) with ``lexicon``; see ``expand_query``."""
    if max_per_word < 0:
        raise ValueError(f"max_per_word must be >= 0, not {max_per_word}")
    if not 0.0 < weight < 1.0:
        raise ValueError(f"weight must be between 0 and 1 (exclusive), not {weight}")
    source = lexicon.source
    target = other(source)
    words = query_words(text, source)
    original = frozenset(analyze(text, source))
    target_stop = stopwords(target)
    out: dict[str, float] = {}

    def add(term: str, term_weight: float) -> None:
        if term not in original and term not in target_stop and term_weight > out.get(term, 0):
            out[term] = term_weight

    def translate(translations: Sequence[Translation], span: int = 1) -> None:
        # A translation may add up to ``weight`` per source word it covers, shared among its
        # terms: train -> kereta api gives each term half, national park -> taman nasional
        # gives each its whole. The cap counts terms, per source word.
        used = 0
        for tr in translations:
            new = [t for t in tr.terms if t not in original and t not in target_stop]
            if not new or used + len(new) > max_per_word * span:
                continue
            for term in new:
                add(term, weight * tr.confidence * min(1.0, span / len(tr.terms)))
            used += len(new)

    i = 0
    while i < len(words):
        word = words[i]
        span = 1
        found: tuple[Translation, ...] = ()
        if word.kind == "acronym":
            # Only curated translations: the lexicons read MA as Massachusetts, AS as Samoa.
            found = tuple(t for t in lexicon.lookup([word.token]) if t.curated)
        elif word.kind != "number":
            span, found = _longest_match(lexicon, words, i)
        translate(found, span)
        if not found and word.kind == "word" and word.parts:
            for part in word.parts:  # negara-negara, anti-korupsi
                translate(lexicon.lookup([part]))
        for w in words[i : i + span]:
            # An untranslatable word is most likely a name, even when lower-case.
            if w.kind != "word" or not found:
                for term in _pass_through(w, source, target):
                    add(term, 1.0)
        i += span
    return list(out.items())


def _longest_match(
    lexicon: Lexicon, words: Sequence[QueryWord], start: int
) -> tuple[int, tuple[Translation, ...]]:
    """Return the longest phrase at ``start`` with translations (length, translations)."""
    for span in range(min(MAX_PHRASE, len(words) - start), 0, -1):
        phrase = words[start : start + span]
        if any(w.kind in ("number", "acronym") for w in phrase):
            continue
        found = lexicon.lookup([w.token for w in phrase])
        if found:
            return span, found
    return 1, ()


def _pass_through(word: QueryWord, source: Lang, target: Lang) -> list[str]:
    """Return a name's or number's terms in ``target`` form where they differ from ``source``."""
    if word.kind == "number":
        swapped = word.token.translate(_SWAP_SEPARATORS)
        return [swapped] if swapped != word.token else []
    tokens = [word.token, *word.parts]
    pairs = zip(stem(tokens, target), stem(tokens, source), strict=True)
    return [theirs for theirs, ours in pairs if theirs != ours]
