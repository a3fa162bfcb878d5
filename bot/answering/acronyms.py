"""What an acronym stands for, and the acronym of a name, as the news spells them out.

"Apakah kepanjangan dari Aptindo?" asks for the name the news writes beside the acronym in
brackets ("Asosiasi Produsen Tepung Terigu Indonesia (Aptindo)", "JICA (Japan International
Cooperation Agency)"); "Apakah singkatan dari Lembaga Bantuan Hukum?" for the acronym beside
the name ("Lembaga Bantuan Hukum (LBH)"). Only such a pair answers: a name the sentence does
not tie to the acronym is no spelling-out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# "kepanjangan / kependekan / singkatan (dari) X", "what does X stand for", "the acronym of X".
_ASKED_RES = (
    re.compile(
        r"\b(?:kepanjangan|kependekan|singkatan|akronim)(?:nya)?(?:\s+(?:dari|untuk))?\s+"
        r"(?P<what>[^?]+?)\s*\??\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"\bwhat (?:does|did) (?:the )?(?P<what>\S+) stand for\b", re.IGNORECASE),
    re.compile(
        r"\b(?:acronym|abbreviation) (?:of|for) (?:the )?(?P<what>[^?]+?)\s*\??\s*$", re.IGNORECASE
    ),
)
# A name's words: capitalised, with the small words names hold ("Badan Rehabilitasi dan
# Rekonstruksi", "United Nations Office for Project Services", "Federation … de l'Automobile").
_LINK = r"(?:dan|untuk|dari|di|and|of|for|the|on|in|de|des|du|la|le|l'|d'|&)"
_NAME_WORD = r"[A-Z][\w'’.-]*"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_LINK}\s*)*{_NAME_WORD})*"
_ACRONYM_RE = re.compile(r"^[A-Z][\w-]*$")


@dataclass(frozen=True)
class Asked:
    """An acronym to spell out ("expand") or a name to shorten ("shorten")."""

    way: Literal["expand", "shorten"]
    what: str


def asked_acronym(question: str) -> Asked | None:
    """Return what a question asks to spell out or shorten, None when it asks neither."""
    for pattern in _ASKED_RES:
        m = pattern.search(question.strip())
        if m is None:
            continue
        words = m.group("what").strip(" \"“”'").split()
        if not words:
            return None
        # One word, or a lower-case category before it ("singkatan hama GAS"): an acronym.
        if len(words) == 1 or not any(w[:1].isupper() for w in words[:-1]):
            last = words[-1].strip(".,\"“”'")
            return Asked("expand", last) if _ACRONYM_RE.match(last) else None
        return Asked("shorten", " ".join(words))
    return None


def spelled_spans(sentence: str, asked: Asked) -> list[tuple[int, int]]:
    """Return the spans of ``sentence`` that spell out (or shorten) what is asked: the name
    (or the acronym) the sentence writes beside it in brackets."""
    what = re.escape(asked.what)
    if asked.way == "shorten":
        spans = [
            m.span(1)
            for pattern in (
                rf"\b{what}\s*\(([A-Z][\w-]*)\)",  # "Lembaga Bantuan Hukum (LBH)"
                rf"\b([A-Z][\w-]*)\s*\({what}\)",  # "LBH (Lembaga Bantuan Hukum)"
            )
            for m in re.finditer(pattern, sentence, re.IGNORECASE)
        ]
        return [s for s in spans if _ACRONYM_RE.match(sentence[s[0] : s[1]])]
    initial = asked.what[0].casefold()
    spans = []
    for m in re.finditer(rf"({_NAME})\s*\({what}\)", sentence):  # "Badan … (BPS)"
        spans += _from_initial(sentence, m.start(1), m.end(1), initial)
    for m in re.finditer(rf"\b{what}\s*\(({_NAME})\)", sentence):  # "JICA (Japan …)"
        spans += _from_initial(sentence, m.start(1), m.end(1), initial)
    return spans


def _from_initial(sentence: str, a: int, z: int, initial: str) -> list[tuple[int, int]]:
    """Return the longest part of the name ``sentence[a:z]`` that starts with the acronym's
    initial ("Ketua Asosiasi Produsen … Indonesia" for "Aptindo": from "Asosiasi"), or the
    whole name when only its last word does (the acronym of a name in another language:
    "Badan Tenaga Atom Internasional (IAEA)")."""
    words = list(re.finditer(rf"(?:^|(?<=\s)){_NAME_WORD}", sentence[a:z]))
    for i, m in enumerate(words):
        if m.group()[0].casefold() == initial:
            return [(a + m.start(), z)] if i < len(words) - 1 or i == 0 else [(a, z)]
    return []
