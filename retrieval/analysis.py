"""Text analysis: normalise, tokenise, drop stopwords, stem (Indonesian and English)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

import Stemmer

Lang = Literal["id", "en"]
LANGS: tuple[Lang, Lang] = ("id", "en")

# Bump when analysis output changes: persisted indexes built by another version are rebuilt.
ANALYZER_VERSION = 4

# Words, numbers with decimal/thousand separators (38.875, 2,5, 1.000.000) and hyphenated
# names (Kim Jong-un, negara-negara) are single tokens; apostrophes inside words are kept.
_TOKEN_RE = re.compile(r"\w+(?:[-'.,’]\w+)*", re.UNICODE)
_NUMERIC_RE = re.compile(r"^[\d.,]+$")

# News words that the shipped stopword lists would drop but that carry meaning in questions.
_KEEP: dict[Lang, frozenset[str]] = {
    "id": frozenset({"depan", "kecil", "belum", "tanpa"}),
    "en": frozenset(
        {
            "first", "last", "former", "top", "front", "back", "full", "name", "side", "part",
            "show", "call", "move", "one", "two", "three", "four", "five", "six", "ten",
            "hundred", "amount", "down", "up",
        }
    ),
}  # fmt: skip

# Function words missing from the shipped lists (question words with -kah included).
_EXTRA: dict[Lang, frozenset[str]] = {
    "id": frozenset(
        """untuk dimana kemana darimana kah dll dsb dst secara seraya menurut guna kecuali
        siapakah apakah manakah dimanakah kemanakah darimanakah kapankah berapakah
        bagaimanakah mengapakah bilamana ya oh ok nggak tolong""".split()
    ),
    # "according to" frames a question as "menurut" does
    "en": frozenset({"according"}),
}

_STOPWORD_FILES: dict[Lang, str] = {"id": "id.stop-words-pypi.txt", "en": "en.spacy-3.8.18.txt"}
_STEMMER_NAMES: dict[Lang, str] = {"id": "indonesian", "en": "english"}

# Cheap language cues: frequent function words (weighted) and affixes typical of each language.
_CUES: dict[Lang, dict[str, float]] = {
    "id": {
        w: 2.0
        for w in (
            "yang dan di ke dari ini itu dengan untuk pada adalah dalam tidak akan oleh juga "
            "apa siapa berapa kapan mana dimana bagaimana mengapa kenapa apakah sebagai "
            "tersebut atau sudah telah bisa ada karena para saat kata serta bahwa nya"
        ).split()
    },
    "en": {
        w: 2.0
        for w in (
            "the of and to in is was are were for on with by at from that this which who "
            "what when where why how did does do has have had be been an a it its as "
            "will would said about after into than their they he she"
        ).split()
    },
}
_ID_AFFIX_RE = re.compile(
    r"^(meng|meny|mem|men|me|ber|ter|di|ke|pe|per)\w{3,}|\w{3,}(nya|kan|lah)$"
)
_EN_AFFIX_RE = re.compile(r"\w{2,}(ing|tion|ed|ly|ness|ment|'s)$")


def normalise(text: str) -> str:
    """Return ``text`` in Unicode NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def tokenize(text: str) -> list[str]:
    """Split ``text`` into normalised tokens; a hyphenated token also yields its parts."""
    out: list[str] = []
    for match in _TOKEN_RE.finditer(normalise(text)):
        token = match.group().replace("’", "'")
        if token.endswith("'s"):
            token = token[:-2]
        out.append(token)
        if "-" in token:
            out.extend(part for part in token.split("-") if part)
    return out


@cache
def stopwords(lang: Lang) -> frozenset[str]:
    """Return the stopword set of ``lang`` (shipped lists minus news words in ``_KEEP``)."""
    raw = resources.files("retrieval").joinpath("data", "stopwords", _STOPWORD_FILES[lang])
    words = {normalise(line.strip()) for line in raw.read_text("utf-8").splitlines()}
    words |= _EXTRA[lang]
    return frozenset(w for w in words if w and not w.startswith("#")) - _KEEP[lang]


@cache
def _stemmer(lang: Lang) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES[lang])


# Snowball's Indonesian stemmer strips -ku / -mu as possessives ("my", "your"), which news
# hardly writes; it cuts words that merely end so: bertemu -> berte (pertemuan -> temu),
# berlaku -> berla, Maluku -> malu. Such a word is stemmed as if it ended in -nya, the
# possessive news does write, which the stemmer strips instead: bertemu(nya) -> temu.
_ID_KU_MU_RE = re.compile(r"\w(?:ku|mu)$")
_ID_SHIELD = "nya"


def stem(tokens: list[str], lang: Lang) -> list[str]:
    """Stem ``tokens`` with Snowball for ``lang``; numbers are kept as they are."""
    words = tokens
    if lang == "id":
        words = [t + _ID_SHIELD if _ID_KU_MU_RE.search(t) else t for t in tokens]
    stemmed: list[str] = _stemmer(lang).stemWords(words)
    return [t if _NUMERIC_RE.match(t) else s for t, s in zip(tokens, stemmed, strict=True)]


def content_tokens(text: str, lang: Lang) -> list[str]:
    """Return the tokens of ``text`` that are not stopwords of ``lang`` (not stemmed)."""
    stop = stopwords(lang)
    return [t for t in tokenize(text) if t not in stop and not (len(t) == 1 and t.isalpha())]


def analyze(text: str, lang: Lang) -> list[str]:
    """Return the index terms of ``text``: tokens minus stopwords, stemmed for ``lang``."""
    stop = stopwords(lang)
    # A stem that is itself a stopword (manakah -> mana, berada -> ada) carries no topic.
    return [s for s in stem(content_tokens(text, lang), lang) if s not in stop]


def analyze_many(texts: Iterable[str], lang: Lang) -> list[list[str]]:
    """Analyse several texts of one language."""
    return [analyze(t, lang) for t in texts]


def language_scores(tokens: Iterable[str]) -> dict[Lang, float]:
    """Score how Indonesian and how English a token sequence looks."""
    scores: dict[Lang, float] = {"id": 0.0, "en": 0.0}
    for tok in tokens:
        for lang in LANGS:
            scores[lang] += _CUES[lang].get(tok, 0.0)
        if tok in stopwords("id"):
            scores["id"] += 0.5
        if tok in stopwords("en"):
            scores["en"] += 0.5
        if _ID_AFFIX_RE.match(tok):
            scores["id"] += 0.3
        if _EN_AFFIX_RE.match(tok):
            scores["en"] += 0.3
    return scores


@lru_cache(maxsize=4096)
def detect_language(text: str, *, default: Lang = "id") -> Lang:
    """Guess whether ``text`` is Indonesian or English (works on short questions too)."""
    scores = language_scores(tokenize(text[:4000]))
    if scores["id"] == scores["en"]:
        return default
    return "id" if scores["id"] > scores["en"] else "en"
