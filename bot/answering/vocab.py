"""The calendar words the answer stages look for, in Indonesian and English (one list each)."""

from __future__ import annotations

MONTHS = (
    "januari februari maret april mei juni juli agustus september oktober november desember "
    "january february march may june july august october december"
).split()
DAYS = (
    "senin selasa rabu kamis jumat sabtu minggu "
    "monday tuesday wednesday thursday friday saturday sunday"
).split()
# Words that place a sentence in time ("kemarin", "pekan lalu", "this year").
CALENDAR = "kemarin yesterday today tomorrow besok pekan week tahun year bulan month".split()
# Further words a when-answer may be made of ("Senin pagi", "two days ago").
TIME_OF_DAY = "hari ini|pagi|siang|sore|malam|morning|evening|night|lalu|ago|depan|next".split("|")


def alternation(words: list[str]) -> str:
    """Return ``words`` as a regex alternation (no group)."""
    return "|".join(words)
