"""Tell when two items are the same story: canonical URL, and a hash of the normalised text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that track the reader, not the page.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|source|amp|_ga)$", re.I)
_NON_WORD = re.compile(r"[\W_]+")


def canonical_url(url: str) -> str:
    """Normalise a URL: lower-case host, no www., default port, fragment or tracking query."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k))
    path = re.sub(r"/+", "/", parts.path).rstrip("/") or "/"
    path = path.removesuffix("/amp") or "/"
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme,
                       host, path, urlencode(query), ""))  # fmt: skip


def text_hash(text: str) -> str:
    """Hash a story's words (NFKC, case-folded, punctuation and spacing ignored)."""
    words = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split()
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:32]
