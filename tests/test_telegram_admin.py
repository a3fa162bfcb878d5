"""End to end: admin commands (/reload, /stats, document uploads) and old source buttons."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path

import pytest

from bot.llm.remote import RemoteConfig, RemoteGenerator
from bot.telegram import texts
from tests.fake_llm import FakeLlmServer, Hang
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import (
    ADMIN_ID,
    SEED_OUTPUT,
    SEED_QUESTION,
    GatedIndex,
    running_bot,
)

TANJUNG = (
    "# Festival Tanjung dibuka\n\n"
    "Festival layang-layang Tanjung dibuka pada hari Jumat oleh wali kota. "
    "Ribuan warga datang ke pantai Tanjung untuk melihat layang-layang raksasa.\n"
)
TANJUNG_QUESTION = "Kapan festival layang-layang Tanjung dibuka?"
TANJUNG_OUTPUT = "Festival layang-layang Tanjung dibuka pada hari Jumat [1]."


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


async def test_reload_shows_progress_and_report_while_questions_are_answered(
    tmp_path: Path,
) -> None:
    async with running_bot(
        tmp_path, outputs=[SEED_OUTPUT, TANJUNG_OUTPUT], index_class=GatedIndex
    ) as bot:
        index = bot.state.index
        assert isinstance(index, GatedIndex)
        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        user = bot.api.private_chat(3001, language_code="id")
        (bot.corpus / "tanjung.md").write_text(TANJUNG, encoding="utf-8")
        index.gate.clear()
        index.entered.clear()
        reload = bot.say(admin, "/reload")
        # The reload thread is inside the build, holding the index's reload lock.
        assert await asyncio.to_thread(index.entered.wait, 10)
        assert index.reloading
        await bot.reply_with(admin, reload, "🔄 Reloading the corpus… 1/2 files")

        # While the reload thread runs, questions are answered and a second reload refused.
        answer = await bot.ask(user, SEED_QUESTION)
        assert answer.buttons
        again = bot.say(admin, "/reload")
        assert await bot.reply_text(admin, again) == texts.text("reload_running", "en")

        index.gate.set()

        text = await bot.reply_with(admin, reload, "✅")
        assert len(bot.replies(admin, reload)) == 1  # the progress message became the report
        lines = text.splitlines()
        assert lines[0] == "✅ Reload finished."
        assert lines[1].startswith("1 added, 0 updated, 0 removed, 0 skipped; 2 articles, ")
        assert lines[2:] == ["  added: tanjung.md"]
        assert (await bot.ask(user, TANJUNG_QUESTION)).buttons
        assert bot.state.last_reload is not None and bot.state.last_reload.report is not None


async def test_admin_commands_are_refused_and_logged_for_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telegram")
    async with running_bot(tmp_path) as bot:
        mallory = bot.api.private_chat(3002, language_code="en")
        for command in ("/reload", "/stats"):
            asked = bot.say(mallory, command)
            assert await bot.reply_text(mallory, asked) == texts.text("admin_only", "en")
        upload = bot.message_id(bot.api.send_document(mallory, mallory.user, "x.txt", b"Hi\nthere"))
        assert await bot.reply_text(mallory, upload) == texts.text("admin_only", "en")
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert refusals == [
        "refused /reload for non-admin user 3002 in chat 3002",
        "refused /stats for non-admin user 3002 in chat 3002",
        "refused a document upload for non-admin user 3002 in chat 3002",
    ]
    assert sorted(p.name for p in bot.corpus.iterdir()) == ["000_76514cd01a3de205.txt"]


async def test_a_failed_reload_says_why_and_the_old_index_keeps_serving(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT]) as bot:
        admin = bot.api.private_chat(ADMIN_ID, language_code="id")
        # The index directory turns into a file: the reload cannot write its next generation.
        directory = bot.state.index.directory
        shutil.rmtree(directory)
        directory.write_text("not a directory", encoding="utf-8")
        reload = bot.say(admin, "/reload")
        text = await bot.reply_with(admin, reload, "❌")
        why = f"cannot write the index in {directory} (File exists); reloads are not saved"
        assert text == f"❌ Pemuatan ulang gagal: {why}\nIndeks sebelumnya tetap dipakai."
        assert (await bot.ask(admin, SEED_QUESTION)).buttons
        stats = await bot.reply_text(admin, bot.say(admin, "/stats"))
        assert f"gagal: {why}" in stats


async def test_an_uploaded_document_is_validated_saved_and_indexed(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[TANJUNG_OUTPUT]) as bot:
        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        data = TANJUNG.encode()
        sent = bot.message_id(bot.api.send_document(admin, admin.user, "tanjung.md", data))
        text = await bot.reply_with(admin, sent, "✅")
        assert text.splitlines()[0] == "✅ tanjung.md added (1 articles) and indexed."
        assert "  added: tanjung.md" in text.splitlines()
        assert (bot.corpus / "tanjung.md").read_bytes() == data
        assert [p.name for p in bot.corpus.iterdir() if p.name.startswith(".")] == []
        answer = await bot.ask(admin, TANJUNG_QUESTION)
        assert answer.text.startswith("Pada Jumat [1].")

        changed = data + b"Acara berlangsung tiga hari.\n"
        again = bot.message_id(bot.api.send_document(admin, admin.user, "tanjung.md", changed))
        text = await bot.reply_with(admin, again, "✅")
        assert text.splitlines()[0] == (
            "✅ tanjung.md updated (replaced the earlier file) (1 articles) and indexed."
        )
        assert "  updated: tanjung.md" in text.splitlines()
        assert (bot.corpus / "tanjung.md").read_bytes() == changed


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.json", b'{"id": 1, "text": ', "malformed JSON: Expecting value (line 1)"),
        ("empty.txt", b"  \n", "empty file"),
        ("binary.txt", b"\x00\x01\x02", "binary file (contains NUL bytes)"),
        ("../escape.txt", b"Hello\nworld", "the file name must be a plain name"),
        (".hidden.txt", b"Hello\nworld", "the file name must be a plain name"),
        (
            "report.xls",
            b"\xd0\xcf\x11\xe0",
            "only .docx, .htm, .html, .json, .jsonl, .md, .pdf, .txt files can be added",
        ),
        ("report.pdf", b"%PDF-1.4", "not a readable PDF: "),
    ],
)
async def test_a_bad_document_is_refused_with_the_reason_and_nothing_is_written(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    async with running_bot(tmp_path) as bot:
        before = sorted(p.name for p in bot.corpus.iterdir())
        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        sent = bot.message_id(bot.api.send_document(admin, admin.user, name, content))
        text = await bot.reply_text(admin, sent)
        assert text.startswith(f"❌ I did not add {name}: {reason}")
        assert text.endswith(". Nothing was written.")
        assert sorted(p.name for p in bot.corpus.iterdir()) == before
        assert not (tmp_path / "escape.txt").exists()


async def test_stats_report_corpus_model_and_answers(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT]) as bot:
        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        await bot.ask(admin, SEED_QUESTION)
        text = await bot.reply_text(admin, bot.say(admin, "/stats"))
        lines = text.splitlines()
        assert lines[0] == "Warta statistics"
        assert lines[1] == f"Articles: 1 · chunks: {bot.state.index.snapshot.n_chunks}"
        assert lines[2].startswith("Last reload: ") and "1 added, 0 updated" in lines[2]
        assert lines[3] == "Model: fake"
        assert lines[4].startswith("Uptime: ")
        assert lines[5].startswith("Questions answered: 1 · p50 latency: ")
        assert lines[6] == "Queue: 0 answering, 0 waiting"
        assert lines[7] == "Feedback: 👍 0 · 👎 0 · 0 notes"


async def test_old_source_buttons_survive_restarts_until_the_article_is_gone(
    tmp_path: Path,
) -> None:
    long_id = "https://news.example.com/2024/02/01/a-very-long-article-identifier-beyond-64-bytes"
    article = {"id": long_id, "title": "Festival", "text": TANJUNG.split("\n\n", 1)[1]}
    articles = {"long.json": json.dumps(article)}
    async with FakeBotAPI() as api:
        async with running_bot(
            tmp_path, outputs=[TANJUNG_OUTPUT], articles=articles, api=api
        ) as bot:
            chat = api.private_chat(3003, language_code="id")
            answer = await bot.ask(chat, TANJUNG_QUESTION)
            data = answer.buttons[0]["callback_data"]
            assert len(data.encode()) <= 64 and long_id not in data

        # A new process on the same data directory: the old button still shows its passage.
        async with running_bot(tmp_path, api=api) as bot:
            api.press_button(chat, chat.user, answer.message_id, data)
            passage = await api.wait_for(lambda: bot.replies(chat, answer.message_id))
            assert passage[0].text == (
                "Festival\nFestival layang-layang Tanjung dibuka pada hari Jumat oleh wali kota."
            )
            (bot.corpus / "long.json").unlink()
            admin = api.private_chat(ADMIN_ID, language_code="en")
            await bot.reply_with(admin, bot.say(admin, "/reload"), "✅")
            api.press_button(chat, chat.user, answer.message_id, data)
            gone = await api.wait_for(lambda: api.callback_answers[1:])
            assert gone[0].text == texts.text("source_gone", "id")
            assert gone[0].show_alert


async def test_stats_say_when_the_model_server_is_unavailable(tmp_path: Path) -> None:
    with FakeLlmServer() as fake:
        config = RemoteConfig(url=fake.url, model="tamu-7b", recovery_s=15)
        generator = RemoteGenerator(config)
        async with running_bot(tmp_path, generator=generator, llm_recovery_s=15) as bot:
            admin = bot.api.private_chat(ADMIN_ID, language_code="en")
            generator.health.failed("the model server at x cannot be reached")
            since = generator.health.report().since
            assert since is not None

            down = (await bot.reply_text(admin, bot.say(admin, "/stats"))).splitlines()[3]
            generator.health.succeeded()
            up = (await bot.reply_text(admin, bot.say(admin, "/stats"))).splitlines()[3]

    assert down == (
        f"Model: tamu-7b — unavailable since {since:%Y-%m-%d %H:%M:%S} UTC (the model server at "
        "x cannot be reached); answers come from the sources until it is back (tried again "
        "every 15 s)"
    )
    assert up == "Model: tamu-7b"


async def test_a_hanging_model_server_shows_in_stats_and_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeLlmServer(Hang()) as fake:
        config = RemoteConfig(url=fake.url, model="tamu-7b", read_timeout_s=0.3, recovery_s=60)
        generator = RemoteGenerator(config)
        async with running_bot(tmp_path, generator=generator, llm_recovery_s=60) as bot:
            chat = bot.api.private_chat(3101, language_code="id")
            asked = bot.say(chat, SEED_QUESTION)
            await bot.reply_text(chat, asked)  # an answer from the sources, or an apology
            await bot.api.wait_for(lambda: not generator.health.available)
            admin = bot.api.private_chat(ADMIN_ID, language_code="en")
            model_line = (await bot.reply_text(admin, bot.say(admin, "/stats"))).splitlines()[3]

    reason = f"the model server at {fake.url} sent nothing for 0.3 s (WARTA_LLM_READ_TIMEOUT_S)"
    assert model_line.startswith("Model: tamu-7b — unavailable since ")
    assert f"({reason}); answers come from the sources" in model_line
    assert f"model unavailable: {reason}; answering from the sources" in caplog.text
    assert len(fake.completions()) == 1
