"""`warta feed add|list|remove|poll` and `warta add URL`: fresh news from the shell."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.ingest.fetch import FetchPolicy
from bot.ingest.service import IngestConfig, Ingestor, PollReport, Story
from bot.ingest.state import Feed
from bot.settings import Settings
from retrieval.errors import WartaError


def ingest_config(settings: Settings) -> IngestConfig:
    """Build the ingest configuration from settings (managed folder in the first corpus dir)."""
    return IngestConfig(
        data_dir=settings.data_dir,
        folder=settings.corpus_dir[0] / settings.ingest_dir,
        policy=FetchPolicy(
            max_bytes=settings.fetch_max_bytes,
            timeout_s=settings.fetch_timeout_s,
            max_redirects=settings.fetch_max_redirects,
            allow_private=settings.fetch_allow_private,
            user_agent=settings.fetch_user_agent,
        ),
        max_feed_items=settings.feed_max_items,
        poll_interval_s=max(settings.feed_poll_minutes, 1.0) * 60.0,
        max_article_age_days=settings.max_article_age_days,
        max_articles=settings.max_articles,
    )


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `feed` and `add` subcommands."""
    p = sub.add_parser("feed", help="subscribe to RSS/Atom feeds and poll them")
    feed = p.add_subparsers(dest="feed_command", required=True, metavar="ACTION")
    feed.add_parser("add", help="subscribe to a feed").add_argument("url")
    feed.add_parser("list", help="list feeds with their last poll, items and errors")
    feed.add_parser("remove", help="unsubscribe feed number N").add_argument("n", type=int)
    feed.add_parser("poll", help="poll every feed once now, then update the index")
    sub.add_parser("add", help="fetch one article page into the corpus").add_argument("url")


def _when(ts: float | None) -> str:
    if ts is None:
        return "never"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def feed_line(feed: Feed) -> str:
    """Return one line about a feed: number, URL, title, last poll, items, errors."""
    title = f" — {feed.title}" if feed.title else ""
    errors = f", {feed.errors} error(s) in a row" if feed.errors else ""
    return (
        f"{feed.id}. {feed.url}{title}\n   last poll {_when(feed.last_poll)}: "
        f"{feed.last_status}; {feed.items} articles{errors}"
    )


def feed_lines(settings: Settings) -> list[str]:
    """Return the feeds for /stats, or an empty list when there are none or they are unreadable."""
    try:
        feeds = Ingestor(ingest_config(settings)).feeds()
    except WartaError:
        return []
    return [line for f in feeds for line in feed_line(f).split("\n")]


def story_line(story: Story, chunks: int | None) -> str:
    """Return the line naming an added story: title, date, source, chunks."""
    bits = [story.date or "undated", story.source or "", f"{chunks} chunks" if chunks else ""]
    return f"added: {story.title or story.url} ({', '.join(b for b in bits if b)})"


def _reindex(settings: Settings) -> str:
    from bot.runtime import build_index

    index = build_index(settings)
    index.load()
    return index.reload().summary()


def chunk_count(settings: Settings, story: Story) -> int:
    """Return how many chunks the index holds for an added story."""
    from bot.runtime import build_index

    snap = build_index(settings).snapshot
    i = snap.article_index.get(story.article_id)
    return 0 if i is None else int((snap.chunks[:, 0] == i).sum())


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `warta feed …` or `warta add URL`."""
    ingestor = Ingestor(ingest_config(settings))
    if args.command == "add":
        story = ingestor.add_url(args.url)
        print(f"index: {_reindex(settings)}")
        print(story_line(story, chunk_count(settings, story)))
        return 0
    action = args.feed_command
    if action == "add":
        feed, items = ingestor.add_feed(args.url)
        print(f"feed {feed.id} added: {feed.url} ({feed.title or 'untitled'}, {items} items now)")
    elif action == "list":
        feeds = ingestor.feeds()
        print("\n".join(feed_line(f) for f in feeds) if feeds else "no feeds")
    elif action == "remove":
        feed = ingestor.remove_feed(args.n)
        print(f"feed {feed.id} removed: {feed.url}")
    else:
        report: PollReport = ingestor.poll(force=True)
        print("\n".join(report.lines()))
        if report.added or report.removed:
            print(f"index: {_reindex(settings)}")
    return 0
