"""How finely a when-question asks: a year, a calendar day or a time of day.

"Tahun berapa Tembok Berlin runtuh?" is answered by a year ("1989"), not by the day the
story ran ("Selasa (30/8)"); "Tanggal berapakah Sharapova lahir?" by a day ("19 April
1987"), not by a year alone ("Pada tahun 2005"); "Pukul berapa …" by a time of day. A plain
"Kapan …" asks at no particular grain: any date answers it.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.answering.dated import stated_days
from retrieval.analysis import normalise

Grain = Literal["year", "day", "clock"]

_ASKED: tuple[tuple[Grain, re.Pattern[str]], ...] = (
    ("year", re.compile(r"\b(?:tahun (?:berapa|apa)\w*|(?:what|which) year)\b")),
    ("day", re.compile(r"\b(?:tanggal (?:berapa|apa)\w*|(?:what|which) date)\b")),
    ("clock", re.compile(r"\b(?:(?:pukul|jam) (?:berapa|apa)\w*|what time)\b")),
)
# A year as news write it: "1989", "tahun 1990-an", "2004-2009" (an older one only with
# "tahun": "tahun 971").
_YEAR_RE = re.compile(r"\b(?:1[5-9]|20)\d\d(?:-an)?\b|\b(?:tahun|year)\s+\d{3,4}\b", re.I)
# A day of the month without its month written out, as Indonesian news date a story: "(30/8)".
_DAY_SLASH_RE = re.compile(r"\b\d{1,2}/\s?\d{1,2}\b")
_CLOCK_RE = re.compile(r"\b\d{1,2}[.:]\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b", re.I)


def asked_grain(question: str) -> Grain | None:
    """Return the grain ``question`` asks a time at, None when it asks at none."""
    q = normalise(question)
    return next((grain for grain, pattern in _ASKED if pattern.search(q)), None)


def states_grain(grain: Grain | None, phrase: str) -> bool:
    """Tell whether a time ``phrase`` is written at the asked ``grain`` (always, at none)."""
    if grain is None:
        return True
    if grain == "year":
        return bool(_YEAR_RE.search(phrase))
    if grain == "day":
        return bool(stated_days(phrase)) or bool(_DAY_SLASH_RE.search(phrase))
    return bool(_CLOCK_RE.search(phrase))
