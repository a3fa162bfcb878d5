"""The calendar days a text states, however it writes them: "27 Mei 2005", "May 27",
"Jumat (12/8)", "12/8/2005" are (day, month) pairs.

A question that names a day ("Hingga Jumat 12 Agustus 2005, berapa …") is answered by the
sentence telling that day's news; its words "12", "agustus", "2005" are common, so the term
weights alone barely tell that sentence from one of another day, and Indonesian news write
the day as "(12/8)", which shares no month word with the question.
"""

from __future__ import annotations

import re

from retrieval.dates import MONTHS
from retrieval.timewords import DAY_MONTH_RE

Day = tuple[int, int]  # (day, month)

# A month name stands beside its day ("may" / "mar" alone are words); written first, it is
# capitalised ("May 27").
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![.,]?\d)", re.I)
# Day first, as Indonesian news write it: "(12/8)", "(12/8/2005)", "12/8/2005", "12-8-2005".
_BRACKETED = re.compile(r"\((\d{1,2})/(\d{1,2})(?:/\d{2,4})?\)")
_NUMERIC = re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-]\d{4}\b")


def stated_days(text: str) -> frozenset[Day]:
    """Return the (day, month) pairs ``text`` states."""
    found: set[Day] = set()
    for m in DAY_MONTH_RE.finditer(text):
        found.add((int(m.group(1)), MONTHS[m.group(2).casefold()]))
    for m in _MONTH_DAY.finditer(text):
        if m.group(1)[0].isupper():  # "May 27", not "they may 5 times"
            found.add((int(m.group(2)), MONTHS[m.group(1).casefold()]))
    for pattern in (_BRACKETED, _NUMERIC):
        found.update((int(m.group(1)), int(m.group(2))) for m in pattern.finditer(text))
    return frozenset((d, mo) for d, mo in found if 1 <= d <= 31 and 1 <= mo <= 12)
