"""Which way a where-question asks: at a place, to it, or from it ("Di mana …" / "Ke mana …").

News often names several places in one story: where a meeting takes place ("berlangsung di
Kota Vladivostok") and where someone travels to ("berangkat ke Rusia"). A where-question's
preposition (Indonesian says it: di / ke / dari; English mostly implies it by its verb) picks
the place written with the same one.
"""

from __future__ import annotations

import re
from typing import Literal

from retrieval.analysis import normalise

Direction = Literal["at", "to", "from"]

_ID_ASKED: tuple[tuple[Direction, re.Pattern[str]], ...] = (
    ("from", re.compile(r"\bdari ?mana\w*|^dari \w+ (?:mana|apa)\w*")),
    ("to", re.compile(r"\bke ?mana\w*|^ke \w+ (?:mana|apa)\w*")),
    ("at", re.compile(r"\bdi ?mana\w*|^di \w+ (?:mana|apa)\w*")),
)
_EN_WHERE_RE = re.compile(r"\bwhere\b|^(?:in|to|from|at) (?:which|what)\b")
_EN_FROM_RE = re.compile(r"\bfrom\b")
# English verbs of going: "Where did Kim travel?" asks where to.
_EN_TO_RE = re.compile(
    r"\b(?:to (?:which|what)|go|goes|going|gone|went|travel\w*|head\w*|fly|flies|flew|flown|"
    r"flee|flees|fled|move|moves|moved|sent|send|taken|bound|return\w*|relocat\w*|evacuat\w*|"
    r"deport\w*|migrat\w*|export\w*|ship\w*)\b"
)
# The preposition written before a place in a sentence, either language.
_WRITTEN: dict[str, Direction] = {
    "di": "at", "dalam": "at", "in": "at", "at": "at", "inside": "at",
    "ke": "to", "kepada": "to", "menuju": "to", "to": "to", "into": "to", "toward": "to",
    "towards": "to",
    "dari": "from", "asal": "from", "from": "from",
}  # fmt: skip
_LAST_WORD_RE = re.compile(r"(?<!\S)(\w+)$")
_WORD_BEFORE_NAME_RE = re.compile(r"(?<!\w)(\w+)\s+(?=[A-Z])")


def asked_direction(question: str) -> Direction | None:
    """Return which way a where-question asks, None when it is no where-question or does
    not tell ("Kota apa …")."""
    q = normalise(question).strip()
    for direction, pattern in _ID_ASKED:
        if pattern.search(q):
            return direction
    if not _EN_WHERE_RE.search(q):
        return None
    if _EN_FROM_RE.search(q):
        return "from"
    return "to" if _EN_TO_RE.search(q) else "at"


def written_direction(text: str, start: int) -> Direction | None:
    """Return the direction of the preposition right before ``text[start:]``, if any."""
    m = _LAST_WORD_RE.search(text[max(0, start - 24) : start].rstrip(" "))
    return _WRITTEN.get(m.group(1).casefold()) if m else None


def agreement(asked: Direction | None, text: str, start: int) -> float:
    """Return 1.0 when the place at ``text[start:]`` is written with the asked preposition,
    -1.0 when with another one, 0.0 when either is unknown."""
    if asked is None:
        return 0.0
    written = written_direction(text, start)
    if written is None:
        return 0.0
    return 1.0 if written == asked else -1.0


def states_direction(asked: Direction | None, text: str) -> bool:
    """Tell whether ``text`` writes a capitalised name after the asked preposition."""
    if asked is None:
        return False
    return any(
        _WRITTEN.get(m.group(1).casefold()) == asked for m in _WORD_BEFORE_NAME_RE.finditer(text)
    )
