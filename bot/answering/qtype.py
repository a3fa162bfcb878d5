"""What kind of answer a question asks for (who, where, when, how many, which, other)."""

from __future__ import annotations

import re
from typing import Literal

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
            r"(kota|negara|provinsi|pulau|daerah|wilayah|kabupaten|desa|benua|lokasi) "
            r"(mana|apa)\w*|in which (city|country|province|state|region|town)|"
            r"(which|what) (city|country|province|state|region|town|continent))\b"
        ),
    ),
    (
        "name",
        re.compile(
            r"\b(apa nama\w*|nama \w+ (apa|apakah)|what is the name|what was the name)\b"
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
_PLACE_PREPOSITION_RE = re.compile(r"^\s*(di|ke|dari) ?mana", re.IGNORECASE)


def place_preposition(question: str) -> str | None:
    """Return "di"/"ke"/"dari" when an Indonesian where-question asks with it, else None."""
    m = _PLACE_PREPOSITION_RE.match(question)
    return m.group(1).lower() if m else None
