"""End to end: webhook mode, where Telegram posts updates with a secret token header."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.telegram_harness import SEED_OUTPUT, SEED_QUESTION, running_bot

SECRET = "s3cret-token_for-warta"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_accepts_only_updates_with_the_secret_token(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hooks/warta"
    async with running_bot(
        tmp_path,
        outputs=[SEED_OUTPUT],
        mode="webhook",
        webhook_url=url,
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    ) as bot:
        webhook = bot.api.webhook
        assert webhook is not None
        assert (webhook.url, webhook.secret_token) == (url, SECRET)
        assert webhook.allowed_updates == (
            "message",
            "edited_message",
            "callback_query",
            "inline_query",
            "my_chat_member",
        )
        assert bot.api.calls_to("getUpdates") == []

        chat = bot.api.private_chat(7001, language_code="id")
        forged = bot.say(chat, SEED_QUESTION)
        assert await bot.api.deliver_webhook(secret="wrong-secret") == 403
        assert await bot.api.deliver_webhook(omit_secret=True) == 403
        assert [u["message"]["message_id"] for u in bot.api.pending_updates] == [forged]

        assert await bot.api.deliver_webhook() == 200
        answer = await bot.answer(chat, forged)
        assert answer.buttons
    assert bot.api.pending_updates == []
    assert len(bot.generator.history) == 1
    assert [m.message_id for m in bot.api.messages(chat)] == [answer.message_id]
