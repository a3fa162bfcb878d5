"""Feeds and links into the corpus: poll, fetch, extract, dedupe, write, retain.

New stories land as one ``.json`` file each in the managed folder of the first corpus root;
the usual incremental reload then swaps them in. Nothing here touches the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.ingest.dedupe import canonical_url, text_hash
from bot.ingest.feeds import FeedItem, parse_feed
from bot.ingest.fetch import Fetched, FetchPolicy, decode_text, fetch
from bot.ingest.state import Feed, IngestState, load_state, now, poll_lock, save_state
from retrieval.errors import WartaError
from retrieval.htmltext import extract_html

log = logging.getLogger(__name__)
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
_DAY_S = 86400.0
_MIN_WORDS = 3


@dataclass(frozen=True)
class IngestConfig:
    """Where stories go and how much is kept (from settings)."""

    data_dir: Path
    folder: Path  # the managed folder inside the corpus
    policy: FetchPolicy
    max_feed_items: int = 100
    poll_interval_s: float = 900.0
    max_article_age_days: int = 365
    max_articles: int = 5000


@dataclass(frozen=True)
class Story:
    """A story written (or found already present) in the managed folder."""

    file: str
    title: str
    date: str | None
    source: str | None
    url: str
    from_summary: bool = False
    duplicate_of: str | None = None

    @property
    def article_id(self) -> str:
        """Return the corpus id of the story's article (``web-`` and its URL hash)."""
        return "web-" + self.file.rsplit("-", 1)[-1].removesuffix(".json")


@dataclass
class FeedReport:
    """What one feed's poll did."""

    feed_id: int
    url: str
    status: str
    added: list[Story] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


@dataclass
class PollReport:
    """A whole poll: per feed, plus the files retention removed."""

    feeds: list[FeedReport] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        """Return how many stories were added."""
        return sum(len(f.added) for f in self.feeds)

    def lines(self) -> list[str]:
        """Return the report, one line per fact."""
        out = [f"{self.added} new, {len(self.removed)} removed by retention"]
        for f in self.feeds:
            out.append(f"  feed {f.feed_id} {f.url}: {f.status}")
            out += [f"    added: {s.title or s.url} ({s.date or 'undated'})" for s in f.added]
            out += [f"    skipped: {url}: {reason}" for url, reason in f.skipped]
        out += [f"  removed: {name}" for name in self.removed]
        return out


