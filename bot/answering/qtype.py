"""What kind of answer a question asks for (who, where, when, how many, which, other)."""

from __future__ import annotations

import re
from typing import Literal

from bot.answering.direction import Direction, asked_direction
from retrieval.analysis import normalise

AnswerType = Literal["person", "place", "time", "number", "name", "other"]

# Order matters: "tahun berapa" asks for a time, "berapa" alone for a number.
_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "time",
        re.compile(
            r"\b(kapan\w*|bilamana|(tahun|tanggal|bulan|hari|jam|pukul) (berapa|apa)\w*|"
            # "when" asks only where a question starts ("How old was he when …" is how-old)
            r"(?:^|(?<=[.?!:;,]\s))when|"
            r"what (year|date|day|month|time)|which (year|date|day|month)|"
            r"since when|how long ago)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(berapa\w*|how (many|much|long|far|old|big|tall|large|high)|"
            r"what (percentage|percent|share|proportion|fraction|number|amount))\b"
        ),
    ),
    ("person", re.compile(r"\b(siapa\w*|who|whom|whose)\b")),
    (
        "place",
        re.compile(
            r"\b(di ?mana\w*|ke ?mana\w*|dari ?mana\w*|where|"
            r"(kota|negara|negara bagian|provinsi|pulau|daerah|wilayah|kabupaten|kecamatan|"
            r"kelurahan|desa|dusun|kampung|kawasan|distrik|benua|lokasi) "
            r"(mana|apa)\w*|in which (city|country|province|state|region|town)|"
            r"(which|what) (city|country|province|state|region|town|continent))\b"
        ),
    ),
    (
        "name",
        re.compile(
            r"\b(apa(kah)? (nama|judul)\w*|nama \w+ (apa|apakah)|"
            r"what (is|was|are|were) the (name|title)s?)\b"
            # "Kelompok apakah …", "Atlet bintang mana …", "Which automaker …": which one.
            r"|^(?:(?!(?:untuk|dengan|oleh|dari|karena|sebab|di|ke|dan)\b)\w+ ){1,3}"
            r"(?:apa|apakah|mana|manakah)\b"
            r"|\bwhich (?!(?:is|are|was|were|do|does|did|will|would|can|could|has|have|had)\b)\w+"
        ),
    ),
)


def answer_type(question: str) -> AnswerType:
    """Return the kind of answer ``question`` expects."""
    q = normalise(question)
    for kind, pattern in _PATTERNS:
        if pattern.search(q):
            return kind
    return "other"


# A where-question that starts with its preposition is answered with it ("Di Kota X").
_PLACE_PREPOSITION_RE = re.compile(r"^\s*(di|ke|dari) ?(?:\w+ )?mana", re.IGNORECASE)


# An English one asking where, or in which place, is answered "In X"; "Which country
# announced …?" with the country alone.
_EN_WHERE_RE = re.compile(r"\bwhere\b|\bin (?:which|what)\b", re.IGNORECASE)
_EN_PREPOSITIONS: dict[Direction, str] = {"at": "in", "to": "to", "from": "from"}


def place_preposition(question: str) -> str | None:
    """Return "di"/"ke"/"dari" when an Indonesian where-question asks with it, "in" / "to" /
    "from" when an English one asks where (by its verb: ``direction.asked_direction``) or in
    which place, else None."""
    m = _PLACE_PREPOSITION_RE.match(question)
    if m:
        return m.group(1).lower()
    if not _EN_WHERE_RE.search(question):
        return None
    # "Where did Kim travel?" is answered "To Russia", "Where is she from?" "From Surabaya".
    return _EN_PREPOSITIONS[asked_direction(question) or "at"]


# The thing a which-question names ("Kepala Badan apakah …" - Badan, "Apakah nama pelabuhan
# di Cilacap?" - pelabuhan, "Which automaker …" - automaker): its answer keeps it when the
# news writes it before the name ("Badan Tenaga Atom Internasional").
_CATEGORY_RES = (
    re.compile(r"\bnama (\w+)"),
    re.compile(r"(?:^|\s)(\w+) (?:apa|apakah|mana|manakah)\b"),
    re.compile(r"\bwhich (\w+)"),
    re.compile(r"\bwhat (?:is|was) the name of the (\w+)"),
)
_NOT_CATEGORY = frozenset(
    "apa apakah mana manakah yang di ke dari dan untuk dengan oleh itu ini the a an of "
    "is are was were do does did will would can could has have had".split()
)


def category_word(question: str) -> str | None:
    """Return the noun a which-question asks about, or None."""
    q = normalise(question)
    for pattern in _CATEGORY_RES:
        m = pattern.search(q)
        if m and m.group(1) not in _NOT_CATEGORY:
            return m.group(1)
    return None
