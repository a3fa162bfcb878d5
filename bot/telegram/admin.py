"""Admin commands: /reload, /stats and adding a document to the corpus."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.ingest.cli import feed_lines
from bot.telegram import texts
from bot.telegram.ask import reply
from bot.telegram.render import render_report, shorten
from bot.telegram.state import BotState, ReloadRecord
from bot.telegram.streaming import LiveMessage, Notify, run_threaded
from retrieval.analysis import Lang
from retrieval.builder import ReloadReport
from retrieval.documents import SUPPORTED_SUFFIXES, parse_file
from retrieval.errors import ReloadInProgressError, WartaError

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Saved = Literal["added", "updated", "unchanged"]

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API lets bots download files up to 20 MB
DOWNLOAD_TIMEOUT_S = 60.0  # a 10 MB document over a slow link takes longer than the 5 s default
STATS_DETAIL_LINES = 10


def safe_filename(name: str | None) -> str:
    """Return an uploaded document's name if it is safe to save, else raise ValueError."""
    if not name:
        raise ValueError("the document has no file name")
    if (
        "/" in name
        or "\\" in name
        or name.startswith(".")
        or any(ord(char) < 32 or ord(char) == 127 for char in name)
    ):
        raise ValueError("the file name must be a plain name (no folders, not hidden)")
    if len(name.encode("utf-8")) > 255:
        raise ValueError("the file name is too long")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ValueError(f"only {kinds} files can be added")
    return name


def save_file(root: Path, name: str, data: bytes) -> Saved:
    """Write ``data`` to ``root/name`` atomically; tell whether it was added or updated."""
    target = root / name
    if target.resolve().parent != root.resolve():
        raise ValueError("the file name must stay inside the corpus directory")
    if target.exists() and not target.is_file():
        raise ValueError("something that is not a file already has that name")
    existed = target.is_file()
    if existed and target.read_bytes() == data:
        return "unchanged"
    # A hidden name: a reload scanning the directory meanwhile skips the partial file.
    tmp = root / f".{name}.{os.getpid()}.upload"
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return "updated" if existed else "added"


