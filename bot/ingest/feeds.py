"""Read RSS and Atom feeds (feedparser) into plain items, capped in number."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import html as lxml_html

from retrieval.dates import iso_date
from retrieval.errors import WartaError
from retrieval.htmltext import clean_text


@dataclass(frozen=True)
class FeedItem:
    """One feed entry: its link, and what the feed itself says about it."""

    link: str
    title: str
    date: str | None
    author: str | None
    summary: str  # plain text of the entry's content or summary ("" when none)


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's title and newest items; ``dropped`` counts items over the cap."""

    title: str
    items: tuple[FeedItem, ...]
    dropped: int = 0


def _plain(fragment: str) -> str:
    """Turn an HTML fragment from a feed into plain text."""
    if "<" not in fragment:
        return clean_text(fragment)[0]
    try:
        text = lxml_html.fromstring(f"<div>{fragment}</div>").text_content()
    except (ValueError, TypeError):
        text = fragment
    return clean_text(str(text))[0]


def _entry_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return time.strftime("%Y-%m-%d", parsed)
    for key in ("published", "updated", "dc_date"):
        if entry.get(key):
            return iso_date(str(entry.get(key)))
    return None


def _entry(entry: Any, base_url: str) -> FeedItem | None:
    link = entry.get("link") or entry.get("id") or ""
    if not isinstance(link, str) or not link.strip():
        return None
    content = entry.get("content") or []
    body = " ".join(str(c.get("value", "")) for c in content) or str(entry.get("summary", ""))
    return FeedItem(
        link=urljoin(base_url, link.strip()),
        title=_plain(str(entry.get("title", ""))),
        date=_entry_date(entry),
        author=str(entry.get("author")) if entry.get("author") else None,
        summary=_plain(body),
    )


def parse_feed(content: bytes, *, base_url: str, max_items: int) -> ParsedFeed:
    """Parse feed bytes; keep the ``max_items`` first entries (feeds list newest first)."""
    parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    entries = list(parsed.get("entries") or [])
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no <rss>, <feed> or <rdf> element"
        raise WartaError(f"not an RSS or Atom feed: {str(reason).splitlines()[0][:200]}")
    items = [item for e in entries[:max_items] if (item := _entry(e, base_url)) is not None]
    title = _plain(str(parsed.get("feed", {}).get("title", "")))
    return ParsedFeed(title=title, items=tuple(items), dropped=max(len(entries) - max_items, 0))
