"""Issue 11 item 15: the bot survives a failing Telegram (5xx, dropped connections, garbage)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import TelegramSetupError
from bot.telegram import texts
from tests.builders import env_without_warta
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import (
    ADMIN_ID,
    SEED_OUTPUT,
    SEED_QUESTION,
    GatedGenerator,
    running_bot,
)

REPO = Path(__file__).resolve().parent.parent

Fault = Callable[[FakeBotAPI, str], None]
FAULTS: dict[str, Fault] = {
    "502": lambda api, m: api.inject_error(m, status=502, description="Bad Gateway", count=9),
    "500": lambda api, m: api.inject_error(
        m, status=500, description="Internal Server Error", count=9
    ),
    "disconnect": lambda api, m: api.inject_disconnect(m, count=9),
    "garbage": lambda api, m: api.inject_response(m, b"<html>oops</html>", count=9),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_failing_command_menu_does_not_stop_the_bot(
    fault: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telegram.menus")
    async with FakeBotAPI() as api:
        FAULTS[fault](api, "setMyCommands")
        async with running_bot(tmp_path, outputs=[SEED_OUTPUT], api=api) as bot:
            chat = api.private_chat(2001, language_code="id")
            assert (await bot.ask(chat, SEED_QUESTION)).buttons
        # Everyone's menu and the admin's, in Indonesian and in English.
        assert len(api.calls_to("setMyCommands")) == 4
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.menus"]
    assert [w.split(":")[0] for w in warnings] == [
        "could not set the command menu",
        f"could not set the admin menu of {ADMIN_ID}",
    ] * 2


async def test_failing_chat_actions_and_in_line_notes_never_cost_an_answer(
    tmp_path: Path,
) -> None:
    model = GatedGenerator()
    model.gate.clear()
    async with FakeBotAPI() as api:
        async with running_bot(
            tmp_path, outputs=[SEED_OUTPUT] * 2, generator=model, api=api
        ) as bot:
            first, second = (api.private_chat(2100 + i, language_code="id") for i in range(2))
            asked = bot.say(first, SEED_QUESTION)
            await model.started()
            api.inject_error("sendChatAction", status=500, description="Internal", count=99)
            api.inject_error("sendMessage", status=502, description="Bad Gateway")
            waiting = bot.say(second, SEED_QUESTION)
            await api.wait_for(lambda: api.rejected)  # the "2nd in line" note failed
            model.gate.set()
            assert (await bot.answer(first, asked)).buttons
            answer = await bot.answer(second, waiting)
            assert answer.buttons and answer.text != texts.text("queued", "id", place="ke-1")
        assert [r.method for r in api.rejected if r.method == "sendMessage"] == ["sendMessage"]


async def test_an_unusable_get_me_is_one_setup_error(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        api.inject_response("getMe", b'{"ok": true, "result": {}}')
        with pytest.raises(TelegramSetupError) as info:
            async with running_bot(tmp_path, api=api):
                pass
        assert str(info.value).startswith(
            f"The Telegram Bot API at {api.base_url} gave an unusable answer to getMe ("
        )
        api.inject_response("getMe", b"<html>502 Bad Gateway</html>")
        with pytest.raises(TelegramSetupError) as info:
            async with running_bot(tmp_path, api=api):
                pass
        assert str(info.value) == (
            f"The Telegram Bot API at {api.base_url} gave an unusable answer to getMe "
            "(Invalid server response)."
        )


def test_a_closed_output_pipe_is_one_line(tmp_path: Path, seed_corpus: Path) -> None:
    read, write = os.pipe()
    env = {**env_without_warta(os.environ), "PYTHONPATH": str(REPO)}
    env["WARTA_DATA_DIR"] = str(tmp_path / "data")
    env["WARTA_CORPUS_DIR"] = str(seed_corpus)
    os.close(read)  # `| head` that has already left: every write meets a closed pipe
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "index"],
            cwd=REPO,
            env=env,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (
        1,
        "warta: the output was closed before everything was written\n",
    )
