"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the bot.

Point a real python-telegram-bot ``Bot`` or ``Application`` at ``api.base_url`` and
``api.base_file_url``; push what users do with ``send_text``, ``press_button``, ...; observe
what the bot did through ``calls``, ``messages()`` and ``wait_for``. The fake enforces the
Telegram rules bots trip over (HTML parsing, text length, "message is not modified", button
data) with Telegram's status codes and descriptions, so tests catch what Telegram rejects::

    async with FakeBotAPI() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url)...build()
        async with running_application(app):  # calls post_init, unlike a bare app.start()
            alice = api.private_chat(1001, first_name="Alice")
            api.send_text(alice, alice.user, "/start")
            replies = await api.wait_for(lambda: api.messages(alice))
"""

from tests.fakebotapi._html import parse_html, utf16_len
from tests.fakebotapi._ptb import running_application
from tests.fakebotapi._server import DEFAULT_TOKEN, FakeBotAPI
from tests.fakebotapi._types import (
    ApiError,
    BotMessage,
    Call,
    CallbackAnswer,
    Draft,
    FakeChat,
    FakeUser,
    InlineAnswer,
    Rejection,
    StoredFile,
    Upload,
    Webhook,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "Draft",
    "FakeBotAPI",
    "FakeChat",
    "FakeUser",
    "InlineAnswer",
    "Rejection",
    "StoredFile",
    "Upload",
    "Webhook",
    "parse_html",
    "running_application",
    "utf16_len",
]
