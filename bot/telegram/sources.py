"""Callback data of source buttons: which article span a button quotes, in at most 64 bytes.

A button carries the article id, the quote's start and end, and a short checksum of the quote,
so tapping it re-reads the passage from the current snapshot (no question is re-run) and an
article that has changed since is noticed. Article ids too long for the 64 bytes are replaced
by a short hash, remembered in a small JSON map in the data directory so that old buttons keep
working after a restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "src"
PATTERN = rf"^{PREFIX}:"  # CallbackQueryHandler pattern of source buttons
MAX_BYTES = 64  # Telegram's limit on callback_data
_CHECK_CHARS = 8
_KEY_CHARS = 16
_DIRECT, _HASHED = "=", "#"
_HEX = re.compile(r"[0-9a-f]+")


def quote_check(quote: str) -> str:
    """Return the short checksum that tells whether a span still holds the same quote."""
    return hashlib.sha256(quote.encode("utf-8")).hexdigest()[:_CHECK_CHARS]


@dataclass(frozen=True)
class SourceRef:
    """What a source button points at: ``article.text[start:end]`` with checksum ``check``."""

    article_id: str
    start: int
    end: int
    check: str

    def quote_in(self, text: str) -> str | None:
        """Return the quote from an article's current text, or None if it is not there now."""
        if self.end > len(text):
            return None
        quote = text[self.start : self.end]
        return quote if quote_check(quote) == self.check else None


class SourceKeys:
    """Encode and decode source buttons; keep the hash-to-id map of long ids in ``path``."""

    def __init__(self, path: Path) -> None:
        """Load the map persisted at ``path`` (a missing or unreadable map starts empty)."""
        self.path = path
        self._ids: dict[str, str] = self._load()

    def encode(self, article_id: str, start: int, end: int, quote: str) -> str:
        """Return callback data for the span ``[start, end)`` quoting ``quote``."""
        if not 0 <= start < end:
            raise ValueError(f"start and end must satisfy 0 <= start < end, got {start}, {end}")
        head = f"{PREFIX}:{start:x}:{end:x}:{quote_check(quote)}:"
        direct = f"{head}{_DIRECT}{article_id}"
        if len(direct.encode("utf-8")) <= MAX_BYTES:
            return direct
        key = hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:_KEY_CHARS]
        if self._ids.get(key) != article_id:
            self._ids[key] = article_id
            self._save()
        return f"{head}{_HASHED}{key}"

    def decode(self, data: str) -> SourceRef | None:
        """Return what callback data points at, or None when it is not a known source button."""
        parts = data.split(":", 4)
        if len(parts) != 5 or parts[0] != PREFIX or not parts[4]:
            return None
        _, start, end, check, key = parts
        if not all(_HEX.fullmatch(x) for x in (start, end, check)):
            return None
        kind, rest = key[0], key[1:]
        if kind == _DIRECT:
            article_id: str | None = rest
        elif kind == _HASHED:
            article_id = self._ids.get(rest)
        else:
            return None
        if not article_id:
            return None
        return SourceRef(article_id, int(start, 16), int(end, 16), check)

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable source button map %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict):
            log.warning("ignoring source button map %s: not a JSON object", self.path)
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _save(self) -> None:
        """Write the map atomically; on failure keep it in memory (buttons work until restart)."""
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(self._ids, ensure_ascii=False, sort_keys=True), "utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save the source button map %s: %s", self.path, exc)
