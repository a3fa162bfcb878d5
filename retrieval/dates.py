"""Publication dates and source names from metadata strings, datelines and URLs (pure)."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

# Indonesian and English month names and their usual abbreviations.
MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "pebruari": 2,
    "maret": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6,
    "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "agustus": 8, "august": 8, "aug": 8,
    "agu": 8, "agt": 8, "ags": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10,
    "october": 10, "oct": 10, "okt": 10, "november": 11, "nopember": 11, "nov": 11,
    "desember": 12, "december": 12, "dec": 12, "des": 12,
}  # fmt: skip
WEEKDAYS = (
    "senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DMY_WORDS = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)
_MDY_WORDS = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
# "Senin (11/9/2023)": Indonesian news write the day first.
_WEEKDAY_NUMERIC = re.compile(
    rf"\b(?:{WEEKDAYS}),?\s*\(?(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}})\)?", re.IGNORECASE
)
_ISO_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# Shapes seen in feeds and exports; month-first first (detik's m/d/Y), day-first when it can't be.
_NUMERIC_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y %H:%M",
                    "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d")  # fmt: skip
LEAD_CHARS = 600  # a dateline sits in the first lines of an article

# "Bisnis.com, JAKARTA -", "JAKARTA, KOMPAS.com -", "Jakarta (ANTARA) -"
_SOURCE_CITY = re.compile(r"^([A-Za-z][\w.]*(?:\s[A-Z][\w.]*)?),\s+[A-Z][A-Z. ]+?\s*[-–—]\s")
_CITY_SOURCE = re.compile(r"^[A-Z][A-Z. ]+,\s+([A-Za-z][\w]*\.[a-z]{2,}(?:\.[a-z]{2})?)\s*[-–—]\s")
_CITY_PAREN = re.compile(r"^[A-Z][A-Za-z. ]+?\s+\(([A-Za-z][\w. ]{1,30}?)\)\s*[-–—]\s")
_SECOND_LEVEL = frozenset({"co", "ac", "go", "or", "com", "net", "org", "web", "my", "sch", "mil"})


def _valid(year: int, month: int, day: int) -> date | None:
    """Return the date when it exists and is a plausible publication year, else None."""
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _words_date(text: str) -> tuple[int, date] | None:
    """Find the first "11 September 2023" or "September 11, 2023" in ``text`` (with its offset)."""
    found: list[tuple[int, date]] = []
    for m in _DMY_WORDS.finditer(text):
        d = _valid(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        if d:
            found.append((m.start(), d))
            break
    for m in _MDY_WORDS.finditer(text):
        d = _valid(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
        if d:
            found.append((m.start(), d))
            break
    return min(found) if found else None


def parse_date(text: str) -> date | None:
    """Parse a metadata date (ISO 8601, RFC 2822, numeric, or with month names); None if not."""
    text = text.strip()
    if not text or len(text) > 80:
        return None
    iso = _ISO_PREFIX.match(text)
    if iso:
        return _valid(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    for fmt in _NUMERIC_FORMATS:
        try:
            return _valid_dt(datetime.strptime(text, fmt))
        except ValueError:
            continue
    try:
        return _valid_dt(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    numeric = _WEEKDAY_NUMERIC.search(text)
    if numeric:
        return _valid(int(numeric.group(3)), int(numeric.group(2)), int(numeric.group(1)))
    words = _words_date(text)
    return words[1] if words else None


def _valid_dt(when: datetime) -> date | None:
    return _valid(when.year, when.month, when.day)


def iso_date(text: str | None) -> str | None:
    """Return ``text`` as an ISO date (``2023-09-11``), or None when it is no known date."""
    parsed = parse_date(text) if text else None
    return parsed.isoformat() if parsed else None


def dateline_date(text: str) -> date | None:
    """Find the publication date in an article's lead: "Senin (11/9/2023)", "Jakarta, 12 Sep…"."""
    lead = text[:LEAD_CHARS]
    found: list[tuple[int, date]] = []
    numeric = _WEEKDAY_NUMERIC.search(lead)
    if numeric:
        d = _valid(int(numeric.group(3)), int(numeric.group(2)), int(numeric.group(1)))
        if d:
            found.append((numeric.start(), d))
    words = _words_date(lead)
    if words:
        found.append(words)
    return min(found)[1] if found else None


def dateline_source(text: str) -> str | None:
    """Return the publication named by a dateline ("Bisnis.com, JAKARTA - …"), else None.

    The dateline opens the body, which may follow a headline line or two.
    """
    for line in text.lstrip()[:LEAD_CHARS].split("\n")[:3]:
        for pattern in (_SOURCE_CITY, _CITY_SOURCE, _CITY_PAREN):
            m = pattern.match(line.strip()[:200])
            if m:
                return m.group(1).strip()
    return None


def url_source(url: str | None) -> str | None:
    """Return a URL's site as a source name: ``https://news.detik.com/x`` → ``detik.com``."""
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return None
    labels = [x for x in host.split(".") if x]
    if len(labels) < 2 or all(x.isdigit() for x in labels):
        return None
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])
