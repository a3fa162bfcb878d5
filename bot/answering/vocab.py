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


# Titles a name is written with, Indonesian and English: a cross-lingual answer says them in
# the asker's language ("Presiden Putin" asked in English: "President Putin"). Longest first.
TITLES: tuple[tuple[str, str], ...] = (
    ("Wakil Presiden", "Vice President"),
    ("Perdana Menteri", "Prime Minister"),
    ("Menteri Luar Negeri", "Foreign Minister"),
    ("Menteri Pertahanan", "Defence Minister"),
    ("Duta Besar", "Ambassador"),
    ("Juru Bicara", "Spokesperson"),
    ("Wali Kota", "Mayor"),
    ("Presiden", "President"),
    ("Menteri", "Minister"),
    ("Gubernur", "Governor"),
    ("Jenderal", "General"),
    ("Kanselir", "Chancellor"),
    ("Raja", "King"),
    ("Ratu", "Queen"),
    ("Pangeran", "Prince"),
    ("Paus", "Pope"),
    ("Senator", "Senator"),
    ("Direktur", "Director"),
    ("Ketua", "Chair"),
)
