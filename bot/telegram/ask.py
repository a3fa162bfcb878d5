"""Answer one question on Telegram: limits, the line, streaming, the final cited answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError

from bot.answer_cache import CacheKey, generation_of
from bot.answering import Answer
from bot.conversation import Turn
from bot.telegram import feedback, texts
from bot.telegram.queue import Refusal
from bot.telegram.render import button_label, render_answer, render_preview
from bot.telegram.sources import SourceKeys
from bot.telegram.state import BotState
from bot.telegram.streaming import LiveMessage, Notify, run_threaded

log = logging.getLogger(__name__)

TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 seconds per chat action
# Telegram allows a group about 20 messages (edits included) a minute: stream more slowly there.
GROUP_EDIT_INTERVAL_S = 3.0
WATCHING = "👀"  # the reaction on a question while its answer is being written


def source_keyboard(
    keys: SourceKeys, answer: Answer, *, answer_id: int | None = None
) -> InlineKeyboardMarkup | None:
    """Return one button per cited source and a 👍/👎 row (for a stored answer), or None."""
    rows = [
        [
            InlineKeyboardButton(
                button_label(c), callback_data=keys.encode(c.article_id, c.start, c.end, c.quote)
            )
        ]
        for c in answer.citations
    ]
    if answer_id is not None:
        rows.append(feedback.buttons(answer_id))
    return InlineKeyboardMarkup(rows) if rows else None


async def react(bot: Bot, message: Message, emoji: str | None) -> None:
    """Set the bot's reaction on ``message`` (None removes it); cosmetic, so never fails."""
    try:
        await bot.set_message_reaction(message.chat_id, message.message_id, emoji)
    except TelegramError as exc:  # e.g. reactions turned off in the group
        log.warning("could not set reaction %s in chat %s: %s", emoji, message.chat_id, exc)


def previous_turn(state: BotState, bot: Bot, message: Message) -> Turn | None:
    """Return the turn a question follows up on: the bot's answer it replies to, or (in a
    private chat) the asker's last question within the follow-up window."""
    replied = message.reply_to_message
    to_bot = (
        replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
    )
    return state.memory.previous(
        message.chat_id,
        reply_to=replied.message_id if replied is not None and to_bot else None,
        private=message.chat.type == ChatType.PRIVATE,
    )


async def reply(bot: Bot, message: Message, html: str) -> None:
    """Answer a message with a short HTML text."""
    await LiveMessage.answering(bot, message).show(html)


async def answer_question(
    state: BotState,
    bot: Bot,
    message: Message,
    question: str,
    *,
    choices: Sequence[str] | None = None,
) -> None:
    """Answer ``question`` (a quiz when ``choices`` are given) asked in ``message``, or say
    politely why not now."""
    user = message.from_user
    if user is None:  # anonymous group admins and channels: nobody to rate-limit or answer
        return
    received = time.monotonic()
    lang = texts.question_lang(question, user.language_code)
    question = question.strip()
    limit = state.settings.max_question_chars
    if not question:
        await reply(bot, message, texts.text("empty", lang))
        return
    if len(question) > limit:
        await reply(bot, message, texts.text("too_long", lang, length=len(question), limit=limit))
        return
    turn = state.limits.admit(user.id)
    if isinstance(turn, Refusal):
        limits = state.limits
        limit = limits.per_user if turn.reason == "full" else limits.per_minute
        html = texts.text(turn.reason, lang, limit=limit, seconds=turn.retry_after_s)
        await reply(bot, message, html)
        return
    previous = previous_turn(state, bot, message)
    live = LiveMessage.answering(bot, message, drafts=state.drafts)
    try:
        with turn:
            if turn.ahead:
                # The "in line" notes are cosmetic: a failed one never costs the answer.
                await live.preview(texts.text("queued_own", lang))
            await turn.ready()
            await react(bot, message, WATCHING)
            await _answer(state, bot, live, message, user, question, received, choices, previous)
    except BaseException:
        # Leave no "⏳ in line" message behind; the error handler apologises.
        await live.discard()
        raise
    finally:
        await react(bot, message, None)


async def _answer(
    state: BotState,
    bot: Bot,
    live: LiveMessage,
    message: Message,
    user: User,
    question: str,
    received: float,
    choices: Sequence[str] | None,
    previous: Turn | None,
) -> None:
    """Answer from the cache, or wait for a slot (showing the place in line) and generate;
    then show the final pages and remember the turn for a follow-up."""
    lang = texts.question_lang(question, user.language_code)
    wait_s = 0.0

    async def generate() -> Answer:
        nonlocal wait_s
        with state.queue.join() as ticket:
            if ticket.position:
                place = texts.ordinal(ticket.position, lang)
                await live.preview(texts.text("queued", lang, place=place))
            await ticket.admitted()
            wait_s = ticket.waited_s
            interval = state.settings.stream_edit_interval_s
            if message.chat.type != ChatType.PRIVATE:
                interval = max(interval, GROUP_EDIT_INTERVAL_S)
            return await _generate(
                state, bot, live, question, choices=choices, interval=interval, previous=previous
            )

    snap = state.index.snapshot
    # A follow-up is its own question: the same words after another turn mean something else.
    asked = question if previous is None else f"{previous.question}\n{question}"
    key = CacheKey.of(asked, choices, generation=generation_of(snap), model=state.model_name)
    # An answer made while the model server was down is not kept: the model may be back soon.
    answer, source = await state.answer_cache.answer(
        key, question, generate, keep=lambda _: state.model_available
    )
    log.info(
        "answered user %s in chat %s (%s%s, %d citations, %.0f ms)",
        user.id,
        message.chat_id,
        answer.mode,
        "" if source == "generated" else f", {source}",
        len(answer.citations),
        answer.timings_ms.get("total", 0.0),
    )
    answer_id = await state.feedback.remember(
        answer, snap=state.index.snapshot, chat_type=message.chat.type
    )
    markup = source_keyboard(state.sources, answer, answer_id=answer_id)
    await live.finish(render_answer(answer), markup=markup)
    memory = state.memory
    memory.remember(message.chat_id, live.message_id, Turn(question, answer.text, memory.now()))
    state.stats.record(latency_s=time.monotonic() - received, wait_s=wait_s)


async def _generate(
    state: BotState,
    bot: Bot,
    live: LiveMessage,
    question: str,
    *,
    choices: Sequence[str] | None,
    interval: float,
    previous: Turn | None,
) -> Answer:
    """Run the answer pipeline in a thread, streaming its text into ``live``."""
    parts: list[str] = []

    def work(notify: Notify) -> Answer:
        def on_token(piece: str) -> None:
            parts.append(piece)
            notify()

        return state.answerer.answer(
            question, choices=choices, on_draft=on_token, previous=previous
        )

    async def refresh() -> None:
        text = "".join(parts)
        if text.strip():
            await live.stream(render_preview(text))

    async def typing() -> None:
        try:
            await bot.send_chat_action(
                live.chat_id, ChatAction.TYPING, message_thread_id=live.thread_id
            )
        except TelegramError as exc:  # cosmetic: never fail an answer over it
            log.debug("typing action failed in chat %s: %s", live.chat_id, exc)

    await typing()
    return await run_threaded(
        work,
        on_change=refresh,
        interval=interval,
        on_idle=typing,
        idle_every=TYPING_EVERY_S,
    )
