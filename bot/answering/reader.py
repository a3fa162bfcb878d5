"""Read a short answer out of one source sentence: a few-shot, copy-constrained reader.

The worked examples sit in a fixed prefix, so llama.cpp's KV cache makes them free after
the first question. With a backend that can copy (``copy_spans``) the answer is a verbatim
span by construction; any other backend's free text is aligned back onto the sentence, and
an answer that does not align is no answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from bot.llm import Generator, Prompt
from bot.llm.copy import SpanScore
from bot.llm.interface import SpanReader
from retrieval.analysis import Lang, normalise, tokenize

# Made-up news sentences (not from any evaluation set): each answer is the shortest span that
# answers, often in the middle of the sentence, never the whole sentence.
_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "Gempa berkekuatan 6,2 magnitudo yang mengguncang Kabupaten Cianjur pada Senin siang "
        "menewaskan 318 orang, kata Kepala BNPB Suharyanto.",
        "Berapa korban tewas akibat gempa di Cianjur?",
        "318 orang",
    ),
    (
        "Menurut juru bicara kepolisian, Kombes Pol Ahmad Ramadhan, pelaku ditangkap di sebuah "
        "rumah kos di Kelurahan Cempaka Putih.",
        "Di mana pelaku ditangkap?",
        "di sebuah rumah kos di Kelurahan Cempaka Putih",
    ),
    (
        "Pabrik baterai milik PT Hyundai LG Indonesia Green Power di Karawang mulai beroperasi "
        "pada Juli 2024 dengan kapasitas 10 gigawatt jam.",
        "Perusahaan apa yang memiliki pabrik baterai di Karawang?",
        "PT Hyundai LG Indonesia Green Power",
    ),
    (
        "The city council voted 7-2 on Tuesday to ban gas-powered leaf blowers, a measure "
        "proposed by Mayor Karen Bass last spring.",
        "Who proposed the ban on leaf blowers?",
        "Mayor Karen Bass",
    ),
    (
        "Dalam sidang di Pengadilan Negeri Jakarta Selatan, jaksa menuntut terdakwa dengan "
        "hukuman penjara selama 12 tahun.",
        "Berapa lama hukuman yang dituntut jaksa?",
        "12 tahun",
    ),
    (
        "Festival film tahunan itu, yang pertama kali digelar pada 1987 di Yogyakarta, kini "
        "menarik lebih dari 40.000 penonton.",
        "Kapan festival film itu pertama kali digelar?",
        "pada 1987",
    ),
    (
        "Warga desa itu mengungsi ke balai desa dengan perahu karet setelah banjir setinggi "
        "dua meter merendam permukiman mereka.",
        "How did the villagers get to the village hall?",
        "dengan perahu karet",
    ),
    (
        "Petani di lereng Gunung Merapi beralih menanam kopi arabika setelah harga cabai "
        "anjlok pada musim panen lalu.",
        "Tanaman apa yang kini ditanam petani di lereng Merapi?",
        "kopi arabika",
    ),
)
_LABELS: dict[Lang, tuple[str, str, str]] = {
    "id": ("Kalimat", "Pertanyaan", "Jawaban"),
    "en": ("Sentence", "Question", "Answer"),
}
_HEAD = "Jawab setiap pertanyaan dengan kutipan terpendek dari kalimatnya.\n\n"
STOP: tuple[str, ...] = ("\n",)
# A span never ends on a word that links to what it left out ("Michael Myers of").
_DANGLING_RE = re.compile(
    r"(?:\s+(?:of|the|and|or|a|an|in|on|at|to|for|by|dan|atau|di|ke|dari|yang|untuk|pada))+$",
    re.IGNORECASE,
)
_EDGE_RE = re.compile(r"^[\s,.;:!?\-–—(\[\"'“”‘’»«]+|[\s,.;:!?\-–—)\]\"'“”‘’»«]+$")


def _example_block(sentence: str, question: str, answer: str) -> str:
    lang: Lang = "en" if question.startswith(("Who", "What", "When", "Where", "How")) else "id"
    s, q, a = _LABELS[lang]
    return f"{s}: {sentence}\n{q}: {question}\n{a}: {answer}\n\n"


PREFIX = _HEAD + "".join(_example_block(*e) for e in _EXAMPLES)


def reader_prompt(sentence: str, question: str, lang: Lang) -> Prompt:
    """Build the reading request for one sentence; the fixed prefix comes first."""
    s, q, a = _LABELS[lang]
    body = f"{s}: {sentence.strip()}\n{q}: {question.strip()}\n{a}:"
    # A chat model gets the worked examples as its instructions, the reading as the turn.
    return Prompt(system=PREFIX.strip(), user=body, completion=PREFIX + body, stop=STOP)


@dataclass(frozen=True)
class Read:
    """The answer span found in a sentence: offsets into the sentence and a confidence."""

    start: int
    end: int
    logprob: float  # mean token log-probability; 0.0 when the backend gives none


def trim_span(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Drop punctuation, brackets and quotes from both edges of ``sentence[start:end]``."""
    piece = sentence[start:end]
    lead = _EDGE_RE.match(piece)
    a = start + (lead.end() if lead and lead.start() == 0 else 0)
    tail = _EDGE_RE.search(sentence[a:end])
    z = a + tail.start() if tail and tail.end() == end - a else end
    # A bracket the span opens stays closed: "(Amorphophalus titanum)".
    if sentence[a:z].count("(") > sentence[a:z].count(")") and sentence[z : z + 1] == ")":
        z += 1
    # A quotation the span opens but does not close is cut off before its mark.
    for mark, close in (("“", "”"), ("«", "»")):
        piece = sentence[a:z]
        if piece.count(mark) > piece.count(close):
            z = a + piece.rindex(mark)
    if sentence[a:z].count('"') % 2:
        z = a + sentence[a:z].rindex('"')
    z = len(sentence[:z].rstrip(" ,;:-–—"))
    dangling = _DANGLING_RE.search(sentence[a:z])
    return a, a + dangling.start() if dangling and dangling.start() > 0 else z


