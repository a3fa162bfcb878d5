"""Extract a news page's title, date, author, source and main text with trafilatura."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import use_config

from retrieval.dates import dateline_date, dateline_source, iso_date, url_source

MAX_TEXT_CHARS = 200_000  # a longer "article" is a dump, not a story: cap it
MIN_WORDS = 3
_WORD_RE = re.compile(r"\w+")
# Runs of base64 (inline images, fonts, tracking payloads) that leak into text nodes.
_BLOB_RE = re.compile(r"(?:data:[\w/+.-]+;base64,)?[A-Za-z0-9+/]{120,}={0,2}")
_SPACE_RE = re.compile(r"[ \t\u00a0]+")

# trafilatura drops pages under 250 extracted characters to its crude fallback; a short news
# item (a flash, a correction) is still an article. Dates: ours are parsed from the text too.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass(frozen=True)
class HtmlArticle:
    """What a page yielded; ``notes`` say what was dropped or capped, and why."""

    title: str
    text: str
    date: str | None = None
    author: str | None = None
    source: str | None = None
    url: str | None = None
    notes: tuple[str, ...] = ()


def _extract(html: str, url: str | None, *, recall: bool) -> Any:
    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        favor_recall=recall,
        deduplicate=False,
        date_extraction_params={"original_date": True, "extensive_search": False},
        config=_CONFIG,
    )


def _page_title(html: str) -> str:
    """Return the <h1> or <title> text of a page ("" when it has none)."""
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, TypeError, etree.ParserError):
        return ""
    for path in ("//h1", "//title"):
        nodes = tree.xpath(path)
        if nodes:
            text = _SPACE_RE.sub(" ", nodes[0].text_content()).strip()
            if text:
                return text
    return ""


def clean_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Collapse spaces, drop base64 blobs and cap the length; say what was removed."""
    notes: list[str] = []
    text, blobs = _BLOB_RE.subn("", text)
    if blobs:
        notes.append(f"removed {blobs} base64/blob run(s)")
    lines = [_SPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if len(text) > MAX_TEXT_CHARS:
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        text = text[: cut if cut > 0 else MAX_TEXT_CHARS]
        notes.append(f"text capped at {MAX_TEXT_CHARS:,} characters")
    return text, tuple(notes)


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def extract_html(html: str, *, url: str | None = None) -> HtmlArticle:
    """Extract the main article of ``html`` (boilerplate, scripts and comments dropped)."""
    doc = _extract(html, url, recall=False)
    if doc is None or not _str(doc.text):
        doc = _extract(html, url, recall=True)
    text, notes = clean_text(str(_str(doc.text) or "") if doc is not None else "")
    if len(_WORD_RE.findall(text)) < MIN_WORDS:
        text = ""  # a lone "Menu" or "Share" left when the page has no article
    meta: dict[str, Any] = {} if doc is None else {
        k: _str(getattr(doc, k, None)) for k in ("title", "date", "author", "sitename", "url")
    }  # fmt: skip
    title = _SPACE_RE.sub(" ", meta.get("title") or _page_title(html)).strip()
    found = dateline_date(text)
    page_url = meta.get("url") or url
    return HtmlArticle(
        title=title,
        text=text,
        date=iso_date(meta.get("date")) or (found.isoformat() if found else None),
        author=meta.get("author"),
        source=_sitename(meta.get("sitename"), title)
        or dateline_source(text)
        or url_source(page_url),
        url=page_url,
        notes=notes,
    )


def _sitename(name: str | None, title: str) -> str | None:
    """Trust trafilatura's site name unless it is a piece of the headline (a ``<title>`` split)."""
    if not name or len(name) > 40 or name.casefold() in title.casefold():
        return None
    return name


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, main text) of an HTML page; paragraphs are separated by newlines."""
    page = extract_html(html)
    return page.title, page.text
