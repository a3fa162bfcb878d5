"""Run blocking work in a thread while one Telegram message shows its progress.

``run_threaded`` keeps the event loop free: the work (an answer, a reload) runs in a worker
thread and calls ``notify()`` when there is something new to show; the loop then refreshes
the message no more often than the given interval. ``LiveMessage`` is that message: sent on
first use, edited afterwards, with Telegram's "message is not modified" treated as success.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, TelegramError

log = logging.getLogger(__name__)

T = TypeVar("T")
Notify = Callable[[], None]


def not_modified(exc: BadRequest) -> bool:
    """Tell whether Telegram refused an edit only because nothing changed."""
    return "message is not modified" in exc.message.lower()


def _gone(exc: BadRequest) -> bool:
    return "not found" in exc.message.lower()


class LiveMessage:
    """One bot message that is sent once and then edited to show new content."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        reply_to: int | None,
        message_id: int | None = None,
        thread_id: int | None = None,
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
    def answering(cls, bot: Bot, message: Message) -> LiveMessage:
        """Return the reply to ``message``: same chat, same forum topic."""
        thread = message.message_thread_id if message.is_topic_message else None
        return cls(bot, message.chat_id, reply_to=message.message_id, thread_id=thread)

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
