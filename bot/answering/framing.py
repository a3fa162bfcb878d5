"""Frame an answer span in the asker's language: "Di Kota Vladivostok [1]." / "In …"."""

from __future__ import annotations

import re

from bot.answering.qtype import AnswerType, place_preposition
from retrieval.analysis import Lang, tokenize
from retrieval.crosslingual import load_lexicon

_PREPOSITIONS: dict[Lang, frozenset[str]] = {
    "id": frozenset({"di", "ke", "dari", "pada", "dalam", "sejak", "selama", "oleh", "dengan"}),
    "en": frozenset({"in", "at", "on", "from", "to", "near", "by", "since", "during", "with"}),
}
# Indonesian words a name carries that English leaves out or puts after it.
_ID_PLACE_HEADS = frozenset({"kota", "kabupaten", "provinsi", "desa", "kecamatan"})
_LOWER_WORD_RE = re.compile(r"(?<![\w-])[a-z][a-z-]+")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def is_name_like(span: str) -> bool:
    """Tell whether ``span`` reads the same in both languages: names, numbers, acronyms."""
    words = span.split()
    lower = [w for w in words if _LOWER_WORD_RE.fullmatch(w.strip(",.()\"'"))]
    return len(lower) <= max(0, len(words) // 3)


def gloss(span: str, source: Lang) -> str | None:
    """Return the lexicon's rendering of a whole short phrase in the other language, if any."""
    tokens = tokenize(span)
    if not tokens or len(tokens) > 4:
        return None
    found = load_lexicon(source).lookup(tokens)
    return " ".join(found[0].terms) if found else None


def _drop_leading(span: str, words: frozenset[str]) -> str:
    head, _, rest = span.partition(" ")
    return rest if rest and head.lower() in words else span


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
    if kind == "place" and body.split(" ", 1)[0].lower() not in _PREPOSITIONS[lang]:
        if lang == "id":
            prep = place_preposition(question)
            body = f"{prep} {body}" if prep else body
        elif body[:1].isupper():
            body = f"in {body}"
    text = _capitalise(body)
    return f"{text} {marker}."