class Admin:
    """Handlers for admins (numeric user ids from settings); others are refused and logged."""

    def __init__(self, state: BotState) -> None:
        """Keep the application state."""
        self.state = state

    async def _admin_lang(self, update: Update, context: Context, what: str) -> Lang | None:
        """Return the admin's language, or refuse (and log) a non-admin and return None."""
        user, message = update.effective_user, update.effective_message
        lang = texts.user_lang(user.language_code if user else None)
        if self.state.is_admin(user.id if user else None):
            return lang
        log.warning(
            "refused %s for non-admin user %s in chat %s",
            what,
            user.id if user else None,
            message.chat_id if message else None,
        )
        if message is not None:
            await reply(context.bot, message, texts.text("admin_only", lang))
        return None

    def _busy(self) -> bool:
        return self.state.reloading or self.state.index.reloading

    async def reload(self, update: Update, context: Context) -> None:
        """Re-scan the corpus in a thread, showing progress, then the report (/reload)."""
        message = update.effective_message
        lang = await self._admin_lang(update, context, "/reload")
        if lang is None or message is None:
            return
        if self._busy():
            await reply(context.bot, message, texts.text("reload_running", lang))
            return
        self.state.reloading = True
        try:
            live = LiveMessage.answering(context.bot, message)
            await live.show(texts.text("reload_start", lang))
            report = await self._run_reload(live, lang)
            if report is not None:
                await live.finish(render_report(texts.text("reload_done", lang), report.lines()))
        finally:
            self.state.reloading = False

    async def _run_reload(self, live: LiveMessage, lang: Lang) -> ReloadReport | None:
        """Reload the index with progress in ``live``; on failure say why and return None."""
        latest = [(0, 0)]

        def work(notify: Notify) -> ReloadReport:
            def progress(done: int, total: int) -> None:
                latest[0] = (done, total)
                notify()

            return self.state.index.reload(progress=progress)

        async def refresh() -> None:
            done, total = latest[0]
            await live.preview(texts.text("reload_progress", lang, done=done, total=total))

        interval = self.state.settings.stream_edit_interval_s
        try:
            report = await run_threaded(work, on_change=refresh, interval=interval)
        except ReloadInProgressError:
            await live.finish([texts.text("reload_running", lang)])
            return None
        except Exception as exc:  # any failure: report it, keep serving the old snapshot
            if isinstance(exc, WartaError):  # a known cause (read-only index, disk full)
                log.warning("reload failed; the previous index keeps serving: %s", exc)
            else:
                log.error("reload failed; the previous index keeps serving", exc_info=exc)
            reason = shorten(str(exc) or type(exc).__name__, 500)
            self.state.last_reload = ReloadRecord(datetime.now(UTC), None, reason)
            await live.finish([texts.text("reload_failed", lang, reason=reason)])
            return None
        log.info("reload finished: %s", report.summary())
        self.state.last_reload = ReloadRecord(datetime.now(UTC), report)
        # Answers of the old generation are never served again (the key names the
        # generation); clearing frees them now.
        self.state.answer_cache.clear()
        return report

    async def stats(self, update: Update, context: Context) -> None:
        """Show corpus size, last reload, model, uptime and answer counts (/stats)."""
        message = update.effective_message
        lang = await self._admin_lang(update, context, "/stats")
        if lang is None or message is None:
            return
        state = self.state
        snap = state.index.snapshot
        last = state.last_reload
        details: list[str] = []
        if last is None:
            reload_text: str = texts.text("never", lang)
        else:
            when = last.finished_at.strftime("%Y-%m-%d %H:%M:%S UTC")
            if last.report is None:
                reload_text = f"{when} — {texts.text('failed', lang, reason=last.error)}"
            else:
                reload_text = f"{when} — {last.report.summary()}"
                details = last.report.lines()[1:]
        if len(details) > STATS_DETAIL_LINES:
            more = len(details) - STATS_DETAIL_LINES
            details = [*details[:STATS_DETAIL_LINES], f"  … {more} more"]
        p50 = state.stats.p50_s()
        votes = await asyncio.to_thread(state.feedback.store.counts)
        head = texts.text(
            "stats",
            lang,
            articles=len(snap.articles),
            chunks=snap.n_chunks,
            reload=texts.Html(reload_text),
            model=_model_text(state, lang),
            uptime=texts.duration(state.stats.uptime_s()),
            answered=state.stats.answered,
            p50="–" if p50 is None else f"{p50:.1f} s",
            running=state.queue.running,
            waiting=state.queue.waiting,
            up=votes.up,
            down=votes.down,
            comments=votes.comments,
        )
        details += await asyncio.to_thread(feed_lines, state.settings)
        live = LiveMessage.answering(context.bot, message)
        await live.finish(render_report(head, details))

    async def document(self, update: Update, context: Context) -> None:
        """Validate an admin's document, save it into the corpus and reload the index."""
        message = update.effective_message
        if message is None or message.document is None or message.chat.type != ChatType.PRIVATE:
            return
        lang = await self._admin_lang(update, context, "a document upload")
        if lang is None:
            return
        document = message.document
        settings = self.state.settings
        shown_name = document.file_name or "?"

        async def refuse(reason: str) -> None:
            html = texts.text("upload_refused", lang, name=shown_name, reason=reason)
            await reply(context.bot, message, html)

        try:
            name = safe_filename(document.file_name)
        except ValueError as exc:
            await refuse(str(exc))
            return
        size = document.file_size or 0
        if size > min(settings.max_file_bytes, DOWNLOAD_LIMIT):
            limit = min(settings.max_file_bytes, DOWNLOAD_LIMIT)
            await refuse(f"the file is {size:,} bytes, over the {limit:,}-byte limit")
            return
        if self._busy():
            await refuse(texts.text("reload_running", lang).rstrip("."))
            return
        # Held from before the download, so no reload starts between the check and the write.
        self.state.reloading = True
        try:
            file = await document.get_file()
            data = bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT_S))
            try:
                loaded = parse_file(name, data, max_bytes=settings.max_file_bytes)
                saved = await asyncio.to_thread(save_file, settings.corpus_dir[0], name, data)
            except (ValueError, OSError) as exc:
                await refuse(str(exc))
                return
            user_id = update.effective_user.id if update.effective_user else None
            log.info("admin %s uploaded %s: %s", user_id, name, saved)
            values = {
                "name": name,
                "verb": texts.text(saved, lang),
                "articles": len(loaded.articles),
            }
            live = LiveMessage.answering(context.bot, message)
            await live.show(texts.text("upload_saved", lang, **values))
            report = await self._run_reload(live, lang)
            if report is not None:
                head = texts.text("upload_done", lang, **values)
                await live.finish(render_report(head, report.lines()))
        finally:
            self.state.reloading = False


def _model_text(state: BotState, lang: Lang) -> str | texts.Html:
    """Return the model's name for /stats, saying so when its server is unavailable."""
    health = state.model_health
    if health is None or health.available or health.since is None:
        return state.model_name
    return texts.text(
        "model_unavailable",
        lang,
        model=state.model_name,
        since=health.since.strftime("%Y-%m-%d %H:%M:%S UTC"),
        reason=health.reason,
        retry=texts.duration(state.settings.llm_recovery_s),
    )