class Ingestor:
    """Subscribe to feeds, poll them, and add single links; state lives in the data dir."""

    def __init__(self, config: IngestConfig, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self._client = client

    # -- feeds ------------------------------------------------------------------------------

    def add_feed(self, url: str) -> tuple[Feed, int]:
        """Check that ``url`` is a readable feed, subscribe to it; return it and its item count."""
        state = load_state(self.config.data_dir)
        if any(canonical_url(f.url) == canonical_url(url) for f in state.feeds):
            raise WartaError(f"already subscribed to {url}")
        fetched = self._fetch(url)
        parsed = parse_feed(
            fetched.content, base_url=fetched.url, max_items=self.config.max_feed_items
        )
        feed = Feed(id=state.next_id, url=url, title=parsed.title, added_at=now())
        state.feeds.append(feed)
        state.next_id += 1
        save_state(self.config.data_dir, state)
        return feed, len(parsed.items)

    def feeds(self) -> list[Feed]:
        """Return the subscribed feeds."""
        return load_state(self.config.data_dir).feeds

    def remove_feed(self, feed_id: int) -> Feed:
        """Unsubscribe feed ``feed_id`` (its stories stay until retention removes them)."""
        state = load_state(self.config.data_dir)
        feed = state.feed(feed_id)
        if feed is None:
            raise WartaError(f"no feed number {feed_id} (see `warta feed list`)")
        state.feeds.remove(feed)
        save_state(self.config.data_dir, state)
        return feed

    def poll(self, *, force: bool = False) -> PollReport:
        """Poll every feed that is due (all with ``force``), then apply retention."""
        with poll_lock(self.config.data_dir):
            state = load_state(self.config.data_dir)
            report = PollReport()
            for feed in state.feeds:
                if force or feed.next_poll <= now():
                    report.feeds.append(self._poll_feed(state, feed))
                    save_state(self.config.data_dir, state)
            report.removed = self._retain(state)
            save_state(self.config.data_dir, state)
            return report

    def _poll_feed(self, state: IngestState, feed: Feed) -> FeedReport:
        try:
            fetched = self._fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
            if fetched.not_modified:
                feed.succeeded("not modified (304)", now=now())
                return FeedReport(feed.id, feed.url, feed.last_status)
            parsed = parse_feed(
                fetched.content, base_url=fetched.url, max_items=self.config.max_feed_items
            )
        except WartaError as exc:
            feed.failed(str(exc), now=now(), interval_s=self.config.poll_interval_s)
            log.warning("feed %s: %s", feed.url, exc)
            return FeedReport(feed.id, feed.url, feed.last_status)
        report = FeedReport(feed.id, feed.url, "")
        if parsed.dropped:
            report.skipped.append(
                (feed.url, f"{parsed.dropped} items over the {self.config.max_feed_items}-item cap")
            )
        for item in parsed.items:
            self._take_item(state, item, report)
        feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
        feed.title = parsed.title or feed.title
        feed.items += len(report.added)
        feed.succeeded(f"{len(report.added)} new of {len(parsed.items)} items", now=now())
        report.status = feed.last_status
        return report

    def _take_item(self, state: IngestState, item: FeedItem, report: FeedReport) -> None:
        if canonical_url(item.link) in state.seen_urls:
            return  # seen in an earlier poll: the usual case, not worth a line
        if item.date and self._too_old(item.date):
            report.skipped.append((item.link, self._age_reason(item.date)))
            return
        try:
            story = self._add(state, item.link, fallback=item)
        except WartaError as exc:
            report.skipped.append((item.link, str(exc)))
            return
        if story.duplicate_of:
            report.skipped.append((item.link, f"same text as {story.duplicate_of}"))
        elif story.date and self._too_old(story.date):  # the page's own date, not the feed's
            (self.config.folder / story.file).unlink(missing_ok=True)
            report.skipped.append((item.link, self._age_reason(story.date)))
        else:
            report.added.append(story)

    # -- links ------------------------------------------------------------------------------

    def add_url(self, url: str) -> Story:
        """Fetch one article page and add it (an admin's link, or `warta add URL`)."""
        with poll_lock(self.config.data_dir):
            state = load_state(self.config.data_dir)
            seen = state.seen_urls.get(canonical_url(url))
            if seen and (self.config.folder / str(seen[0])).exists():
                raise WartaError(f"already in the corpus as {seen[0]}")
            story = self._add(state, url, fallback=None)
            if story.duplicate_of:
                raise WartaError(f"the same story is already in the corpus as {story.duplicate_of}")
            if story.date and self._too_old(story.date):
                (self.config.folder / story.file).unlink(missing_ok=True)
                raise WartaError(self._age_reason(story.date))
            save_state(self.config.data_dir, state)
            return story

    def _page_record(self, url: str) -> tuple[dict[str, object], str]:
        """Fetch and extract one page; raise ``WartaError`` when it yields no article."""
        fetched = self._fetch(url)
        html, note = decode_text(fetched.content, fetched.content_type)
        try:
            page = extract_html(html, url=fetched.url)
        except Exception as exc:  # lxml/trafilatura on hostile markup: one page, not the poll
            raise WartaError(f"page could not be parsed: {exc}") from None
        if len(page.text.split()) < _MIN_WORDS:
            raise WartaError("no article text on the page")
        notes = [*page.notes, *([note] if note else [])]
        record: dict[str, object] = {
            "title": page.title, "date": page.date, "author": page.author,
            "source": page.source, "text": page.text, "notes": notes,
        }  # fmt: skip
        return record, fetched.url

    def _add(self, state: IngestState, url: str, *, fallback: FeedItem | None) -> Story:
        """Fetch, extract, dedupe and write one story (the feed's summary if the page fails)."""
        from_summary = False
        try:
            record, final_url = self._page_record(url)
        except WartaError as exc:
            if fallback is None or len(fallback.summary.split()) < _MIN_WORDS:
                raise
            record, final_url, from_summary = _summary_record(fallback, exc), url, True
        if fallback is not None:
            record["title"] = record["title"] or fallback.title
            record["date"] = record["date"] or fallback.date
            record["author"] = record["author"] or fallback.author
        return self._write(state, url, final_url, record, from_summary=from_summary)

    def _write(
        self,
        state: IngestState,
        url: str,
        final_url: str,
        record: dict[str, object],
        *,
        from_summary: bool,
    ) -> Story:
        """Write the story's file unless its text is already in; remember its URL and hash."""
        canon, digest = canonical_url(final_url), text_hash(str(record["text"]))
        title, date, source = (
            str(record[k]) if record[k] else None for k in ("title", "date", "source")
        )
        if digest in state.seen_hashes:
            first = str(state.seen_hashes[digest][0])
            state.seen_urls[canonical_url(url)] = [first, now()]
            return Story(first, title or "", date, source, url, duplicate_of=first)
        key = hashlib.sha256(canon.encode()).hexdigest()[:12]
        name = f"{date or 'undated'}-{key}.json"
        body = {
            "id": f"web-{key}", "title": title or "", "url": final_url, "date": date,
            "source": source, "author": record["author"], "text": record["text"],
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "extracted_from": "feed summary" if from_summary else "page",
            "notes": record["notes"],
        }  # fmt: skip
        _write_json(self.config.folder / name, body)
        state.remember(canon, digest, name, now=now())
        state.seen_urls[canonical_url(url)] = [name, now()]
        return Story(name, title or "", date, source, final_url, from_summary)

    def _fetch(self, url: str, **kw: str | None) -> Fetched:
        return fetch(url, self.config.policy, client=self._client, **kw)

    # -- retention --------------------------------------------------------------------------

    def _cutoff(self) -> float:
        return now() - self.config.max_article_age_days * _DAY_S

    def _too_old(self, date: str) -> bool:
        return _day_start(date) < self._cutoff()

    def _age_reason(self, date: str) -> str:
        days = self.config.max_article_age_days
        return f"published {date}, older than max_article_age_days ({days})"

    def _retain(self, state: IngestState) -> list[str]:
        """Delete managed stories past ``max_article_age_days`` or beyond ``max_articles``."""
        files = sorted(self.config.folder.glob("*.json")) if self.config.folder.is_dir() else []
        dated = sorted(((_story_time(p), p) for p in files), reverse=True)
        cutoff = self._cutoff()
        doomed = [
            p for i, (when, p) in enumerate(dated) if when < cutoff or i >= self.config.max_articles
        ]
        for path in doomed:
            path.unlink(missing_ok=True)
        state.forget_before(cutoff - 30 * _DAY_S)
        return [p.name for p in doomed]


def _summary_record(item: FeedItem, exc: WartaError) -> dict[str, object]:
    """Build a story from the feed's own text when its page could not be used."""
    return {
        "title": item.title, "date": item.date, "author": item.author, "source": None,
        "text": item.summary, "notes": [f"page not used ({exc}); text is the feed's summary"],
    }  # fmt: skip


def _story_time(path: Path) -> float:
    """Return a story's time: the date in its name, else the file's modification time."""
    m = _DATED_NAME.match(path.name)
    return _day_start(m.group(1)) if m else path.stat().st_mtime


def _day_start(date: str) -> float:
    """Return the epoch seconds of an ISO date's midnight (UTC); 0 for a malformed one."""
    try:
        return datetime.fromisoformat(date[:10]).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def _write_json(path: Path, body: dict[str, object]) -> None:
    """Write a story atomically under a hidden name, so a reload never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