def _whole_words(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span that starts or ends inside a word to the whole word: a read cut off by
    its token limit ("… di Kawasan Industri Cib") ends with the word it began."""
    while start > 0 and sentence[start - 1].isalnum() and sentence[start].isalnum():
        start -= 1
    while 0 < end < len(sentence) and sentence[end].isalnum() and sentence[end - 1].isalnum():
        end += 1
    return start, end


def align(sentence: str, answer: str) -> tuple[int, int] | None:
    """Find ``answer`` in ``sentence``: verbatim (any case), else the shortest window of
    whole words holding all its words in order; None when it is not there."""
    answer = answer.strip().strip("\"'“”‘’.")
    if not answer:
        return None
    low = normalise(sentence)
    at = low.find(normalise(answer))
    if at >= 0 and len(low) == len(sentence):
        return trim_span(sentence, *_whole_words(sentence, at, at + len(answer)))
    words = [(m.start(), m.end(), normalise(m.group())) for m in re.finditer(r"\S+", sentence)]
    want = tokenize(answer)
    if not want:
        return None
    best: tuple[int, int] | None = None
    for i in range(len(words)):
        got = 0
        for j in range(i, len(words)):
            toks = tokenize(words[j][2])
            while got < len(want) and want[got] in toks:
                got += 1
            if got == len(want):
                if best is None or words[j][1] - words[i][0] < best[1] - best[0]:
                    best = (words[i][0], words[j][1])
                break
            if got == 0:
                break
    return trim_span(sentence, *best) if best else None


def mentioned_first(said: str, phrases: Sequence[str]) -> str | None:
    """Return the phrase a free-text answer names first (verbatim, any case), else the one
    most of whose words it holds (at least half); None when it names none."""
    low = normalise(said)
    at = [(low.find(normalise(p)), -len(p), p) for p in phrases]
    named = [x for x in at if x[0] >= 0]
    if named:
        return min(named)[2]
    said_words = set(tokenize(said))
    scored = [
        (len(set(tokenize(p)) & said_words) / len(set(tokenize(p)) or {""}), p) for p in phrases
    ]
    share, best = max(scored, default=(0.0, ""))
    return best if share >= 0.5 else None


def _say(
    generator: Generator, prompt: Prompt, texts: Sequence[str], *, max_tokens: int, whole: bool
) -> tuple[str, float]:
    """Return the reader's words and their mean log-probability (0.0 when not known): a
    copied span of ``texts`` where the backend can copy, its free text elsewhere."""
    if generator.capabilities.copy_spans:
        copied = cast(SpanReader, generator).read_span(
            prompt, texts, max_tokens=max_tokens, whole=whole
        )
        return copied.text, copied.logprob
    return generator.generate(prompt, max_tokens=max_tokens).text, 0.0


def score_phrases(
    generator: Generator, sentence: str, question: str, lang: Lang, phrases: Sequence[str]
) -> list[SpanScore]:
    """Return how likely the reader finds each of ``phrases`` as the whole answer (a backend
    that can copy spans can score them)."""
    prompt = reader_prompt(sentence, question, lang)
    return cast(SpanReader, generator).score_spans(prompt, phrases)


def read_phrase(
    generator: Generator,
    sentence: str,
    question: str,
    lang: Lang,
    phrases: Sequence[str],
    *,
    max_tokens: int,
) -> Read | None:
    """Pick which of ``phrases`` (substrings of ``sentence``) answers ``question``."""
    prompt = reader_prompt(sentence, question, lang)
    said, logprob = _say(generator, prompt, phrases, max_tokens=max_tokens, whole=True)
    chosen = mentioned_first(said, phrases)
    if chosen is None:
        return None
    at = sentence.find(chosen)
    return Read(at, at + len(chosen), logprob) if at >= 0 else None


def read(
    generator: Generator, sentence: str, question: str, lang: Lang, *, max_tokens: int
) -> Read | None:
    """Read the answer to ``question`` out of ``sentence``; None when there is none in it."""
    prompt = reader_prompt(sentence, question, lang)
    said, logprob = _say(generator, prompt, [sentence], max_tokens=max_tokens, whole=False)
    span = align(sentence, said)
    if span is None or span[0] >= span[1]:
        return None
    return Read(span[0], span[1], logprob)
