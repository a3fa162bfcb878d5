"""Whether a name holds the office a who-question asks about.

Asked "Siapakah Menteri Pekerjaan Umum (PU) sekarang?", the sentence "Menteri Keuangan Purbaya
Yudhi Sadewa menyambangi Kantor Kementerian Pekerjaan Umum (PU)" holds every word of the
question, but its minister is another office's: the words the news writes between the title
and the name ("Keuangan") must be the question's ("Pekerjaan Umum"), or a short form of them
("Jabar" for "Jawa Barat", "Puslit" for "Pusat Penelitian", "NTT").

Indonesian only: there the office's words follow its title ("Ketua Komisi A DPRD", "Kepala
Dinas Kesehatan NTT"); English writes most of them before it ("Defense Secretary").
"""

from __future__ import annotations

import re

from retrieval.analysis import Lang, stopwords

# Titles whose office names a body or a portfolio after them. (A head of state or a regional
# head is named by the story's country or region, which a sentence need not repeat.)
OFFICES = ("Menteri", "Ketua", "Kepala", "Direktur", "Sekretaris", "Komandan", "Panglima")
_OFFICE_RE = re.compile(rf"\b(?:{'|'.join(OFFICES)})\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[\w'’.-]+|,")
# Words an office's name holds that name nothing themselves, and a name's honorifics.
_LINKS = frozenset({"dan", "serta", "untuk", "&"})
_HONORIFICS = frozenset({"Dr", "dr", "Drs", "Dra", "Prof", "Ir", "H", "Hj", "KH", "drg", "Mr"})
Office = tuple[str, tuple[str, ...]]  # a title and the words after it naming its office
QUALIFIER_WORDS = 6  # at most this many words after the title name its office
# The office written after the name: "Umi Hartati (UH) selaku Ketua Komisi II DPRD OKU",
# "Eni Suhaeni, Kepala Dinas Kesehatan Kabupaten Cirebon".
_TITLE_AFTER_RE = re.compile(
    rf"\s*(?:\([\w.-]+\)\s*)?(?:,\s*|\s+(?:selaku|sebagai)\s+)({'|'.join(OFFICES)})\b",
    re.IGNORECASE,
)
OFFICE_REACH = 80  # characters: how far before a name its title may stand


def asked_office(question: str) -> Office | None:
    """Return the title and the words after it that a question asks for ("Kepala Dinas
    Kesehatan NTT" - ("kepala", ("dinas", "kesehatan", "ntt"))), None when it names none."""
    m = _OFFICE_RE.search(question)
    if m is None:
        return None
    words: list[str] = []
    capital = None
    stop = stopwords("id")
    for w in _WORD_RE.findall(question[m.end() :]):
        word = w.strip("()'’.")
        if w == "," or not word or len(words) == QUALIFIER_WORDS:
            break
        if capital is None:
            capital = word[0].isupper()
        low = word.casefold()
        if capital and not word[0].isupper() and low != "dan":
            break
        if not capital and low in stop:
            break
        if low != "dan":
            words.append(low)
    return (m.group().casefold(), tuple(words)) if words else None


def other_office(sentence: str, start: int, end: int, office: Office | None, lang: Lang) -> bool:
    """Tell whether the name ``sentence[start:end]`` is given another office than the asked
    ``office`` (from ``asked_office``): a word the news writes between the asked title and
    the name is not the question's, while a word of the question's office is missing there
    ("Menteri Keuangan Purbaya …" asked "Menteri Pekerjaan Umum")."""
    if office is None or lang != "id":
        return False
    title, asked = office
    before = _title_before(sentence, start, title)
    if before is not None and not sentence[before.end() : start].strip():
        return _office_in_name(sentence[start:end], before.group(), asked)
    if before is not None:
        words = _WORD_RE.findall(sentence[before.end() : start])
    else:  # "Umi Hartati (UH) selaku Ketua Komisi II DPRD OKU"
        after = _TITLE_AFTER_RE.match(sentence, end)
        if after is None or after.group(1).casefold() != title:
            return False
        words = _office_run(sentence[after.end() :])
    words = [
        w
        for w in words
        if w != "," and w.casefold() not in _LINKS and w.strip(".") not in _HONORIFICS
    ]
    writes = [[_says(w, at, asked) for at in range(len(asked))] for w in words]
    said = [any(row) for row in writes]
    if any(not ok and not w[:1].isupper() for w, ok in zip(words, said, strict=True)):
        return False  # a lower-case word of its own between: no office run ("… yang menulis")
    missing = not all(any(row[at] for row in writes) for at in range(len(asked)))
    return missing and not all(said)


def _office_run(text: str) -> list[str]:
    """Return the words of the office written at the start of ``text``: up to a lower-case
    word of its own or a punctuation mark."""
    words: list[str] = []
    for m in _WORD_RE.finditer(text):
        w = m.group()
        if w == "," or len(words) == QUALIFIER_WORDS or text[: m.start()].rstrip().endswith("."):
            break
        if not w[:1].isupper() and w.casefold() not in _LINKS and not w[:1].isdigit():
            break
        words.append(w)
    return words


def _title_before(sentence: str, start: int, title: str) -> re.Match[str] | None:
    """Return the asked title nearest before the name, if any."""
    found = None
    for m in _OFFICE_RE.finditer(sentence, max(0, start - OFFICE_REACH), start):
        if m.group().casefold() == title:
            found = m
    return found


def _office_in_name(phrase: str, title: str, asked: tuple[str, ...]) -> bool:
    """Tell whether a phrase right after a capitalised title starts with another office's
    word ("Menteri" + "Keuangan Purbaya …", asked "Menteri Pekerjaan Umum"): its first word
    is not the question's and none of its words is. (A lower-case title is a plain word:
    "dengan ketua Putri Basma".)"""
    words = [w for w in _WORD_RE.findall(phrase) if w != ","]
    if not title[:1].isupper() or not words or words[0].strip(".") in _HONORIFICS:
        return False
    return not any(_says(w, at, asked) for w in words for at in range(len(asked)))


def _says(word: str, at: int, asked: tuple[str, ...]) -> bool:
    """Tell whether ``word`` of the sentence writes the question's word ``asked[at]``, itself
    or in a short form of the asked words from it on ("Jabar", "Sumut", "PU", "Puslit")."""
    low = word.strip("()'’.,").casefold()
    if not low:
        return False
    asked_word = asked[at]
    if low == asked_word or (len(low) >= 4 and sorted(low) == sorted(asked_word)):
        return True  # itself, or itself with two letters swapped ("Sumebr" asked)
    return len(low) >= 2 and _abbreviates(low, asked[at:], first=True)


def _abbreviates(short: str, words: tuple[str, ...], first: bool) -> bool:
    """Tell whether ``short`` is pieces of consecutive ``words`` (two at least): the first
    piece a word's start, each later one a word's start, its initial or two letters in it."""
    if not short:
        return not first
    if not words:
        return False
    word, rest = words[0], words[1:]
    for n in range(len(short), 0, -1):
        piece = short[:n]
        starts = word.startswith(piece)
        inside = not first and n >= 2 and piece in word
        enough = n < len(short) or not first  # two pieces at least
        if (starts or inside) and enough and _abbreviates(short[n:], rest, first=False):
            return True
    return False
