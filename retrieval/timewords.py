"""Time words in questions ("terbaru", "kemarin", "this week", "21 Oktober") as date windows.

``resolve_time(question, now)`` is pure: ``now`` is the server's clock in the configured time
zone (``WARTA_TIMEZONE``), passed in by the caller, so "today" is the reader's today.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from retrieval.dates import MONTHS

# Full month names only (plus common abbreviations with a dot or a day): "may" and "mar" alone
# are English and Indonesian words.
_MONTH_NAMES = {k: v for k, v in MONTHS.items() if len(k) > 3 or k in ("mei",)}
_MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_ANY_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(?:kemarin lusa|day before yesterday)\b", "day-2"),
    (r"\b(?:hari ini|today|tonight|malam ini|pagi ini|this morning)\b", "day-0"),
    (r"\b(?:kemarin|yesterday)\b", "day-1"),
    (r"\b(?:minggu|pekan) (?:ini|sekarang)\b|\bthis week\b", "week-0"),
    (r"\b(?:minggu|pekan) (?:lalu|kemarin|sebelumnya)\b|\blast week\b", "week-1"),
    (r"\bbulan (?:ini|sekarang)\b|\bthis month\b", "month-0"),
    (r"\bbulan (?:lalu|kemarin|sebelumnya)\b|\blast month\b", "month-1"),
    (r"\btahun (?:ini|sekarang)\b|\bthis year\b", "year-0"),
    (r"\b(?:ter(?:baru|kini|anyar|update)|paling baru|baru-baru ini|latest|newest|"
     r"most recent|recently|recent)\b", "latest"),
)  # fmt: skip
_DAYS_AGO = re.compile(r"\b(\d{1,2}) (?:hari (?:yang )?lalu|days? ago)\b", re.I)
# "21 Oktober", "5 okt.", "12 Agustus 2005": day, month name, year (shared by answering.dated).
DAY_MONTH_RE = re.compile(rf"\b(\d{{1,2}})\s+({_ANY_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I)
_MDY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MONTH_YEAR = re.compile(rf"\b(?:bulan\s+|in\s+)?({_MONTH})(?:\s+(\d{{4}}))?\b", re.I)


@dataclass(frozen=True)
class TimeWindow:
    """The dates a question asks about: ``start``..``end`` (inclusive), or just the latest.

    ``words`` are the matched time expressions (taken out of the question before searching).
    """

    words: tuple[str, ...]
    start: date | None = None
    end: date | None = None
    latest: bool = False

    def contains(self, day: date) -> bool:
        """Tell whether ``day`` falls in the window (always, for a latest-only question)."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def _relative(kind: str, today: date) -> tuple[date, date]:
    """Return the window of a relative time word."""
    unit, _, back = kind.partition("-")
    n = int(back)
    if unit == "day":
        day = today - timedelta(days=n)
        return day, day
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * n)
        return monday, min(monday + timedelta(days=6), today)
    if unit == "month":
        first = today.replace(day=1)
        for _ in range(n):
            first = (first - timedelta(days=1)).replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return first, min(last, today)
    return today.replace(month=1, day=1), today


def _past_year(month: int, day: int, today: date) -> int:
    """Return the year of the most recent (month, day) not after today."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _named_day(text: str, today: date) -> tuple[str, date] | None:
    """Find "21 Oktober 2025", "October 21", "21/10/2025" in ``text``."""
    for pattern, order in ((DAY_MONTH_RE, "dmy"), (_MDY, "mdy"), (_NUMERIC, "dmy-num")):
        m = pattern.search(text)
        if not m:
            continue
        if order == "dmy-num":
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif order == "dmy":
            d, mo, y = int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3) or 0)
        else:
            d, mo, y = int(m.group(2)), MONTHS[m.group(1).lower()], int(m.group(3) or 0)
        try:
            return m.group(0), date(y or _past_year(mo, d, today), mo, d)
        except ValueError:
            continue
    return None


def _named_month(text: str, today: date) -> tuple[str, date, date] | None:
    m = _MONTH_YEAR.search(text)
    if not m:
        return None
    month = _MONTH_NAMES[m.group(1).lower()]
    year = int(m.group(2)) if m.group(2) else _past_year(month, 1, today)
    last = calendar.monthrange(year, month)[1]
    return m.group(0), date(year, month, 1), date(year, month, last)


def resolve_time(question: str, now: datetime) -> TimeWindow | None:
    """Return the date window a question's time words ask for, or None when it has none."""
    today = now.date()
    text = question.casefold()
    words: list[str] = []
    span: tuple[date, date] | None = None
    latest = False
    for pattern, kind in _RULES:
        m = re.search(pattern, text)
        if not m:
            continue
        words.append(m.group(0))
        if kind == "latest":
            latest = True
        elif span is None:
            span = _relative(kind, today)
    if span is None:
        span = _explicit(text, today, words)
    if span is None:
        return TimeWindow(tuple(words), latest=True) if latest else None
    return TimeWindow(tuple(words), span[0], span[1], latest)


def _explicit(text: str, today: date, words: list[str]) -> tuple[date, date] | None:
    """Find "3 hari lalu", a named day or a named month; add its words to ``words``."""
    ago = _DAYS_AGO.search(text)
    if ago:
        words.append(ago.group(0))
        day = today - timedelta(days=int(ago.group(1)))
        return day, day
    named = _named_day(text, today)
    if named:
        words.append(named[0])
        return named[1], named[1]
    month = _named_month(text, today)
    if month:
        words.append(month[0])
        return month[1], month[2]
    return None


# Words that frame a question about the news ("berita terbaru soal …"): with a time word they
# name no topic, and "berita" matches every article that says "diberitakan".
_FRAMING = re.compile(r"\b(?:berita|kabar|info|news|stories|story|headlines?)\b", re.I)


def strip_time_words(question: str, window: TimeWindow) -> str:
    """Remove the matched time expressions and news-framing words (they name no topic)."""
    text = question
    for words in window.words:
        text = re.sub(re.escape(words), " ", text, flags=re.IGNORECASE)
    text = _FRAMING.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()
