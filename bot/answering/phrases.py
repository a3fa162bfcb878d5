"""Candidate answer phrases of the kind a question asks for: names, numbers, dates."""

from __future__ import annotations

import itertools
import re

from bot.answering.qtype import AnswerType
from bot.answering.shape import DATE_RE, NUMBER_PHRASE_RE
from bot.answering.vocab import DAYS, MONTHS, alternation
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
# A number's unit may run past the one word the number pattern takes ("67 derajat Celcius",
# "10,23 mm per tahun"): up to UNIT_WORDS more words are offered as longer candidates.
UNIT_WORDS = 2
_NEXT_WORD_RE = re.compile(r"\s+([A-Za-z][\w-]*)")
_UNIT_LINKS = frozenset({"per"})
# A news dateline opens a story ("Yogyakarta, Kompas-", "Caracas, Rabu-", "Bisnis.com,
# JAKARTA -", "JAKARTA (ANTARA) -"): where it was filed, never an answer.
_DATELINE_RE = re.compile(
    r"^\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,2}"
    r"(?:,\s*[A-Z][\w.]*(?:\s\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\))?|\s\([A-Z][\w.]*\))\s*[-–—]"
)
_CAPITAL_RE = re.compile(r"[A-Z]")
_YEAR_RE = re.compile(r"(?:1[89]|20)\d\d\b(?![.,]\d)")
_YEAR_LEADS = frozenset(
    "pada tahun sejak hingga sampai akhir awal pertengahan in since until by of during year "
    "early late mid".split()
) | frozenset(MONTHS)
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
    return [sentence[a:z] for a, z in typed_spans(sentence, kind, asked, lang)]


def typed_spans(
    sentence: str, kind: AnswerType, asked: set[str], lang: Lang
) -> list[tuple[int, int]]:
    """Return the spans of ``sentence`` that could answer a question of ``kind`` (distinct
    phrases, each at its first place)."""
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
        # A bare number ("2005") names nobody and nowhere; a dateline answers nothing.
        runs = [r for r in runs if _CAPITAL_RE.search(sentence[r[0] : r[1]])]
        dateline = _DATELINE_RE.match(sentence)
        if dateline:
            runs = [r for r in runs if r[0] >= dateline.end()]
        found += runs
        # "Kourou, Perancis", "Gamawan Fauzi, Gubernur Sumatera Barat": a name and its place
        # or title, as the news writes them.
        for (a, z), (b, y) in itertools.pairwise(runs):
            if re.fullmatch(r",\s*", sentence[z:b]):
                found.append((a, y))
    elif kind == "number":
        for m in NUMBER_PHRASE_RE.finditer(sentence):
            if _is_year(sentence, m.start(), m.group()):  # "in 2022" dates; it counts nothing
                continue
            found += [(m.start(), m.end()), *_longer_units(sentence, m.end(), m.start(), lang)]
    elif kind == "time":
        found += [(m.start(), m.end()) for m in DATE_RE.finditer(sentence)]
        found += [(m.start(), m.end()) for m in _DAY_RE.finditer(sentence)]
    out: list[tuple[int, int]] = []
    seen: set[str] = set()
    for a, z in found:
        phrase = sentence[a:z].strip(" ,;:")
        if not phrase or phrase in seen:
            continue
        # A number's unit is often the question's own word ("Berapa penumpang" - "84
        # penumpang"): the number must be new, not the unit.
        new = (
            _new_number(phrase, asked) if kind in ("number", "time") else _new(phrase, asked, lang)
        )
        if new:
            seen.add(phrase)
            at = sentence.find(phrase, a)
            out.append((at, at + len(phrase)))
    return out


def _is_year(sentence: str, start: int, phrase: str) -> bool:
    """Tell whether a number phrase at ``start`` is a year ("in 2022", "pada 2005", "Maret
    2005", "(2005)"), not a count ("2000 orang")."""
    if not _YEAR_RE.match(phrase):
        return False
    before = sentence[:start].rstrip()
    word = before.rsplit(None, 1)[-1].casefold() if before else ""
    return word in _YEAR_LEADS or before.endswith("(") or not before


def _longer_units(sentence: str, end: int, start: int, lang: Lang) -> list[tuple[int, int]]:
    """Return the number phrase ``sentence[start:end]`` run on by one, two … following words
    (no punctuation between; not ending on a link word like "per")."""
    stop = stopwords(lang) - _UNIT_LINKS
    out = []
    for _ in range(UNIT_WORDS):
        m = _NEXT_WORD_RE.match(sentence, end)
        if m is None or m.group(1).casefold() in stop:
            break
        end = m.end()
        if m.group(1).casefold() not in _UNIT_LINKS:
            out.append((start, end))
    return out


def _new_number(phrase: str, asked: set[str]) -> bool:
    numbers = [t for t in tokenize(phrase) if any(c.isdigit() for c in t)]
    return not numbers or any(t not in asked for t in numbers)
