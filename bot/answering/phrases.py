"""Candidate answer phrases of the kind a question asks for: names, numbers, dates."""

from __future__ import annotations

import itertools
import re

from bot.answering.qtype import AnswerType
from bot.answering.shape import DATE_RE, NUMBER_PHRASE_RE
from bot.answering.vocab import DAYS, alternation
from retrieval.analysis import Lang, analyze, stopwords, tokenize

# A run of capitalised words (or numbers inside a name: "GA-181", "Universiade 2005"), with
# the short lower-case links names carry ("bin", "van", "de", "al-", "dan" is not one).
_NAME_RUN_RE = re.compile(
    r"(?:\b[A-Z][\w'’.-]*|\b\d+[\w-]*)(?:\s+(?:(?:bin|binti|van|von|de|der|da|di|la|al|el|dos|"
    r"del|of|the|untuk|dan)\s+)?(?:[A-Z][\w'’.-]*|\d+[\w-]*))*"
    r"(?:\s*\([A-Z][\w-]*\))?"  # its acronym: "Institut Teknologi Bandung (ITB)"
)
_PERSON_TITLE_RE = re.compile(
    r"(?:Presiden|President|Wakil|Menteri|Minister|Gubernur|Governor|Bupati|Wali Kota|Mayor|"
    r"Senator|Jenderal|General|Kapolri|Kapolda|Ketua|Direktur|Director|Dr|Prof|Mr|Mrs|Ms|"
    r"Sir|Pak|Bu|Raja|King|Queen|Ratu|Paus|Pope)\b"
)
# A sentence-initial word that starts a run only because it starts the sentence.
_INITIAL_VERB_RE = re.compile(r"^(di|me|ber|ter|se|ke|pe)\w+(kan|an|i|nya)$|^\w+(nya|lah|kah)$")
_DAY_RE = re.compile(
    rf"\b(?:{alternation([d.capitalize() for d in DAYS])})\b"
    r"(?:\s*\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\))?"
)


def _new(span: str, asked: set[str], lang: Lang) -> bool:
    """Tell whether ``span`` names something the question does not: its last word (a name's
    head: "Presiden Putin" is Putin) is not the question's, nor are all its terms."""
    words = tokenize(span)
    if not words:
        return False
    last = words[-1]
    if last in asked or set(analyze(last, lang)) & asked:
        return False
    return not set(analyze(span, lang)) <= asked or not set(analyze(span, lang))


def _strip_links(text: str, a: int, z: int, lang: Lang) -> tuple[int, int]:
    """Drop a trailing link word ("dan", "of") or full stop a name run swallowed, and leading
    words that are capitalised only because they start the sentence ("Menurut Ketua …")."""
    piece = text[a:z]
    m = re.search(r"(?:\s+(?:dan|of|the|untuk|di|de|la))+$|[.]$", piece)
    if m:
        z = a + m.start()
    stop = stopwords(lang)
    while True:
        head = re.match(r"[^\s]+\s*", text[a:z])
        if head is None or head.end() >= z - a:
            break
        word = head.group().strip().casefold()
        initial = a == 0 or text[:a].rstrip().endswith((".", "-", "–", ":", '"', "“"))
        if word in stop or (initial and _INITIAL_VERB_RE.match(word)):
            a += head.end()
            continue
        break
    return a, z


def _drop_asked_title(text: str, a: int, z: int, asked: set[str]) -> tuple[int, int]:
    """Drop a title of two or more words that only repeats the question ("Juru Bicara Dewan
    Keamanan Nasional John Kirby" asked for the spokesman: John Kirby)."""
    words = [(a + m.start(), a + m.end()) for m in re.finditer(r"\S+", text[a:z])]
    n = 0
    while n < len(words) - 1 and set(tokenize(text[words[n][0] : words[n][1]])) <= asked:
        n += 1
    return (words[n][0], z) if n >= 2 else (a, z)


def typed_phrases(sentence: str, kind: AnswerType, asked: set[str], lang: Lang) -> list[str]:
    """Return the distinct phrases of ``sentence`` that could answer a question of ``kind``."""
    found: list[tuple[int, int]] = []
    if kind in ("person", "place", "name"):
        runs = [
            _strip_links(sentence, m.start(), m.end(), lang)
            for m in _NAME_RUN_RE.finditer(sentence)
        ]
        runs = [r for r in runs if sentence[r[0] : r[1]].casefold() not in stopwords(lang)]
        runs = [_drop_asked_title(sentence, a, z, asked) for a, z in runs]
        if kind == "place":  # "President Joe Biden" is nobody's whereabouts
            runs = [r for r in runs if not _PERSON_TITLE_RE.match(sentence[r[0] : r[1]])]
        found += runs
        # "Kourou, Perancis", "Gamawan Fauzi, Gubernur Sumatera Barat": a name and its place
        # or title, as the news writes them.
        for (a, z), (b, y) in itertools.pairwise(runs):
            if re.fullmatch(r",\s*", sentence[z:b]):
                found.append((a, y))
    elif kind == "number":
        found += [(m.start(), m.end()) for m in NUMBER_PHRASE_RE.finditer(sentence)]
    elif kind == "time":
        found += [(m.start(), m.end()) for m in DATE_RE.finditer(sentence)]
        found += [(m.start(), m.end()) for m in _DAY_RE.finditer(sentence)]
    out: list[str] = []
    for a, z in found:
        phrase = sentence[a:z].strip(" ,;:")
        if not phrase or phrase in out:
            continue
        # A number's unit is often the question's own word ("Berapa penumpang" - "84
        # penumpang"): the number must be new, not the unit.
        new = (
            _new_number(phrase, asked) if kind in ("number", "time") else _new(phrase, asked, lang)
        )
        if new:
            out.append(phrase)
    return out


def _new_number(phrase: str, asked: set[str]) -> bool:
    numbers = [t for t in tokenize(phrase) if any(c.isdigit() for c in t)]
    return not numbers or any(t not in asked for t in numbers)
