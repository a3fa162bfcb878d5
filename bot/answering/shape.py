"""Shape a read span into a short answer: trim question words, keep the asked-for phrase."""

from __future__ import annotations

import re

from bot.answering.qtype import AnswerType
from bot.answering.vocab import (
    CALENDAR,
    DAYS,
    MONTHS,
    MULTIPLIERS,
    NUMBER_TENS,
    NUMBER_WORDS,
    TIME_OF_DAY,
    alternation,
)
from retrieval.analysis import Lang, analyze, stopwords, tokenize

_WORD_RE = re.compile(r"\S+")
# A number's qualifier is part of the answer ("lebih dari 20 jenis", "at least 500").
NUMBER_QUALIFIERS = (
    "sekitar|kira-kira|hampir|lebih dari|kurang dari|sedikitnya|setidaknya|paling sedikit|"
    "about|around|nearly|almost|over|more than|less than|"
    "fewer than|at least|up to|roughly|approximately"
)
_RANGE = r"(?:\s?[-–]\s?\d[\d.,]*|\s+(?:hingga|sampai|to)\s+\d[\d.,]*)"
NUMBER_PHRASE_RE = re.compile(
    rf"(?:\b(?i:{NUMBER_QUALIFIERS})\s+|\b(?i:antara|between)\s+(?=\d[\d.,]*[^.]{{0,30}}?\s"
    r"(?:dan|and)\s+\d))?"
    r"(?:(?:Rp|US\$|USD|\$|€|£)\s?)?"
    rf"(?:(?<![\d/.,])\d[\d.,]*{_RANGE}?(?![\d/])|\b(?i:{alternation(NUMBER_WORDS)})\b"
    rf"(?:\s+(?:{alternation(NUMBER_TENS)}))?)"
    r"(?:\s*%|\s+(?:persen|percent))?"
    rf"(?:\s+(?:{alternation(MULTIPLIERS)}))?"
    # "antara 3,4 persen dan 6,35 persen", "between 10 and 12 percent"
    r"(?:\s+(?:dan|and)\s+\d[\d.,]*(?:\s*%|\s+(?:persen|percent))?)?"
    r"(?:\s+(?!(?:pada|di|ke|dari|yang|dan|untuk|dengan|dalam|atau|itu|ini|on|in|at|of|to|"
    r"for|and|the|from|by|with|per|or|was|were|is|are|tahun|year)\b)"
    r"(?:[a-z][a-z\-]{1,20}|[A-Z]{2,4}\b))?(?:\s+[A-Z]{2,4}\b)?",
)
_MONTHS = alternation(MONTHS)
# "akhir 2007", "early March": the part of the year is part of the date.
_DATE_LEAD = r"(?:(?:akhir|awal|pertengahan|early|late|mid|end of|beginning of)\s+)?"
DATE_RE = re.compile(
    # a period between two years ("antara tahun 2006 dan 2008", "from 2006 to 2008")
    r"\b(?:antara|between|dari|from)\s+(?:(?:tahun|year)\s+)?(?:1[89]|20)\d\d\s+"
    r"(?:dan|and|hingga|sampai|to|until)\s+(?:(?:tahun|year)\s+)?(?:1[89]|20)\d\d\b|"
    rf"\b\d{{1,2}}(?:\s?[-–]\s?\d{{1,2}})?\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b{_DATE_LEAD}"
    rf"(?:{_MONTHS})\s+\d{{4}}\b|\b(?:{_MONTHS})\s+\d{{1,2}}(?:,\s*\d{{4}})?\b"
    rf"|\b\d{{1,2}}/\s?\d{{1,2}}(?:/\d{{2,4}})?\b"
    # a period of years ("(1514-1530)", "2004-2009"), or an older year the news calls one
    r"|\b(?:1\d|20)\d\d\s?[-–]\s?(?:1\d|20)\d\d\b|\b(?:tahun|year)\s+1[0-7]\d\d\b"
    rf"|\b{_DATE_LEAD}(?:(?:tahun|year)\s+)?(?:1[89]|20)\d\d\b"
    r"|\b(?:(?:pukul|jam)\s+)?\d{1,2}[.:]\d{2}(?:\s*(?:WIB|WITA|WIT|GMT|UTC|am|pm))?",
    re.IGNORECASE,
)


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in _WORD_RE.finditer(text[start:end])]


def trim_question_words(
    text: str, start: int, end: int, asked: set[str], lang: Lang
) -> tuple[int, int]:
    """Drop lower-case words at the span's start that only repeat the question ("tahun 1957").

    ``asked`` holds the question's tokens and index terms (translations included).
    """
    stop = stopwords(lang)
    words = _words(text, start, end)
    i = 0
    while i < len(words) - 1:
        word = text[words[i][0] : words[i][1]]
        tokens = tokenize(word)
        lower = word[:1].islower()
        if lower and tokens and all(t in asked or t in stop for t in tokens):
            i += 1
            continue
        if lower and tokens and set(analyze(word, lang)) <= asked and analyze(word, lang):
            i += 1
            continue
        break
    return (words[i][0], end) if words else (start, end)


_UNIT_TAIL_RE = re.compile(r"(?:\s+[A-Za-z][\w-]*){1,2}")


def number_phrase(text: str, start: int, end: int, kind: AnswerType) -> tuple[int, int]:
    """Narrow a how-many/when span to its number or date phrase, when it has one."""
    piece = text[start:end]
    pattern = DATE_RE if kind == "time" else NUMBER_PHRASE_RE
    m = pattern.search(piece)
    if m is None:
        return start, end
    # A unit of a few more words after the number stays ("67 derajat Celcius").
    if kind == "number" and m.start() == 0 and _UNIT_TAIL_RE.fullmatch(piece[m.end() :]):
        return start, end
    a, z = start + m.start(), start + m.end()
    return a, z


