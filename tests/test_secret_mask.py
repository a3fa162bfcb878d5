"""Secrets never reach a log line or an error line: any letter case, URL form, every secret."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings, secret_values
from bot.telegram.logs import MASK, SecretMask, install_mask
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import SEEDS, serve_env

TOKEN = "123456:AAEsecretTokenValue-0123456789abcd"
API_KEY = "sk-LocalLlmKey0123456789"
WARTA = Path(sys.executable).with_name("warta")


@pytest.mark.parametrize(
    "text",
    [
        f"request to https://api.telegram.org/bot{TOKEN}/getMe failed",
        f"Not found: /bot{TOKEN.lower()}/getme",
        f"NOT FOUND: /BOT{TOKEN.upper()}/GETME",
        "proxy echoed /bot123456%3aaaesecrettokenvalue-0123456789abcd/getme",
        "the key half alone: AAEsecretTokenValue-0123456789abcd",
        f"Authorization: Bearer {API_KEY.lower()}",
    ],
)
def test_every_form_of_every_secret_is_masked(text: str) -> None:
    masked = SecretMask([TOKEN, API_KEY, ""]).mask(text)
    assert MASK in masked
    assert "secrettokenvalue" not in masked.lower()
    assert "llmkey" not in masked.lower()


def test_text_without_secrets_is_unchanged() -> None:
    text = "Harga beras naik. AAE bukan token; 123456 juga bukan."
    assert SecretMask([TOKEN]).mask(text) == text
    assert SecretMask([]).mask(text) == text


def test_every_secret_setting_is_masked(tmp_path: Path) -> None:
    settings = Settings(
        telegram_token=TOKEN,  # type: ignore[arg-type]
        webhook_secret="hook_secret-123",  # type: ignore[arg-type]
        corpus_dir=[SEEDS],
        data_dir=tmp_path,
    )
    assert sorted(secret_values(settings)) == sorted([TOKEN, "hook_secret-123"])
    with_key = settings.model_copy(update={"llm_api_key": SecretStr(API_KEY)})
    assert sorted(secret_values(with_key)) == sorted([TOKEN, "hook_secret-123", API_KEY])
    assert secret_values(Settings(corpus_dir=[SEEDS], data_dir=tmp_path)) == []


def test_log_records_are_masked_in_any_case(caplog: pytest.LogCaptureFixture) -> None:
    undo = install_mask([TOKEN])
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("telegram.ext").warning("bad request: %s", f"/bot{TOKEN}".lower())
    finally:
        undo()
    assert caplog.messages == [f"bad request: /bot{MASK}"]


@pytest.mark.slow
async def test_warta_serve_masks_a_lowercased_token_echoed_by_the_api(
    tmp_path: Path, default_model: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    async with FakeBotAPI() as api:
        # PTB capitalises an "Error: …" description: everything after its first letter is
        # lowercased, the token in the echoed path too.
        api.inject_error("getMe", description=f"Error: proxy cannot route /bot{api.token}/getMe")
        env = serve_env(api, corpus=corpus, data=tmp_path / "data", model=default_model)
        process = await asyncio.create_subprocess_exec(
            str(WARTA),
            "serve",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=300)
    output = (out + err).decode("utf-8", errors="replace")
    assert process.returncode == 1, output
    assert err.decode().splitlines()[-1] == (
        f"warta: Cannot reach the Telegram Bot API at {api.base_url} "
        f"(Proxy cannot route /bot{MASK}/getme)."
    )
    assert api.token.split(":")[1].lower() not in output.lower()
