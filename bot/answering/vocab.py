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


# Numbers written as words ("tiga", "dozens"), the words that build larger ones ("dua
# belas", "tiga puluh") and the multipliers after a number ("1,2 juta", "5 billion").
NUMBER_WORDS = (
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas seratus seribu "
    "puluhan ratusan ribuan one two three four five six seven eight nine ten eleven twelve "
    "dozens hundreds thousands"
).split()
NUMBER_TENS = "belas puluh ratus".split()
MULTIPLIERS = "ribu juta miliar triliun thousand million billion trillion".split()


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


# Countries and regions whose names differ between the languages: a place answered from a
# sentence in the other language is said in the asker's ("Jerman" asked in English:
# "Germany (Jerman)"). Indonesian first, the usual name before an alias; a name spelt alike
# in both languages needs no entry.
PLACE_NAMES: tuple[tuple[str, str], ...] = (
    ("Amerika Serikat", "United States"),
    ("Korea Utara", "North Korea"),
    ("Korea Selatan", "South Korea"),
    ("Arab Saudi", "Saudi Arabia"),
    ("Selandia Baru", "New Zealand"),
    ("Afrika Selatan", "South Africa"),
    ("Timur Tengah", "Middle East"),
    ("Uni Eropa", "European Union"),
    ("Uni Emirat Arab", "United Arab Emirates"),
    ("Jerman", "Germany"),
    ("Inggris", "Britain"),
    ("Inggris", "United Kingdom"),
    ("Amerika", "America"),
    ("Belanda", "Netherlands"),
    ("Jepang", "Japan"),
    ("Tiongkok", "China"),
    ("Prancis", "France"),
    ("Perancis", "France"),
    ("Rusia", "Russia"),
    ("Mesir", "Egypt"),
    ("Swiss", "Switzerland"),
    ("Spanyol", "Spain"),
    ("Italia", "Italy"),
    ("Turki", "Turkey"),
    ("Belgia", "Belgium"),
    ("Brasil", "Brazil"),
    ("Meksiko", "Mexico"),
    ("Kanada", "Canada"),
    ("Filipina", "Philippines"),
    ("Singapura", "Singapore"),
    ("Yunani", "Greece"),
    ("Irak", "Iraq"),
    ("Suriah", "Syria"),
    ("Yordania", "Jordan"),
    ("Palestina", "Palestine"),
    ("Kolombia", "Colombia"),
    ("Ukraina", "Ukraine"),
    ("Polandia", "Poland"),
    ("Swedia", "Sweden"),
    ("Norwegia", "Norway"),
    ("Finlandia", "Finland"),
    ("Hungaria", "Hungary"),
    ("Ceko", "Czech Republic"),
    ("Cile", "Chile"),
    ("Kuba", "Cuba"),
    ("Ekuador", "Ecuador"),
    ("Afganistan", "Afghanistan"),
    ("Kamboja", "Cambodia"),
    ("Eropa", "Europe"),
    ("Afrika", "Africa"),
    ("Antartika", "Antarctica"),
    ("Skotlandia", "Scotland"),
    ("Irlandia", "Ireland"),
    ("Islandia", "Iceland"),
    ("Maroko", "Morocco"),
    ("Aljazair", "Algeria"),
    ("Etiopia", "Ethiopia"),
)