def cut_restatement(
    text: str, start: int, end: int, asked: set[str], lang: Lang
) -> tuple[int, int]:
    """Cut a trailing ", …" or "(…)" part that repeats the question rather than answering."""
    piece = text[start:end]
    for m in re.finditer(r",\s+|\s+\(", piece):
        head, tail = piece[: m.start()], piece[m.end() :]
        terms = set(analyze(tail, lang))
        if analyze(head, lang) and terms and len(terms & asked) / len(terms) >= 0.5:
            return start, start + m.start()
    return start, end


# A comma and a conjunction start a new clause ("amunisi, dan harga yang diminta …"): unless
# the span lists things ("A, B, dan C"), its answer ends before them.
_CLAUSE_RE = re.compile(
    r",\s+(?:dan|tetapi|namun|sedangkan|sementara|serta|and|but|while|whereas)\s", re.IGNORECASE
)


def cut_clause(text: str, start: int, end: int) -> tuple[int, int]:
    """End ``text[start:end]`` before a second clause it runs on into (not in a list)."""
    m = _CLAUSE_RE.search(text, start, end)
    if m is None or "," in text[start : m.start()] or not text[start : m.start()].strip():
        return start, end
    return start, m.start()


# A photo credit names who took or sells the picture, never what the news tells:
# "Scott Barbour/Getty Images", "Pratham Gokhale/Hindustan Times/Sipa/Reuters".
_CREDIT_RE = re.compile(
    r"/\s*(?:Getty|Reuters|AFP|AP\b|Sipa|Bloomberg|EPA|Shutterstock|Anadolu|NurPhoto|"
    r"ANTARA|Antara|Xinhua|Kompas)|\bGetty Images\b"
)


def answers_nothing(span: str, asked: set[str], lang: Lang) -> bool:
    """Tell whether ``span`` holds no content word beyond the question's own, or is a
    photo credit."""
    terms = set(analyze(span, lang))
    return not terms or terms <= asked or bool(_CREDIT_RE.search(span))


_NAME_RE = re.compile(r"\b[A-Z0-9][\w-]*")


_WHEN_WORD_RE = re.compile(
    rf"\d|\b(?:{alternation(DAYS + CALENDAR + TIME_OF_DAY)})\b", re.IGNORECASE
)


def fits_type(span: str, kind: AnswerType, asked: set[str], lang: Lang) -> bool:
    """Tell whether ``span`` is the kind of thing the question asks for.

    A who/where answer names something the question does not: a capitalised word (or
    number) beyond the question's own. A which-question may be answered with a common noun
    ("Which condiment …?" - "mustard"), as an open one is.
    """
    if kind in ("person", "place"):
        return any(
            not (set(tokenize(m.group())) | set(analyze(m.group(), lang))) & asked
            for m in _NAME_RE.finditer(span)
        )
    if kind == "number":
        return bool(re.search(r"\d", span)) or bool(
            re.search(
                r"\b(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|puluhan|"
                r"ratusan|ribuan|belas|puluh|ratus|one|two|three|four|five|six|seven|eight|"
                r"nine|ten|dozens|hundreds|thousands|half|setengah)\b",
                span,
                re.IGNORECASE,
            )
        )
    if kind == "time":
        return bool(DATE_RE.search(span)) or bool(_WHEN_WORD_RE.search(span))
    return True


def shape(
    text: str, start: int, end: int, asked: set[str], lang: Lang, kind: AnswerType
) -> tuple[int, int]:
    """Apply the trims in order; the result is a sub-span of ``[start, end)``."""
    # A date in brackets is the answer to "when", not a restatement ("Rabu (10/8)").
    cut = kind != "time"
    a, z = cut_restatement(text, start, end, asked, lang) if cut else (start, end)
    if cut and kind != "number":
        a, z = cut_clause(text, a, z)
    if kind in ("number", "time"):
        a, z = number_phrase(text, a, z, kind)
    if kind == "time":  # "tahun 2003" is how a year is answered, whatever the question says
        return a, z
    if kind == "number" and NUMBER_PHRASE_RE.match(text, a, z):
        return a, z  # a number phrase keeps its qualifier ("lebih dari 20 jenis")
    return trim_question_words(text, a, z, asked, lang)


def asked_terms(question: str, lang: Lang, query_terms: set[str]) -> set[str]:
    """Return what the question already says: its tokens, its terms and their translations."""
    return set(tokenize(question)) | set(analyze(question, lang)) | query_terms


_QUESTION_NAME_RE = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’.-]*")


def question_names(question: str) -> frozenset[str]:
    """Return the tokens of the names a question gives: its capitalised words but the first
    ("Di mana Putin dan Kim akan bertemu?" - putin, kim); none when it is all in capitals."""
    if question == question.upper():
        return frozenset()
    return frozenset(
        t for m in _QUESTION_NAME_RE.finditer(question.strip()) for t in tokenize(m.group())
    )


def with_category(
    text: str, start: int, end: int, category: str | None, lang: Lang
) -> tuple[int, int]:
    """Take in the word before the span when it is the question's category: asked which
    Badan, "Tenaga Atom Internasional" is "Badan Tenaga Atom Internasional"."""
    if not category:
        return start, end
    m = re.search(r"(\S+)\s+$", text[:start])
    if m is None:
        return start, end
    word = m.group(1)
    same = word.casefold() == category or set(analyze(word, lang)) & set(analyze(category, lang))
    return (m.start(1), end) if same else (start, end)
