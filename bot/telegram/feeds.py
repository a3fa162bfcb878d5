"""Fresh news in Telegram: /feed add|list|remove, a link an admin sends (or /add URL), and
the scheduled feed poll (PTB JobQueue), which runs in a thread and never blocks answering."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.ingest.cli import feed_line, ingest_config
from bot.ingest.service import Ingestor, PollReport, Story
from bot.ingest.state import PollBusyError
from bot.telegram.admin import Admin
from bot.telegram.ask import reply
from bot.telegram.render import render_report
from bot.telegram.state import BotState, ReloadRecord
from bot.telegram.streaming import LiveMessage
from retrieval.analysis import Lang
from retrieval.errors import WartaError

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
LINK_RE = re.compile(r"^\s*(https?://\S+)\s*$")

_TEXTS: dict[str, dict[Lang, str]] = {
    "usage": {
        "id": "Pakai: /feed add URL · /feed list · /feed remove N",
        "en": "Usage: /feed add URL · /feed list · /feed remove N",
    },
    "add_usage": {"id": "Pakai: /add URL", "en": "Usage: /add URL"},
    "feed_added": {
        "id": "Feed {id} ditambahkan: {url} ({title}, {items} item). "
        "Diperiksa tiap {minutes} menit.",
        "en": "Feed {id} added: {url} ({title}, {items} items). Polled every {minutes} minutes.",
    },
    "feed_removed": {"id": "Feed {id} dihapus: {url}", "en": "Feed {id} removed: {url}"},
    "no_feeds": {"id": "Belum ada feed.", "en": "No feeds yet."},
    "feeds": {"id": "Feed", "en": "Feeds"},
    "fetching": {"id": "Mengambil {url} …", "en": "Fetching {url} …"},
    "failed": {"id": "Tidak bisa: {reason}", "en": "Could not: {reason}"},
    "added": {
        "id": "Ditambahkan: {title} ({date}, {source}, {chunks} potongan).",
        "en": "Added: {title} ({date}, {source}, {chunks} chunks).",
    },
    "undated": {"id": "tanpa tanggal", "en": "undated"},
    "unknown_source": {"id": "sumber tak diketahui", "en": "unknown source"},
}


def say(key: str, lang: Lang, **values: object) -> str:
    """Return the HTML text ``key`` in ``lang`` with escaped ``values``."""
    return _TEXTS[key][lang].format(**{k: escape(str(v)) for k, v in values.items()})


class Feeds(Admin):
    """Admin handlers for feeds and links, and the scheduled poll."""

    def __init__(self, state: BotState, *, ingestor: Ingestor | None = None) -> None:
        super().__init__(state)
        self.ingestor = ingestor or Ingestor(ingest_config(state.settings))
        self.polling = False  # set on the event loop: a second poll is skipped at once

    async def feed(self, update: Update, context: Context) -> None:
        """Handle /feed add URL, /feed list and /feed remove N."""
        message = update.effective_message
        lang = await self._admin_lang(update, context, "/feed")
        if lang is None or message is None:
            return
        args = list(context.args or [])
        action = args[0].lower() if args else ""
        try:
            if action == "add" and len(args) == 2:
                feed, items = await asyncio.to_thread(self.ingestor.add_feed, args[1])
                minutes = f"{self.state.settings.feed_poll_minutes:g}"
                html = say("feed_added", lang, id=feed.id, url=feed.url, title=feed.title or "–",
                           items=items, minutes=minutes)  # fmt: skip
            elif action == "list" and len(args) == 1:
                feeds = await asyncio.to_thread(self.ingestor.feeds)
                lines = [feed_line(f) for f in feeds] or [say("no_feeds", lang)]
                await LiveMessage.answering(context.bot, message).finish(
                    render_report(f"<b>{say('feeds', lang)}</b>", lines)
                )
                return
            elif action == "remove" and len(args) == 2 and args[1].isdigit():
                feed = await asyncio.to_thread(self.ingestor.remove_feed, int(args[1]))
                html = say("feed_removed", lang, id=feed.id, url=feed.url)
            else:
                html = say("usage", lang)
        except WartaError as exc:
            html = say("failed", lang, reason=exc)
        await reply(context.bot, message, html)

    async def add_command(self, update: Update, context: Context) -> None:
        """Handle /add URL (admins; any chat)."""
        message = update.effective_message
        lang = await self._admin_lang(update, context, "/add")
        if lang is None or message is None:
            return
        args = list(context.args or [])
        if len(args) != 1:
            await reply(context.bot, message, say("add_usage", lang))
            return
        await self._add_link(update, context, args[0], lang)

    async def link(self, update: Update, context: Context) -> bool:
        """Add a link an admin sent in a private chat; return False when it is not for us."""
        message, user = update.effective_message, update.effective_user
        m = LINK_RE.match(message.text or "") if message is not None else None
        if m is None or not self.state.is_admin(user.id if user else None):
            return False
        lang = await self._admin_lang(update, context, "link")
        if lang is not None:
            await self._add_link(update, context, m.group(1), lang)
        return True

    async def _add_link(self, update: Update, context: Context, url: str, lang: Lang) -> None:
        message = update.effective_message
        assert message is not None
        live = LiveMessage.answering(context.bot, message)
        await live.show(say("fetching", lang, url=url))
        try:
            story = await asyncio.to_thread(self.ingestor.add_url, url)
        except (WartaError, PollBusyError) as exc:
            await live.finish([say("failed", lang, reason=exc)])
            return
        if self._busy():
            await live.finish([self._added(story, None, lang)])
            return
        self.state.reloading = True
        try:
            report = await self._run_reload(live, lang)
        finally:
            self.state.reloading = False
        if report is not None:
            await live.finish([self._added(story, self._chunks(story), lang)])

    def _chunks(self, story: Story) -> int:
        snap = self.state.index.snapshot
        i = snap.article_index.get(story.article_id)
        return 0 if i is None else int((snap.chunks[:, 0] == i).sum())

    def _added(self, story: Story, chunks: int | None, lang: Lang) -> str:
        return say(
            "added",
            lang,
            title=story.title or story.url,
            date=story.date or say("undated", lang),
            source=story.source or say("unknown_source", lang),
            chunks="?" if chunks is None else chunks,
        )

    async def scheduled_poll(self, context: Context) -> PollReport | None:
        """Poll the feeds in a thread, then reload if stories came or went (JobQueue job)."""
        if self.polling:
            log.info("feed poll skipped: the previous one is still running")
            return None
        self.polling = True
        try:
            report = await asyncio.to_thread(self.ingestor.poll)
        except PollBusyError:
            log.info("feed poll skipped: another process is polling")
            return None
        except Exception:  # a poll must never take the bot down
            log.exception("feed poll failed")
            return None
        finally:
            self.polling = False
        log.info("feed poll: %s", report.lines()[0])
        if (report.added or report.removed) and not self._busy():
            await self._background_reload()
        return report

    async def _background_reload(self) -> None:
        self.state.reloading = True
        try:
            result = await asyncio.to_thread(self.state.index.reload)
            self.state.last_reload = ReloadRecord(datetime.now(UTC), result)
        except Exception as exc:
            log.warning("reload after the feed poll failed; the old index keeps serving: %s", exc)
            self.state.last_reload = ReloadRecord(datetime.now(UTC), None, str(exc)[:500])
        finally:
            self.state.reloading = False


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    state: BotState,
    *,
    text: Callable[[Update, Context], Awaitable[None]],
) -> Feeds:
    """Add /feed, /add and the private-chat link handler (else ``text``), and the poll job.

    Call before the general text handler: a link from a non-admin goes on to ``text``.
    """
    feeds = Feeds(state)
    new = filters.UpdateType.MESSAGE

    async def link_or_text(update: Update, context: Context) -> None:
        if not await feeds.link(update, context):
            await text(update, context)

    application.add_handlers(
        [
            CommandHandler("feed", feeds.feed, filters=new),
            CommandHandler("add", feeds.add_command, filters=new),
            MessageHandler(new & filters.ChatType.PRIVATE & filters.Regex(LINK_RE), link_or_text),
        ]
    )
    minutes = state.settings.feed_poll_minutes
    if minutes > 0 and application.job_queue is not None:
        seconds = minutes * 60
        application.job_queue.run_repeating(
            feeds.scheduled_poll, interval=seconds, first=seconds, name="feed-poll"
        )
    return feeds
