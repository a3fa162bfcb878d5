"""What Telegram shows about the bot: command menus per scope and language, descriptions.

Everyone gets /ask, /help and /new; each admin's private chat (``BotCommandScopeChat``) also
lists /reload, /stats, /feed and /add. Each list, and the descriptions, comes in English (the
default for every language) and in Indonesian (``language_code="id"``). All of it is cosmetic:
a refused call is logged as a warning and the bot serves on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat
from telegram.error import TelegramError

from bot.telegram import texts
from retrieval.analysis import LANGS, Lang

log = logging.getLogger(__name__)

EVERYONE = ("ask", "help", "new")
ADMINS = (*EVERYONE, "reload", "stats", "feed", "add")


def commands(names: Sequence[str], lang: Lang) -> list[BotCommand]:
    """Return the menu entries for ``names`` with their descriptions in ``lang``."""
    return [BotCommand(name, texts.plain(f"command_{name}", lang)) for name in names]


def language_code(lang: Lang) -> str | None:
    """Return the language_code a list is set for: None (every language) for English."""
    return None if lang == "en" else lang


async def publish(bot: Bot, admin_ids: Sequence[int]) -> None:
    """Set the command menus and the descriptions, in every language."""
    for lang in LANGS:
        code = language_code(lang)
        await _cosmetic(
            "the command menu", bot.set_my_commands(commands(EVERYONE, lang), language_code=code)
        )
        for admin in admin_ids:
            scope: BotCommandScope = BotCommandScopeChat(admin)
            await _cosmetic(
                f"the admin menu of {admin}",
                bot.set_my_commands(commands(ADMINS, lang), scope=scope, language_code=code),
            )
        await _cosmetic(
            "the description",
            bot.set_my_description(texts.plain("description", lang), language_code=code),
        )
        await _cosmetic(
            "the short description",
            bot.set_my_short_description(
                texts.plain("short_description", lang), language_code=code
            ),
        )


async def _cosmetic(what: str, call: Awaitable[object]) -> None:
    """Await a cosmetic Bot API call; a refusal is a warning, never a failure."""
    try:
        await call
    except TelegramError as exc:
        log.warning("could not set %s: %s", what, exc)
