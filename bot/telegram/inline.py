"""Inline mode: ``@bot question`` in any chat offers a cited answer to send there.

Inline queries come while the user types and must be answered within seconds, so the answer
is one the bot already made for the same question (the answer cache), else the fast path's
(the best source sentences, quoted and cited), never a new one from the model. An abstention
offers no result but a button to ask in a private chat instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answer_cache import CacheKey, generation_of
from bot.answering import Answer
from bot.fastpath import quick_answer
from bot.telegram import texts
from bot.telegram.render import render_inline, shorten
from bot.telegram.state import BotState

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

DEADLINE_S = 5.0  # Telegram drops an inline answer that comes too late; stay well inside
CACHE_S = 60  # Telegram reuses the results of the same query this long (reloads change them)
MIN_CHARS = 3  # shorter queries (the user is still typing) get the how-to button only
START_ASK = "ask"  # /start parameter of the "ask in a private chat" button


class Inline:
    """The inline query handler, sharing the bot's state."""

    def __init__(self, state: BotState) -> None:
        """Keep the application state."""
        self.state = state

    async def query(self, update: Update, context: Context) -> None:
        """Answer an inline query with at most one cited result."""
        inline = update.inline_query
        if inline is None:
            return
        question = inline.query.strip()
        lang = texts.question_lang(question, inline.from_user.language_code)
        button = InlineQueryResultsButton(
            texts.plain("inline_private", lang), start_parameter=START_ASK
        )
        results: list[InlineQueryResultArticle] = []
        if len(question) >= MIN_CHARS:
            answer = self._cached(question) or await self._quick(question, inline.from_user.id)
            if answer is not None and not answer.abstained and answer.citations:
                html = render_inline(answer)
                results.append(_article(question, html, answer.citations[0].quote))
        try:
            await inline.answer(results, cache_time=CACHE_S, button=button)
        except TelegramError as exc:  # too late, or the user typed on: nobody waits for it
            log.warning("could not answer an inline query: %s", exc)

    async def _quick(self, question: str, user_id: int) -> Answer | None:
        """Return the fast path's answer, or None when even that is too slow."""
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(quick_answer, self.state.answerer, question), DEADLINE_S
            )
        except TimeoutError:
            log.warning("inline query from user %s took too long", user_id)
            return None

    def _cached(self, question: str) -> Answer | None:
        """Return the answer the bot already gave to this question on this index, if any."""
        state = self.state
        key = CacheKey.of(
            question, None, generation=generation_of(state.index.snapshot), model=state.model_name
        )
        return state.answer_cache.get(key)


def _article(question: str, html: str, quote: str) -> InlineQueryResultArticle:
    """Return the result that sends ``html``; titled with the question, described by the quote."""
    result_id = hashlib.sha256(html.encode()).hexdigest()[:32]
    return InlineQueryResultArticle(
        result_id,
        title=shorten(question, 100),
        description=shorten(quote, 200),
        input_message_content=InputTextMessageContent(
            html,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )
