"""PDF (pypdf) and DOCX (python-docx) files as article text, with a page offset table.

``pages`` in the result is the offset where each page starts in the text (page 1 at 0), so
a citation at offset ``i`` is on page ``page_at(pages, i)`` — "hal. 3" / "p. 3".
"""

from __future__ import annotations

import bisect
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from retrieval.dates import iso_date

logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken files are skipped with a reason
MAX_PAGES = 1000  # a longer document is cut, with a note
_SPACE_RE = re.compile(r"[ \t\u00a0]+")
_PDF_DATE_RE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class PagedText:
    """A document's title, date and text; ``pages`` holds each page's start offset."""

    title: str
    text: str
    pages: tuple[int, ...]
    date: str | None = None
    notes: tuple[str, ...] = ()


def page_at(pages: tuple[int, ...] | list[int], offset: int) -> int | None:
    """Return the 1-based page holding text offset ``offset`` (None without a page table)."""
    if not pages:
        return None
    return bisect.bisect_right(list(pages), offset)


def _clean(text: str) -> str:
    lines = [_SPACE_RE.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def _join(pieces: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join page texts with blank lines; return the text and each page's start offset."""
    offsets: list[int] = []
    parts: list[str] = []
    at = 0
    for piece in pieces:
        offsets.append(at)
        parts.append(piece)
        at += len(piece) + 2
    return "\n\n".join(parts), tuple(offsets)


def _pdf_date(meta: Any) -> str | None:
    raw = str(meta.get("/CreationDate") or "") if meta else ""
    m = _PDF_DATE_RE.match(raw)
    return iso_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}") if m else None


def parse_pdf(data: bytes) -> PagedText:
    """Extract a PDF's text page by page; raise ``ValueError`` with a reason if unusable."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValueError("the PDF is encrypted")
        pages = list(reader.pages)
        notes = (
            (f"only the first {MAX_PAGES} of {len(pages)} pages read",)
            if len(pages) > MAX_PAGES
            else ()
        )
        texts = [_clean(page.extract_text() or "") for page in pages[:MAX_PAGES]]
        meta = reader.metadata
    except (PdfReadError, OSError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a readable PDF: {exc}") from None
    text, offsets = _join(texts)
    if not text.strip():
        raise ValueError("the PDF has no text layer (a scan?)")
    title = str(meta.get("/Title") or "").strip() if meta else ""
    return PagedText(title=title, text=text, pages=offsets, date=_pdf_date(meta), notes=notes)


def parse_docx(data: bytes) -> PagedText:
    """Extract a DOCX's paragraphs; explicit page breaks start new pages."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValueError(f"not a readable DOCX: {exc}") from None
    pages: list[list[str]] = [[]]
    for paragraph in document.paragraphs:
        xml = paragraph._p.xml
        if 'w:type="page"' in xml and pages[-1]:
            pages.append([])
        line = _SPACE_RE.sub(" ", paragraph.text).strip()
        if line:
            pages[-1].append(line)
    text, offsets = _join(["\n".join(p) for p in pages if p])
    if not text.strip():
        raise ValueError("the DOCX has no text")
    props = document.core_properties
    created = props.created.date().isoformat() if props.created else None
    title = (props.title or "").strip()
    return PagedText(
        title=title, text=text, pages=offsets if len(offsets) > 1 else (), date=created
    )
