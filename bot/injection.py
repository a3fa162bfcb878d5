"""Article text is data, not instructions: hide sentences that address the model."""

from __future__ import annotations

import re

from retrieval.chunking import sentence_spans

# Sentences that address the model rather than report news are hidden from it and never
# quoted: article text is data, not instructions.
_INJECTION_RE = re.compile(
    r"(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+"
    r"(instructions?|prompts?|rules)|(abaikan|lupakan)\s+(semua\s+|seluruh\s+)?"
    r"(instruksi|perintah|aturan)|system\s+prompt|prompt\s+sistem|you\s+are\s+now\b",
    re.IGNORECASE,
)


def hide_injections(text: str) -> str:
    """Blank out (same length) the sentences of ``text`` that try to instruct the model."""
    if not _INJECTION_RE.search(text):
        return text
    chars = list(text)
    for span in sentence_spans(text):
        if _INJECTION_RE.search(text[span.start : span.end]):
            chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)
