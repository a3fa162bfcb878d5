"""👍/👎 under each answer, and the optional "what was wrong?" note after a 👎.

The buttons carry ``fb:<answer id>:up|down``: the id of the answer record in the feedback
database, so a vote after a restart still finds its answer. After a 👎 the bot asks what was
wrong with a message the voter may reply to; that reply, and nothing else the voter or anybody
else writes, is stored as the comment. Open questions are kept in memory, a bounded number.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import ForceReply, InlineKeyboardButton, Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answering import Answer
from bot.feedback import AnswerRecord, FeedbackStore, Vote
from bot.telegram import texts
from bot.telegram.render import escape
from bot.telegram.streaming import LiveMessage
from retrieval.analysis import Lang
from retrieval.snapshot import Snapshot

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

PREFIX = "fb"
PATTERN = rf"^{PREFIX}:"  # CallbackQueryHandler pattern of feedback buttons
_DATA = re.compile(rf"{PREFIX}:(\d{{1,19}}):(up|down)")  # SQLite ids fit in 19 digits
OPEN_PROMPTS = 1000  # "what was wrong?" questions remembered at once
_EMOJI: dict[Vote, str] = {"up": "👍", "down": "👎"}


def encode(answer_id: int, vote: Vote) -> str:
    """Return the callback data of a feedback button (at most 25 bytes)."""
    return f"{PREFIX}:{answer_id}:{vote}"


def decode(data: str) -> tuple[int, Vote] | None:
    """Return the answer id and vote of a feedback button, or None for other data."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    vote: Vote = "up" if match.group(2) == "up" else "down"
    return int(match.group(1)), vote


def buttons(answer_id: int) -> list[InlineKeyboardButton]:
    """Return the 👍 and 👎 buttons of an answer."""
    return [
        InlineKeyboardButton(_EMOJI[vote], callback_data=encode(answer_id, vote))
        for vote in ("up", "down")
    ]


def generation(snap: Snapshot) -> str:
    """Name an index generation by the time it was built."""
    return datetime.fromtimestamp(snap.built_at, UTC).isoformat(timespec="microseconds")


def answer_record(answer: Answer, *, snap: Snapshot, chat_type: str) -> AnswerRecord:
    """Return what is stored about an answer shown in a chat of ``chat_type``."""
    return AnswerRecord(
        question=answer.question,
        answer=answer.text,
        citations=answer.citations,
        mode=answer.mode,
        generation=generation(snap),
        language=answer.language,
        chat_type=chat_type,
    )


@dataclass(frozen=True)
class _Prompt:
    answer_id: int
    user_id: int


class Feedback:
    """Store shown answers, take votes and comments; all database work runs in a thread."""

    def __init__(self, store: FeedbackStore) -> None:
        """Use ``store`` for answers and votes."""
        self.store = store
        self._prompts: OrderedDict[tuple[int, int], _Prompt] = OrderedDict()

    async def remember(self, answer: Answer, *, snap: Snapshot, chat_type: str) -> int | None:
        """Store a shown answer; return its id, or None when the database fails."""
        record = answer_record(answer, snap=snap, chat_type=chat_type)
        try:
            return await asyncio.to_thread(self.store.add_answer, record)
        except (sqlite3.Error, OSError) as exc:  # feedback is optional: the answer still goes
            log.warning("could not store the answer for feedback: %s", exc)
            return None

    async def vote(self, update: Update, context: Context) -> None:
        """Record a 👍/👎; after a 👎 ask what was wrong."""
        query = update.callback_query
        if query is None:
            return
        user = query.from_user
        lang = texts.user_lang(user.language_code)
        parsed = decode(query.data or "")
        known = parsed is not None and await asyncio.to_thread(
            self.store.vote, parsed[0], user.id, parsed[1]
        )
        if parsed is None or not known:
            await query.answer(texts.text("feedback_gone", lang), show_alert=True)
            return
        answer_id, vote = parsed
        log.info("feedback %s on answer %d", vote, answer_id)
        await query.answer(texts.text("feedback_thanks", lang))
        origin = query.message
        if vote == "down" and isinstance(origin, Message):
            await self._ask_why(context, origin, answer_id, user.id, user.first_name, lang)

    async def _ask_why(
        self, context: Context, origin: Message, answer_id: int, user_id: int, name: str, lang: Lang
    ) -> None:
        """Ask the voter what was wrong, as a message they can reply to."""
        who = texts.Html(f'<a href="tg://user?id={user_id}">{escape(name)}</a>')
        html = texts.text("feedback_why", lang, who=who)
        # Selective: in a group only the mentioned voter gets the reply field.
        placeholder = texts.text("feedback_placeholder", lang)
        markup = ForceReply(selective=True, input_field_placeholder=placeholder)
        try:
            sent = await context.bot.send_message(
                origin.chat.id,
                html,
                reply_markup=markup,
                reply_parameters=ReplyParameters(
                    origin.message_id, allow_sending_without_reply=True
                ),
                message_thread_id=origin.message_thread_id if origin.is_topic_message else None,
            )
        except TelegramError as exc:  # the vote is stored; the note is optional
            log.warning("could not ask what was wrong in chat %s: %s", origin.chat.id, exc)
            return
        self._prompts[(origin.chat.id, sent.message_id)] = _Prompt(answer_id, user_id)
        while len(self._prompts) > OPEN_PROMPTS:
            self._prompts.popitem(last=False)

    async def take_comment(self, message: Message, context: Context) -> bool:
        """Store ``message`` as a comment if it answers a "what was wrong?"; tell if it did."""
        replied, user = message.reply_to_message, message.from_user
        if replied is None or user is None or not message.text:
            return False
        key = (message.chat.id, replied.message_id)
        prompt = self._prompts.get(key)
        if prompt is None or prompt.user_id != user.id:
            return False
        del self._prompts[key]
        stored = await asyncio.to_thread(
            self.store.comment, prompt.answer_id, user.id, message.text
        )
        lang = texts.user_lang(user.language_code, message.text)
        key_text = "feedback_noted" if stored else "feedback_gone"
        await LiveMessage.answering(context.bot, message).show(texts.text(key_text, lang))
        return True
