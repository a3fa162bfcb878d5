"""Article text is data, not instructions: hide sentences that address the model.

Matching runs on a normalised copy of each sentence (NFKC, invisible format characters such
as zero-width spaces and bidi controls removed, combining marks dropped, look-alike Cyrillic
and Greek letters mapped to Latin, case folded), so a zero-width space or a homoglyph does
not slip an instruction past the patterns. The hidden text keeps its length, so every
offset into the article stays valid. The patterns are a first filter, not the guard: the
answer checks (every claim supported by a cited passage) are what keep a model honest.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from retrieval.chunking import sentence_spans

# Cyrillic and Greek letters that look like Latin ones ("іgnоre" with Cyrillic і and о).
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁɡһАВЕКМНОРСТХІЈЅοαειντρκυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdghABEKMHOPCTXIJSoaeivtpkuxABEZHIKMNOPTYX",
)
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_RE = re.compile(r"[^\W\d_][013457@$]|[013457@$][^\W\d_]")

_EN_VERB = (
    r"(?:ignore|disregard|forget|override|overrule|bypass|discard|abandon|neglect|skip"
    r"|set\s+aside|stop\s+following|do\s+not\s+follow|don'?t\s+follow|never\s+mind)"
)
_EN_QUAL = (
    r"(?:all|any|every|each|the|your|my|these|those|its|of|previous|previously|prior|above"
    r"|earlier|preceding|foregoing|original|initial|former|old|existing|current|system"
    r"|developer|safety|given|provided|other|hidden)"
)
_EN_STRONG = (
    r"(?:all|any|every|your|my|these|previous|previously|prior|above|earlier|preceding"
    r"|foregoing|original|initial|former|system|developer|safety)"
)
_EN_MODEL_OBJ = (
    r"(?:instructions?|prompts?|guidelines|directives?|system\s+messages?|programming"
    r"|guardrails|training)"
)
_EN_OBJ = rf"(?:{_EN_MODEL_OBJ}|rules?|commands?|orders|constraints|restrictions|policies|context)"
_SECRET_EN = (
    r"(?:system\s+prompt|prompt|instructions|token|passwords?|api[\s_-]*keys?|secrets?"
    r"|credentials|env(?:ironment)?(?:\s+variables?)?|\.env|configuration)"
)
_LEAD = r"^\W*(?:(?:please|now|also|and|then|ok(?:ay)?|from\s+now\s+on|henceforth)\W+)*"

_ID_VERB = (
    r"(?:abaikan|lupakan|acuhkan|hiraukan|lewati|langgar|batalkan|tinggalkan"
    r"|jangan\s+(?:ikuti|patuhi|turuti|hiraukan|pedulikan|dengarkan|gunakan)"
    r"|tidak\s+usah\s+(?:ikuti|patuhi|mengikuti)|berhenti\s+mengikuti)(?:lah)?"
)
_ID_OBJ = (
    r"(?:instruksi|perintah|arahan|petunjuk|aturan|prompt|pedoman|ketentuan|konteks"
    r"|pesan\s+sistem)"
)
_SECRET_ID = (
    r"(?:prompt(?:\s+sistem)?|instruksi(?:\s+sistem)?|token|kata\s+sandi|sandi|password"
    r"|kunci\s+api|api\s*key|kredensial|variabel\s+lingkungan)"
)
_YOU_ID = r"(?:kamu|anda|engkau|kau)"

_EN_IGNORE_WORDS = "ignore disregard forget override overrule bypass discard abandon neglect skip"
_ID_IGNORE_WORDS = "abaikan lupakan acuhkan hiraukan lewati langgar batalkan tinggalkan"
_SECRET_WORDS = (
    "prompt instructions token password passwords apikey key keys secret secrets"
    " credentials env environment configuration"
)
_REPLY_WORDS = "reply answer respond say write output print type"

# (trigger words, pattern): a pattern runs only on text holding one of its words, which keeps
# the check cheap on ordinary news (most sentences trigger no rule at all).
_RULES: tuple[tuple[str, str], ...] = (
    # "Ignore all previous instructions", "disregard the above prompt", "override your rules"
    (
        f"{_EN_IGNORE_WORDS} aside following follow mind",
        rf"\b{_EN_VERB}\b[\s,:-]+(?:{_EN_QUAL}\b[\s,-]+){{0,4}}{_EN_MODEL_OBJ}\b"
        rf"|\b{_EN_VERB}\b[\s,:-]+(?:{_EN_QUAL}\b[\s,-]+){{0,3}}{_EN_STRONG}\b[\s,-]+"
        rf"(?:{_EN_QUAL}\b[\s,-]+){{0,2}}{_EN_OBJ}\b"
        r"|\b(?:ignore|disregard|forget)\s+(?:everything|anything|all\s+that|what\s+(?:you|i))\b",
    ),
    # "New instructions:", "follow these new instructions", "system prompt"
    (
        "instruction instructions prompt orders",
        r"\b(?:new|updated|real|actual|true|secret|hidden)\s+(?:system\s+)?(?:instructions?|prompt)\b"
        r"|\b(?:here\s+are|follow|obey)\s+(?:your|my|the|these)\s+(?:new\s+)?(?:instructions|orders)\b"
        r"|\bprompt\s+injection\b",
    ),
    ("system", r"\bsystem\s*(?:prompt|message|instructions?|override)\b"),
    ("jailbreak jailbreaking mode", r"\bjailbreak|\b(?:developer|dan)\s+mode\b"),
    # Chat-template tokens and role markers: "<start_of_turn>", "[INST]", "System:"
    (
        "system im_start im_end start_of_turn end_of_turn endoftext inst sys instruction"
        " assistant developer",
        r"<\s*/?\s*\|?\s*(?:system|im_start|im_end|start_of_turn|end_of_turn|endoftext)\s*\|?\s*>"
        r"|\[\s*/?\s*(?:system|inst|assistant)\s*\]|<<\s*/?\s*sys\s*>>"
        r"|#{2,}\s*(?:instruction|system)|^\W*(?:system|assistant|developer)\s*:",
    ),
    # Role play: "act as", "you are now", "you must now", "from now on you", "pretend to be"
    (
        "act behave respond answer reply speak talk write",
        rf"{_LEAD}(?:act|behave|respond|answer"
        r"|reply|speak|talk|write)\s+(?:as|like)\b",
    ),
    (
        "now henceforth",
        r"\byou\s+(?:are|will\s+be|shall\s+be)\s+now\b"
        r"|\byou\s+(?:must|should|will|shall|have\s+to|need\s+to|are\s+to)\s+"
        r"(?:now|henceforth|from\s+now)\b"
        r"|\bfrom\s+now\s+on\b[\s,]+(?:you|your|reply|answer|respond|always|only|say)\b",
    ),
    (
        "pretend roleplay role",
        r"\bpretend\s+(?:to\s+be|you\s+are|that\s+you)\b|\brole-?play\s+as\b",
    ),
    (
        "ai assistant chatbot llm model bot",
        r"\b(?:dear|hey|hi|attention|note\s+to\s+(?:the\s+)?)\s*(?:ai|assistant|chatbot|llm|model"
        r"|bot)\b|\b(?:ai|assistant|chatbot|llm|language\s+model)\s*[,:]\s*(?:ignore|reply|answer"
        r"|say|respond|write|print|output|tell)\b",
    ),
    (
        _REPLY_WORDS,
        rf"{_LEAD}(?:{_REPLY_WORDS.replace(' ', '|')})\s+(?:only\s+)?(?:with\s+)?"
        r"(?:the\s+word|exactly|only|nothing\s+but)\b",
    ),
    # Reveal: "print the system prompt", "tell me your token", "show the password"
    (
        _SECRET_WORDS,
        rf"{_LEAD}(?:reveal|print|show|display|output|repeat|disclose|leak|dump|list|share|expose"
        rf"|tell\s+me|give\s+me|send\s+me|write\s+(?:out|down))\b.{{0,60}}?\b{_SECRET_EN}\b"
        rf"|\b(?:reveal|print|output|repeat|disclose|leak|dump|tell\s+me)\s+(?:your|its)\s+"
        rf"(?:(?:initial|original|hidden|secret)\s+)?{_SECRET_EN}\b"
        r"|\b(?:telegram|bot)[\s_-]*token\b",
    ),
    # Indonesian: "abaikan semua instruksi sebelumnya", "jangan ikuti perintah di atas"
    (
        f"{_ID_IGNORE_WORDS} {_ID_IGNORE_WORDS.replace(' ', 'lah ')}lah jangan tidak berhenti",
        rf"\b{_ID_VERB}\b\W+(?:\w+\W+){{0,4}}?{_ID_OBJ}\b",
    ),
    (
        "instruksi perintah arahan prompt pesan sistem",
        r"\b(?:instruksi|perintah|arahan|prompt)\s+(?:baru|rahasia|tersembunyi)\s*:"
        r"|\b(?:prompt|pesan|instruksi)\s+sistem\b",
    ),
    (
        "bertindaklah berperanlah puralah jadilah",
        r"\b(?:bertindaklah|berperanlah|berpura-puralah"
        r"|jadilah)\b",
    ),
    (
        "kamu anda engkau kau",
        rf"\b{_YOU_ID}\s+(?:(?:sekarang|kini|mulai\s+sekarang)\s+)?(?:adalah|menjadi"
        r"|bertindak\s+sebagai|berperan\s+sebagai|sebagai)\s+(?:(?:seorang|sebuah)\s+)?"
        r"(?:asisten|ai|bot|chatbot|model|robot|peretas|hacker)\b"
        rf"|\b{_YOU_ID}\s+(?:sekarang|kini)\s+(?:adalah|menjadi)\b"
        rf"|\b{_YOU_ID}\s+(?:harus|wajib)\s+(?:sekarang|mulai\s+sekarang|selalu|hanya)\b",
    ),
    (
        "asisten model",
        r"\bsebagai\s+(?:seorang\s+)?(?:asisten|model)\s+(?:ai|virtual|bahasa|kecerdasan\s+buatan)\b"
        rf"|^\W*sebagai\s+(?:seorang\s+)?asisten\s*,\s*(?:{_YOU_ID}|jawab|tulis|abaikan|balas)\b",
    ),
    (
        "mulai",
        rf"\bmulai\s+(?:sekarang|saat\s+ini)\b[\s,]+(?:{_YOU_ID}|jawab|balas|tulis|selalu)\b",
    ),
    (
        "jawab balas tulis katakan ucapkan jawablah balaslah tulislah katakanlah ucapkanlah",
        r"^\W*(?:jawab|balas|tulis|katakan|ucapkan)(?:lah)?\s+"
        r"(?:hanya\b|dengan\s+(?:kata|kalimat|teks)\b)",
    ),
    (
        "tampilkan tunjukkan sebutkan berikan cetak bocorkan ungkapkan tuliskan kirimkan beritahu"
        " beritahukan beri",
        r"\b(?:tampilkan|tunjukkan|sebutkan|berikan|cetak|bocorkan|ungkapkan|tuliskan|kirimkan"
        rf"|beritahu(?:kan)?|beri\s+tahu)\b\W+(?:\w+\W+){{0,4}}?{_SECRET_ID}\b",
    ),
)
_COMPILED = tuple(
    (frozenset(words.split()), re.compile(pattern, re.MULTILINE)) for words, pattern in _RULES
)
_WORD_RE = re.compile(r"\w+")
_SENTENCE_END_RE = re.compile(r"[.!?…]+(?=\s)")


def _unmarked_forms(text: str) -> list[str]:
    """Decompose (NFKD), drop combining marks, map look-alike letters to Latin, and remove
    format characters (zero-width, bidi) once as nothing and once as a space: they may sit
    inside a word or between two."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Only the few distinct non-ASCII characters are looked up; str.translate is slow, so it
    # runs only when there is something to replace.
    odd = [ch for ch in set(decomposed) if not ch.isascii()]
    table: dict[int, int | str | None] = {
        ord(ch): _HOMOGLYPHS[ord(ch)] for ch in odd if ord(ch) in _HOMOGLYPHS
    }
    table |= {ord(ch): None for ch in odd if unicodedata.category(ch) == "Mn"}
    formats = [ord(ch) for ch in odd if unicodedata.category(ch) == "Cf"]
    if not formats:
        return [decomposed.translate(table) if table else decomposed]
    return [decomposed.translate(table | dict.fromkeys(formats, sep)) for sep in ("", " ")]


