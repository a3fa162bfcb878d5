"""Render answers, passages and reports as Telegram HTML pages of at most 4,096 characters.

Everything here is pure. Text is cut into ``Segment`` values first — sentences of escaped text,
or whole tagged pieces such as a source line — and pages are packed from whole segments, so a
page never ends inside a tag or a character entity.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot import i18n
from bot.answering import Answer
from bot.citations import Citation
from retrieval.analysis import Lang
from retrieval.chunking import sentence_spans

LIMIT = 4096  # Telegram's limit on a message's visible text, in UTF-16 code units
TITLE_CHARS = 150
BUTTON_CHARS = 40
_HTTP_URL = re.compile(r"https?://[^\s<>\"]+")
_ELLIPSIS = " …"


def escape(text: str) -> str:
    """Escape text for Telegram HTML (only &, < and > are special outside attributes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """Escape text for a double-quoted Telegram HTML attribute."""
    return escape(text).replace('"', "&quot;")


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Segment:
    """An unbreakable piece of a message: its HTML and the size of its visible text."""

    html: str
    size: int


def plain(text: str) -> Segment:
    """Return escaped plain text as one segment."""
    return Segment(escape(text), utf16_len(text))


def markup(html: str, visible: str) -> Segment:
    """Return a piece of ready-made HTML whose visible text is ``visible``."""
    return Segment(html, utf16_len(visible))


def cut(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most ``limit`` UTF-16 units, at whitespace when possible."""
    if limit < 2:
        raise ValueError(f"limit must be at least 2, got {limit}")
    pieces: list[str] = []
    while utf16_len(text) > limit:
        end, size = 0, 0
        # Walk code points so a surrogate pair is never split.
        while end < len(text) and size + utf16_len(text[end]) <= limit:
            size += utf16_len(text[end])
            end += 1
        space = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end))
        at = space + 1 if space > 0 else end
        pieces.append(text[:at])
        text = text[at:]
    if text:
        pieces.append(text)
    return pieces


def text_segments(text: str, *, limit: int = LIMIT) -> list[Segment]:
    """Cut plain text into escaped segments that end where sentences end."""
    ends = [span.end for span in sentence_spans(text)][:-1]
    bounds = [0, *ends, len(text)]
    segments: list[Segment] = []
    for start, end in itertools.pairwise(bounds):
        segments.extend(plain(piece) for piece in cut(text[start:end], limit))
    return segments


def wrapped_segments(
    text: str, tag: str, *, limit: int = LIMIT, room: int | None = None, attrs: str = ""
) -> list[Segment]:
    """Wrap text in ``tag`` (with ``attrs``); a text too long for one page becomes several
    wrapped pieces.

    ``room`` is what is left on the current page: the first piece is cut to fit there.
    """
    pieces: list[str] = []
    if room is not None and room >= 2 and utf16_len(text) > room:
        first = cut(text, room)[0]
        pieces.append(first)
        text = text[len(first) :]
    pieces += cut(text, limit)
    opening = f"<{tag} {attrs}>" if attrs else f"<{tag}>"
    return [Segment(f"{opening}{escape(piece)}</{tag}>", utf16_len(piece)) for piece in pieces]


def pack(segments: Iterable[Segment], *, limit: int = LIMIT) -> list[str]:
    """Pack whole segments into pages of at most ``limit`` visible units."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for segment in segments:
        if segment.size > limit:
            raise ValueError(f"a segment of {segment.size} units does not fit in {limit}")
        if current and size + segment.size > limit:
            pages.append("".join(current).strip())
            current, size = [], 0
        current.append(segment.html)
        size += segment.size
    pages.append("".join(current).strip())
    return [page for page in pages if page]


def shorten(text: str, limit: int) -> str:
    """Return text on one line, cut to ``limit`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def link(url: str | None, text: str) -> Segment:
    """Return text linked to ``url`` when it is an http(s) URL, else the text alone."""
    if url and _HTTP_URL.fullmatch(url):
        return markup(f'<a href="{escape_attr(url)}">{escape(text)}</a>', text)
    return plain(text)


def source_title(citation: Citation, lang: Lang) -> str:
    """Return the title to show for a cited article: its title, else its source's name."""
    name = citation.title.strip() or (citation.source or "").strip()
    return shorten(name, TITLE_CHARS) if name else i18n.text("untitled", lang)


PAGE_LABEL: dict[Lang, str] = {"id": "hal.", "en": "p."}


def source_meta(title: str, source: str | None, date: str | None) -> str:
    """Return what follows a title: the source (when the title is not already it) and date."""
    parts = [source if title.strip() and source else None, date]
    return " · ".join(shorten(p, 40) for p in parts if p)


def source_lines(citations: Sequence[Citation], lang: Lang) -> list[Segment]:
    """Render the sources list: heading, then ``[n] title · source · date`` lines with links."""
    heading = i18n.text("sources", lang)
    segments = [markup(f"\n\n<b>{escape(heading)}</b>", f"\n\n{heading}")]
    for c in citations:
        meta = source_meta(c.title, c.source, c.date)
        if c.page is not None:
            meta = " · ".join(x for x in (meta, f"{PAGE_LABEL[lang]} {c.page}") if x)
        date = f" · {meta}" if meta else ""
        prefix = f"\n[{c.n}] "
        title = link(c.url, source_title(c, lang))
        html = escape(prefix) + title.html + escape(date)
        segments.append(Segment(html, utf16_len(prefix) + title.size + utf16_len(date)))
    return segments


def render_answer(answer: Answer, *, limit: int = LIMIT) -> list[str]:
    """Render an answer with its sources list as one or more HTML pages."""
    segments = text_segments(answer.text, limit=limit)
    if answer.citations:
        segments += source_lines(answer.citations, answer.language)
    return pack(segments, limit=limit)


def render_inline(answer: Answer, *, limit: int = LIMIT) -> str:
    """Render an answer as one self-contained message (an inline result): the question, the
    answer, and its sources, each quote not already in the answer as an expandable quote."""
    segments = [markup(f"<b>{escape(answer.question)}</b>\n\n", f"{answer.question}\n\n")]
    segments += text_segments(answer.text, limit=limit)
    if answer.citations:
        segments += source_lines(answer.citations, answer.language)
    for c in answer.citations:
        if c.quote not in answer.text:
            segments.append(plain("\n"))
            segments += wrapped_segments(c.quote, "blockquote", limit=limit, attrs="expandable")
    return pack(segments, limit=limit)[0]


def render_preview(partial: str, *, limit: int = LIMIT) -> str:
    """Render a streaming answer so far, cut to fit one page, marked as unfinished."""
    shown = partial.strip()
    room = limit - utf16_len(_ELLIPSIS)
    if utf16_len(shown) > room:
        shown = cut(shown, room)[0]
    return escape(shown) + _ELLIPSIS


def button_label(citation: Citation) -> str:
    """Return the label of a source button: its number and title (or the quote's start)."""
    name = citation.title if citation.title.strip() else citation.quote
    return shorten(f"[{citation.n}] {name}", BUTTON_CHARS)


def render_passage(
    *,
    title: str,
    date: str | None,
    url: str | None,
    quote: str,
    lang: Lang,
    source: str | None = None,
    limit: int = LIMIT,
) -> list[str]:
    """Render a cited passage: title (or source), source and date, the exact quote, the link."""
    name = title.strip() or (source or "").strip()
    name = shorten(name, TITLE_CHARS) if name else i18n.text("untitled", lang)
    segments = [markup(f"<b>{escape(name)}</b>", name)]
    meta = source_meta(title, source, date)
    if meta:
        segments.append(plain(f"\n{meta}"))
    segments.append(plain("\n"))
    room = limit - sum(segment.size for segment in segments)
    # Expandable: a long quote shows its first lines and opens with a tap.
    segments += wrapped_segments(quote, "blockquote", limit=limit, room=room, attrs="expandable")
    if url and _HTTP_URL.fullmatch(url):
        segments += [plain("\n"), link(url, shorten(url, 200))]
    return pack(segments, limit=limit)


def render_report(head: str, lines: Sequence[str], *, limit: int = LIMIT) -> list[str]:
    """Render an HTML heading and plain lines (e.g. a reload report), breaking between lines."""
    # The heading's HTML is at least as long as its visible text: a safe size.
    segments = [Segment(head, utf16_len(head))]
    for line in lines:
        segments += [plain(piece) for piece in cut("\n" + line, limit)]
    return pack(segments, limit=limit)
