"""``warta serve`` run as a user would: a subprocess, configured by environment variables."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from pathlib import Path

import pytest

from tests.fakebotapi import FakeBotAPI
from tests.llm_server import LlmServer
from tests.telegram_harness import SEED_QUESTION, SEEDS, is_final, serve_env

WARTA = Path(sys.executable).parent / "warta"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["in-process", "server"])
async def test_warta_serve_answers_with_the_real_model_and_stops_cleanly(
    tmp_path: Path, default_model: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    log_path = tmp_path / "serve.log"
    server: LlmServer | None = None
    if backend == "server":
        server = request.getfixturevalue("model_server")
    async with FakeBotAPI() as api:
        env = serve_env(api, corpus=corpus, data=tmp_path / "data", model=default_model)
        env.update(server.env() if server is not None else {})
        with log_path.open("wb") as log:
            # cwd: an empty directory, so no .env or config/warta.toml is picked up.
            process = await asyncio.create_subprocess_exec(
                str(WARTA), "serve", cwd=tmp_path, env=env, stdout=log, stderr=log
            )
            try:
                await api.wait_for_call("getUpdates", timeout=180)
                chat = api.private_chat(8001, language_code="id")
                api.send_text(chat, chat.user, SEED_QUESTION)
                finals = await api.wait_for(
                    lambda: [m for m in api.messages(chat) if is_final(m)], timeout=180
                )
                answer = finals[-1]
                assert answer.buttons, answer.text
                assert "\n\nSumber\n[1] " in (answer.text or "")
                api.press_button(
                    chat, chat.user, answer.message_id, answer.buttons[0]["callback_data"]
                )
                passage = await api.wait_for(
                    lambda: [
                        m for m in api.messages(chat) if m.reply_to_message_id == answer.message_id
                    ],
                    timeout=30,
                )
                quote = next(e for e in passage[0].entities if e["type"] == "expandable_blockquote")
                seed_text = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
                shown = (passage[0].text or "")[quote["offset"] : quote["offset"] + quote["length"]]
                assert shown in seed_text
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(process.wait(), timeout=60)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output
    assert "serving @warta_test_bot in polling mode" in output
    assert api.token not in output
    assert server is None or server.api_key is None or server.api_key not in output
    assert api.rejected == []
