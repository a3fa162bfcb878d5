"""Small talk ("apa kabar", "terima kasih", "hello") gets a friendly reply, not a news quote."""

from __future__ import annotations

import re

from retrieval.analysis import Lang, detect_language, normalise

_GREETING_RE = re.compile(
    r"^(h+a+l+o+|hai+|hei+|hi+|hello+|hey+|halo semua|selamat (pagi|siang|sore|malam)|"
    r"good (morning|afternoon|evening)|apa kabar\w*|gimana kabar\w*|how are you( doing)?|"
    r"assalamu'?alaikum|permisi|yo|sup|what'?s up)$"
)
_THANKS_RE = re.compile(
    r"^(terima ?kasih|makasih|thanks?( you)?|thank you( so much| very much)?|thx|tengkyu|"
    r"ok(e|ay)?|baik|sip|mantap|keren|great|nice|cool|good)( banyak| ya| yah| bot)?$"
)
_WHO_RE = re.compile(
    r"^(siapa (kamu|anda|namamu)|kamu siapa|who are you|what are you|what can you do|"
    r"apa yang bisa (kamu|anda) lakukan|bisa apa( saja)?|help|bantuan|tolong)$"
)
_CLEAN_RE = re.compile(r"[^\w' ]+")
_ENGLISH_RE = re.compile(
    r"\b(hello|hi|hey|good|how|thanks?|thank|thx|you|who|what|help|ok|okay|great|nice|cool)\b"
)


def smalltalk_kind(text: str) -> str | None:
    """Return "greeting", "thanks" or "about" for small talk, None for a real question."""
    words = " ".join(_CLEAN_RE.sub(" ", normalise(text)).split())
    if len(words) > 40:
        return None
    for kind, pattern in (("greeting", _GREETING_RE), ("thanks", _THANKS_RE), ("about", _WHO_RE)):
        if pattern.match(words):
            return kind
    return None


_REPLIES: dict[str, dict[Lang, str]] = {
    "greeting": {
        "id": "Halo! Saya Warta, bot berita. Tanyakan apa saja tentang berita yang saya punya, "
        "misalnya “Siapa yang bertemu Putin?”, dan saya jawab dengan sumbernya.",
        "en": "Hello! I am Warta, a news bot. Ask me anything about the news I have, for "
        "example “Who met Putin?”, and I will answer with the source.",
    },
    "thanks": {
        "id": "Sama-sama! Silakan tanyakan berita lain kapan saja.",
        "en": "You're welcome! Ask me about the news any time.",
    },
    "about": {
        "id": "Saya Warta: saya menjawab pertanyaan tentang berita dalam bahasa Indonesia atau "
        "Inggris, dengan kutipan dari sumbernya, atau mengatakan jujur bila tidak menemukannya.",
        "en": "I am Warta: I answer questions about the news in Indonesian or English, citing "
        "the source sentence, or say honestly when I cannot find it.",
    },
}


def smalltalk_reply(kind: str, lang: Lang) -> str:
    """Return the reply to small talk of ``kind`` in ``lang``."""
    return _REPLIES[kind][lang]


def smalltalk_lang(text: str) -> Lang:
    """Guess the language of a short small-talk message (English words decide a tie)."""
    words = " ".join(_CLEAN_RE.sub(" ", normalise(text)).split())
    default: Lang = "en" if _ENGLISH_RE.search(words) else "id"
    return detect_language(words, default=default)
