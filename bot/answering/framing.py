"""Frame an answer span in the asker's language: "Di Kota Vladivostok [1]." / "In …"."""

from __future__ import annotations

import re

from bot.answering.qtype import AnswerType, place_preposition
from bot.answering.shape import NUMBER_PHRASE_RE
from bot.answering.vocab import MONTHS, PLACE_NAMES, TITLES, alternation
from retrieval.analysis import Lang, stem, tokenize
from retrieval.crosslingual import Lexicon, load_lexicon, other, written_form

_PREPOSITIONS: dict[Lang, frozenset[str]] = {
    "id": frozenset({"di", "ke", "dari", "pada", "dalam", "sejak", "selama", "oleh", "dengan"}),
    "en": frozenset({"in", "at", "on", "from", "to", "near", "by", "since", "during", "with"}),
}
# Indonesian words a name carries that English leaves out or puts after it.
_ID_PLACE_HEADS = frozenset({"kota", "kabupaten", "provinsi", "desa", "kecamatan"})
_LOWER_WORD_RE = re.compile(r"(?<![\w-])[a-z][a-z-]+")
# A when-answer is said with its preposition: "Pada 1977 [1]." / "In 1977 [1].".
_TIME_LEADS: dict[Lang, frozenset[str]] = {
    "id": _PREPOSITIONS["id"] | {"hingga", "sampai", "antara", "sebelum", "setelah", "sekitar"},
    "en": _PREPOSITIONS["en"] | {"until", "between", "before", "after", "around", "about"},
}
# Prepositions a when-question may start with that its answer keeps.
_ASKED_TIME_LEADS = frozenset({"sejak", "sampai", "hingga", "since", "until", "by"})
_EN_IN_RE = re.compile(
    rf"^(?:(?:year|tahun)\s+)?\d{{4}}$|^(?:{alternation(MONTHS)})\s+\d{{4}}$", re.IGNORECASE
)
_CLOCK_RE = re.compile(r"^(?:(?:pukul|jam)\s+)?\d{1,2}[.:]\d{2}\b", re.IGNORECASE)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def is_name_like(span: str) -> bool:
    """Tell whether ``span`` reads the same in both languages: names, numbers, acronyms."""
    words = span.split()
    lower = [w for w in words if _LOWER_WORD_RE.fullmatch(w.strip(",.()\"'"))]
    return len(lower) <= max(0, len(words) // 3)


def gloss(span: str, source: Lang) -> str | None:
    """Return the lexicon's rendering of a whole short phrase in the other language, if any;
    a count and its unit ("empat jenis") word by word ("four species")."""
    tokens = tokenize(span)
    if not tokens or len(tokens) > 4:
        return None
    lexicon = load_lexicon(source)
    whole = _lexicon_gloss(tokens, lexicon, source)
    if whole is not None:
        return whole
    if len(tokens) > COUNT_GLOSS_WORDS or not _is_count(tokens[0], lexicon, source):
        return None
    words = []
    for token in tokens:
        said = token if token[:1].isdigit() else _lexicon_gloss([token], lexicon, source)
        if said is None:
            return None
        words.append(said)
    return " ".join(words)


# A count is glossed word by word up to this many words ("25 korban meninggal").
COUNT_GLOSS_WORDS = 3


def _lexicon_gloss(tokens: list[str], lexicon: Lexicon, source: Lang) -> str | None:
    """Return the written form of the lexicon's first translation of ``tokens``, if any."""
    found = lexicon.lookup(tokens)
    return written_form(found[0], other(source)) if found else None


def _is_count(token: str, lexicon: Lexicon, source: Lang) -> bool:
    """Tell whether ``token`` is a number, in digits or in words ("empat": four)."""
    if token[:1].isdigit():
        return True
    said = _lexicon_gloss([token], lexicon, source)
    return said is not None and NUMBER_PHRASE_RE.fullmatch(said) is not None


def translate_title(span: str, source: Lang) -> str:
    """Say a name's leading title in the other language ("Presiden Vladimir Putin" -
    "President Vladimir Putin"); other spans are returned as they are, an office among them
    ("Menteri Hukum dan Hak Asasi Manusia", "Menteri Pertanian Anton Apriyantono": what
    follows the title is not a name alone)."""
    for id_title, en_title in TITLES:
        title, said = (id_title, en_title) if source == "id" else (en_title, id_title)
        head, rest = span[: len(title)], span[len(title) :]
        if head.casefold() == title.casefold() and rest[:1] == " " and _names_only(rest, source):
            return said + rest
    return span


def say_places(span: str, source: Lang) -> str:
    """Say the countries and regions of a place span in the other language: a place alone
    with its source name after it ("Jerman" - "Germany (Jerman)"), a chain part by part
    ("Kourou, Perancis" - "Kourou, France")."""
    parts = span.split(", ")
    said = [_PLACE_SAID[source].get(part.casefold(), part) for part in parts]
    if said == parts:
        return span
    return f"{said[0]} ({span})" if len(parts) == 1 else ", ".join(said)


def _place_said(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Map each name (case-folded) to its first rendering in the other language."""
    out: dict[str, str] = {}
    for name, said in pairs:
        out.setdefault(name.casefold(), said)
    return out


_PLACE_SAID: dict[Lang, dict[str, str]] = {
    "id": _place_said(PLACE_NAMES),
    "en": _place_said(tuple((en, id_) for id_, en in PLACE_NAMES)),
}


def _names_only(words: str, lang: Lang) -> bool:
    """Tell whether ``words`` are a name: capitalised, the first no word the lexicon
    translates into another ("Pertanian": agriculture; "Putin" is Putin in both)."""
    tokens = words.split()
    if not tokens or not all(t[:1].isupper() for t in tokens):
        return False
    first = tokenize(tokens[0])
    found = load_lexicon(lang).lookup(first)
    return not found or bool(set(stem(first, other(lang))) & set(found[0].terms))


def _drop_leading(span: str, words: frozenset[str]) -> str:
    head, _, rest = span.partition(" ")
    return rest if rest and head.lower() in words else span


def time_preposition(body: str, lang: Lang, question: str = "") -> str:
    """Put the preposition a time answer is said with before ``body`` (if it has none): the
    question's own ("Sampai pukul berapa …?" - "Sampai pukul 21.00"), else the usual one."""
    if body.split(" ", 1)[0].lower() in _TIME_LEADS[lang]:
        return body
    asked = question.split(" ", 1)[0].lower()
    if asked in _ASKED_TIME_LEADS:
        return f"{asked} {body}"
    if lang == "id":
        return f"pada {body}"
    if _EN_IN_RE.match(body):
        return f"in {body}"
    return f"at {body}" if _CLOCK_RE.match(body) else f"on {body}"


def frame(
    span: str, *, question: str, kind: AnswerType, lang: Lang, source_lang: Lang, marker: str
) -> str:
    """Return the reply sentence: the span, framed for the question, with its marker."""
    body = span.strip()
    if source_lang != lang:
        body = _drop_leading(body, _PREPOSITIONS[source_lang])
        if source_lang == "id":
            body = _drop_leading(body, _ID_PLACE_HEADS)
        if not is_name_like(body):
            meaning = gloss(body, source_lang)
            quoted = f"“{body}”" + (f" ({meaning})" if meaning else "")
            return f"{quoted} {marker}."
        body = say_places(translate_title(body, source_lang), source_lang)
    if kind == "place" and body.split(" ", 1)[0].lower() not in _PREPOSITIONS[lang]:
        prep = place_preposition(question)
        if prep and (lang == "id" or body[:1].isupper()):
            body = f"{prep} {body}"
    if kind == "time":
        body = time_preposition(body, lang, question)
    text = _capitalise(body)
    return f"{text} {marker}."
