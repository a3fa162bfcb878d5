"""User-facing framing text in Indonesian and English (the asker's language picks one)."""

from __future__ import annotations

from retrieval.analysis import Lang

_TEXTS: dict[str, dict[Lang, str]] = {
    "abstain": {
        "id": "Maaf, saya tidak menemukan jawabannya di kumpulan berita yang saya miliki.",
        "en": "Sorry, I could not find that in the news articles I have.",
    },
    "sources": {"id": "Sumber", "en": "Sources"},
    "not_stated": {
        "id": "Berita yang saya punya tidak menyebutkan jawabannya. Kalimat terdekat:",
        "en": "The news I have does not say. The closest sentence:",
    },
    "extractive_lead": {
        "id": "Menurut sumber:",
        "en": "According to the sources (quoted in their original language):",
    },
    "extractive_lead_same": {"id": "Menurut sumber:", "en": "According to the sources:"},
    "untitled": {"id": "(tanpa judul)", "en": "(untitled)"},
}


def text(key: str, lang: Lang) -> str:
    """Return the framing text ``key`` in ``lang``."""
    return _TEXTS[key][lang]
