"""Run blocking work in a thread while one Telegram message shows its progress.

``run_threaded`` keeps the event loop free: the work (an answer, a reload) runs in a worker
thread and calls ``notify()`` when there is something new to show; the loop then refreshes
the message no more often than the given interval. ``LiveMessage`` is that message: sent on
first use, edited afterwards, with Telegram's "message is not modified" treated as success.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatType
from telegram.error import BadRequest, InvalidToken, TelegramError

log = logging.getLogger(__name__)

T = TypeVar("T")
Notify = Callable[[], None]


def not_modified(exc: BadRequest) -> bool:
    """Tell whether Telegram refused an edit only because nothing changed."""
    return "message is not modified" in exc.message.lower()


def _gone(exc: BadRequest) -> bool:
    return "not found" in exc.message.lower()


class Drafts:
    """Streaming with ``sendMessageDraft`` (private chats, Bot API 9.3+), while the server
    takes it: the first refusal turns it off for the process, and answers stream by edits."""

    def __init__(self, *, enabled: bool) -> None:
        """Start on (if ``enabled``) with draft ids counting from 1."""
        self.enabled = enabled
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        """Return a new non-zero draft id."""
        return next(self._ids)

    def refused(self, exc: TelegramError) -> None:
        """Turn drafts off after the server refused one."""
        if self.enabled:
            log.warning("the Bot API refused a message draft (%s): streaming by edits", exc)
        self.enabled = False


class LiveMessage:
    """One bot message that is sent once and then edited to show new content.

    With ``drafts``, previews before the message exists are streamed as a draft instead, and
    the final text is sent as a new message.
    """

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        reply_to: int | None,
        message_id: int | None = None,
        thread_id: int | None = None,
        drafts: Drafts | None = None,
    ) -> None:
        """Target ``chat_id`` (forum topic ``thread_id``); the message answers ``reply_to``
        and may already exist."""
        self._bot = bot
        self.chat_id = chat_id
        # Explicit, so the answer stays in its topic even if the question is deleted meanwhile.
        self.thread_id = thread_id
        self._reply = (
            ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None
        )
        self.message_id = message_id
        self._shown: str | None = None
        self._previews = True
        self._drafts = drafts
        self._draft_id = 0

    async def show(self, html: str, *, markup: InlineKeyboardMarkup | None = None) -> None:
        """Show ``html`` (and ``markup``): send the message or edit it."""
        if self.message_id is not None:
            try:
                await self._bot.edit_message_text(
                    html, chat_id=self.chat_id, message_id=self.message_id, reply_markup=markup
                )
            except BadRequest as exc:
                if not_modified(exc):
                    self._shown = html
                    return
                if not _gone(exc):
                    raise
                # The message was deleted meanwhile: carry on in a new one.
                self.message_id = None
        if self.message_id is None:
            sent = await self._bot.send_message(
                self.chat_id,
                html,
                reply_markup=markup,
                reply_parameters=self._reply,
                message_thread_id=self.thread_id,
            )
            self.message_id = sent.message_id
        self._shown = html

    async def preview(self, html: str) -> None:
        """Show an intermediate state; a failure stops previews but not the work."""
        if not self._previews or html == self._shown:
            return
        try:
            await self.show(html)
        except TelegramError as exc:
            log.warning("stopped updating message in chat %s: %s", self.chat_id, exc)
            self._previews = False

    async def stream(self, html: str) -> None:
        """Show text being written: as a draft while no message exists (and drafts are on),
        else like ``preview``. A draft lasts about 30 s, so notes such as the place in line,
        which may wait longer, go through ``preview`` instead."""
        if html == self._shown:
            return
        if self.message_id is None and await self._draft(html):
            return
        await self.preview(html)

    async def _draft(self, html: str) -> bool:
        """Stream ``html`` as a draft; tell whether it was shown that way."""
        drafts = self._drafts
        if drafts is None or not drafts.enabled:
            return False
        self._draft_id = self._draft_id or drafts.next_id()
        try:
            await self._bot.send_message_draft(
                self.chat_id, self._draft_id, html, message_thread_id=self.thread_id
            )
        except (BadRequest, InvalidToken) as exc:  # InvalidToken: PTB's name for a 404
            drafts.refused(exc)
            return False
        except TelegramError as exc:  # e.g. a timeout: skip this preview, keep drafts on
            log.debug("message draft failed in chat %s: %s", self.chat_id, exc)
        self._shown = html
        return True

    async def finish(
        self, pages: Sequence[str], *, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Show the final pages: the first in this message, the rest as new messages."""
        for i, page in enumerate(pages):
            last = i == len(pages) - 1
            if i == 0:
                await self.show(page, markup=markup if last else None)
            else:
                await self._bot.send_message(
                    self.chat_id,
                    page,
                    reply_markup=markup if last else None,
                    reply_parameters=self._reply,
                    message_thread_id=self.thread_id,
                )

    @classmethod
    def answering(cls, bot: Bot, message: Message, *, drafts: Drafts | None = None) -> LiveMessage:
        """Return the reply to ``message``: same chat, same forum topic; drafts (if given)
        only in a private chat."""
        thread = message.message_thread_id if message.is_topic_message else None
        private = message.chat.type == ChatType.PRIVATE
        return cls(
            bot,
            message.chat_id,
            reply_to=message.message_id,
            thread_id=thread,
            drafts=drafts if private else None,
        )

    async def discard(self) -> None:
        """Delete the message if one was sent (best effort: used when the work failed)."""
        if self.message_id is not None:
            with contextlib.suppress(TelegramError):
                await self._bot.delete_message(self.chat_id, self.message_id)
            self.message_id = None


async def run_threaded(
    work: Callable[[Notify], T],
    *,
    on_change: Callable[[], Awaitable[None]],
    interval: float,
    on_idle: Callable[[], Awaitable[None]] | None = None,
    idle_every: float = math.inf,
) -> T:
    """Run ``work(notify)`` in a thread; await ``on_change`` after notifies, throttled."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def notify() -> None:
        # The loop may be closing when a late token arrives; nothing is left to show then.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(changed.set)

    task: asyncio.Future[T] = asyncio.ensure_future(asyncio.to_thread(work, notify))
    waiter = asyncio.ensure_future(changed.wait())
    last_change = -math.inf
    next_idle = loop.time() + idle_every
    pending = False
    try:
        while not task.done():
            now = loop.time()
            due = [next_idle] + ([last_change + interval] if pending else [])
            timeout = max(0.0, min(due) - now)
            watched: set[asyncio.Future[Any]] = {task, waiter}
            await asyncio.wait(
                watched,
                timeout=None if math.isinf(timeout) else timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if waiter.done():
                changed.clear()
                pending = True
                waiter = asyncio.ensure_future(changed.wait())
            now = loop.time()
            if task.done():
                break
            if pending and now - last_change >= interval:
                pending, last_change = False, now
                await on_change()
            if on_idle is not None and now >= next_idle:
                next_idle = now + idle_every
                await on_idle()
    finally:
        waiter.cancel()
    return await task
