"""Build and run the Telegram application: polling by default, a webhook on request.

``serve`` is what ``warta serve`` runs: load the index and the model once, build the
python-telegram-bot ``Application`` and ``run`` it until SIGINT/SIGTERM. Tests and the load
benchmark use the same ``load_state``/``build_application``/``run`` with a stop event.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from bot.errors import TelegramSetupError
from bot.llm import Generator
from bot.runtime import build_answerer, build_index, load_generator
from bot.settings import Settings
from bot.telegram import menus
from bot.telegram.handlers import register
from bot.telegram.logs import SecretMask, configure_logging
from bot.telegram.state import BotState, ReloadRecord
from retrieval.store import CorpusIndex

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "inline_query", "my_chat_member")
MAX_RETRIES = 5  # retries after a 429: a flood-control wait delays a reply, never drops it
App = Application[Any, Any, Any, Any, Any, Any]


def load_state(
    settings: Settings, *, generator: Generator | None = None, index: CorpusIndex | None = None
) -> BotState:
    """Open the corpus index and load the model (unless given), once."""
    index = build_index(settings) if index is None else index
    report = index.open()
    if generator is None:
        log.info("loading the language model")
        generator = load_generator(settings)
    state = BotState.create(settings, index, build_answerer(settings, index, generator))
    if report is not None:
        state.last_reload = ReloadRecord(datetime.now(UTC), report)
    return state


def bot_token(settings: Settings) -> str:
    """Return the bot token, or raise TelegramSetupError if it is not configured."""
    if settings.telegram_token is None:
        raise TelegramSetupError(
            "WARTA_TELEGRAM_TOKEN is not set; get a bot token from @BotFather and set it."
        )
    return settings.telegram_token.get_secret_value()


def build_application(state: BotState) -> App:
    """Build the python-telegram-bot application with Warta's handlers and rate limiter."""
    settings = state.settings
    application = (
        ApplicationBuilder()
        .token(bot_token(settings))
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
        # Answers wait in our own queue; updates must not wait behind each other.
        .concurrent_updates(True)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init(settings))
        .build()
    )
    register(application, state)
    return application


def _post_init(settings: Settings) -> Callable[[App], Coroutine[Any, Any, None]]:
    """Return the start-up step that publishes the command menus and descriptions."""

    async def publish(application: App) -> None:
        await menus.publish(application.bot, settings.admin_ids)

    return publish


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Return the arguments of ``Updater.start_webhook`` for the configured webhook."""
    url = settings.webhook_url
    if url is None:
        raise TelegramSetupError("WARTA_WEBHOOK_URL must be set in webhook mode.")
    secret = settings.webhook_secret
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        # The proxy in front forwards the public path unchanged.
        "url_path": urlsplit(url).path.strip("/"),
        "webhook_url": url,
        "secret_token": secret.get_secret_value() if secret is not None else None,
        "allowed_updates": list(ALLOWED_UPDATES),
    }


async def run(application: App, state: BotState, *, stop: asyncio.Event) -> None:
    """Run the bot (polling or webhook, as configured) until ``stop`` is set."""
    settings = state.settings
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    try:
        await application.initialize()
    except InvalidToken as exc:
        raise TelegramSetupError(
            "Telegram rejected the bot token; check WARTA_TELEGRAM_TOKEN."
        ) from exc
    except NetworkError as exc:
        reason = SecretMask([token]).mask(str(exc))
        raise TelegramSetupError(
            f"Cannot reach the Telegram Bot API at {settings.telegram_base_url} ({reason})."
        ) from exc
    except (TelegramError, TypeError, KeyError, ValueError) as exc:
        # A garbage body or a getMe result without the fields of a user.
        reason = SecretMask([token]).mask(str(exc) or type(exc).__name__)
        raise TelegramSetupError(
            f"The Telegram Bot API at {settings.telegram_base_url} gave an unusable answer "
            f"to getMe ({reason})."
        ) from exc
    updater = application.updater
    assert updater is not None  # ApplicationBuilder always makes one
    try:
        if application.post_init is not None:
            # run_polling/run_webhook would call it; this runner owns the lifecycle instead.
            await application.post_init(application)
        if settings.mode == "webhook":
            await updater.start_webhook(**webhook_options(settings))
        else:
            await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        await application.start()
        snap = state.index.snapshot
        log.info(
            "serving @%s in %s mode: %d articles, %d chunks, model %s",
            application.bot.username,
            settings.mode,
            len(snap.articles),
            snap.n_chunks,
            state.model_name,
        )
        await stop.wait()
        log.info("stopping")
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


def serve(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM (``warta serve``)."""
    bot_token(settings)  # fail before the slow loading, not after
    if settings.mode == "webhook" and settings.webhook_secret is None:
        # Without a configured secret, a random one still lets only Telegram post updates.
        settings = settings.model_copy(
            update={"webhook_secret": SecretStr(secrets.token_urlsafe(32))}
        )
    configure_logging(settings)
    logging.getLogger("telegram.request.BaseRequest").addFilter(_without_traceback)
    state = load_state(settings)
    application = build_application(state)
    asyncio.run(_serve(application, state))


def _without_traceback(record: logging.LogRecord) -> bool:
    """Log PTB's "invalid JSON data" as one line: the error is handled where it surfaces."""
    if record.exc_info:
        record.exc_info = None
        record.exc_text = None
        if isinstance(record.args, tuple):  # the whole body PTB could not parse: keep its start
            record.args = tuple(str(arg)[:200] for arg in record.args)
    return True


async def _serve(application: App, state: BotState) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run(application, state, stop=stop)