def matching_forms(text: str) -> list[str]:
    """Return the normalised, case-folded copies of ``text`` the patterns are matched against."""
    forms = [text.lower()] if text.isascii() else [f.casefold() for f in _unmarked_forms(text)]
    # Digits for letters ("1gn0re"): only where a digit touches a letter.
    if _LEET_RE.search(text):
        forms += [form.translate(_LEET) for form in forms]
    return forms


def _rules_to_try(form: str) -> list[re.Pattern[str]]:
    """Return the patterns whose trigger words occur in a normalised form."""
    words = set(_WORD_RE.findall(form))
    return [rx for triggers, rx in _COMPILED if not words.isdisjoint(triggers)]


def is_injection(text: str) -> bool:
    """Tell whether ``text`` (a sentence or a field) tries to instruct the model."""
    for form in matching_forms(text):
        # A Warta setting name (WARTA_TELEGRAM_TOKEN) in an article is bait for a leak.
        if "warta_" in form or any(rx.search(form) for rx in _rules_to_try(form)):
            return True
    return False


def _may_instruct(text: str) -> bool:
    """Cheaply tell whether any sentence of ``text`` could match (a trigger word occurs)."""
    return any("warta_" in form or _rules_to_try(form) for form in matching_forms(text))


@functools.lru_cache(maxsize=4096)
def hide_injections(text: str) -> str:
    """Blank out (same length) the sentences of ``text`` that try to instruct the model.

    Cached: the same passages come back for every option of a quiz and every rephrasing.
    """
    if not _may_instruct(text):
        return text
    spans = sentence_spans(text)
    hidden = [span for span in spans if is_injection(text[span.start : span.end])]
    if not hidden and is_injection(_SENTENCE_END_RE.sub(" ", text)):
        # An instruction split over two sentences ("Ignore. All previous instructions.").
        for first, second in itertools.pairwise(spans):
            joined = (
                text[first.start : first.end].rstrip(".!?…") + " " + text[second.start : second.end]
            )
            if is_injection(joined):
                hidden += [first, second]
    if not hidden:
        return text
    chars = list(text)
    for span in hidden:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def hide_field(value: str | None) -> str | None:
    """Filter a title, date or other short field like text: '' if it instructs the model.

    What is kept is shown without invisible format characters (zero-width, bidi controls).
    """
    if value is None or value.isascii():
        return None if value is None else ("" if is_injection(value) else " ".join(value.split()))
    if is_injection(value):
        return ""
    visible = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", visible).split())
