"""End to end: command menus, descriptions, the group welcome, forum topics, reactions and
inline mode, through the real application and the fake Bot API."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.telegram import texts
from tests.fakebotapi import parse_html
from tests.telegram_harness import (
    ADMIN_ID,
    SEED_ANSWER,
    SEED_OUTPUT,
    SEED_QUESTION,
    GatedGenerator,
    running_bot,
)


def names(commands: list[dict[str, str]]) -> list[str]:
    return [c["command"] for c in commands]


async def test_menus_are_scoped_to_admins_and_described_in_both_languages(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, admin_ids=[ADMIN_ID, 77]) as bot:
        api = bot.api
        for lang in ("", "id"):
            assert names(api.commands(language_code=lang)) == ["ask", "help", "new"]
            for admin in (ADMIN_ID, 77):
                scope = {"type": "chat", "chat_id": admin}
                assert names(api.commands(scope=scope, language_code=lang)) == [
                    "ask", "help", "new", "reload", "stats", "feed", "add",
                ]  # fmt: skip
        assert api.commands(language_code="id")[0]["description"] == (
            "Tanyakan sesuatu tentang berita"
        )
        assert api.commands()[0]["description"] == "Ask a question about the news"
        assert api.description().startswith("Warta answers questions about the news")
        assert api.description("id").startswith("Warta menjawab pertanyaan tentang berita")
        assert api.description(short=True) == texts.plain("short_description", "en")
        assert api.description("id", short=True) == texts.plain("short_description", "id")
    assert api.rejected == []


async def test_refused_cosmetic_calls_are_warnings_and_the_bot_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fakebotapi import FakeBotAPI

    caplog.set_level(logging.WARNING)
    async with FakeBotAPI() as api:
        for method in ("setMyCommands", "setMyDescription", "setMyShortDescription"):
            api.inject_error(method, count=10)
        api.inject_error("setMessageReaction", description="Bad Request: REACTION_INVALID")
        async with running_bot(tmp_path, outputs=[SEED_OUTPUT], api=api) as bot:
            chat = api.private_chat(1001, language_code="id")
            answer = await bot.ask(chat, SEED_QUESTION)
            assert answer.text is not None and answer.text.startswith(SEED_ANSWER)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("could not set the command menu" in w for w in warnings)
    assert any("could not set the description" in w for w in warnings)
    assert any("could not set reaction 👀" in w for w in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_bot_says_how_to_ask_when_added_to_a_group_and_only_then(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as bot:
        api = bot.api
        group = api.group_chat(-700, "Redaksi")
        ana = api.user(21, first_name="Ana", language_code="id")
        api.add_bot(group, ana)
        welcome = await api.wait_for(lambda: api.messages(group))
        assert welcome[0].text is not None
        assert welcome[0].text.startswith("👋 Halo! Saya Warta")
        assert "@warta_test_bot pertanyaan Anda" in welcome[0].text
        assert "/ask pertanyaan Anda" in welcome[0].text
        # Removed, then added back as an admin by an English speaker: one new welcome.
        api.remove_bot(group, ana)
        api.add_bot(group, api.user(22, language_code="en"), status="administrator")
        both = await api.wait_for(lambda: api.messages(group)[1:] and api.messages(group))
        assert both[1].text is not None and both[1].text.startswith("👋 Hello! I am Warta")
        # A promotion of a bot that is already there says nothing.
        api.bot_status(group, ana, old="member", new="administrator")
        await bot.reply_text(api.private_chat(5), bot.say(api.private_chat(5), "/help"))
    assert len(api.messages(group)) == 2
    assert api.rejected == []


async def test_answers_in_a_forum_topic_stay_in_that_topic(tmp_path: Path) -> None:
    model = GatedGenerator()
    model.gate.clear()
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT], generator=model) as bot:
        api = bot.api
        forum = api.group_chat(-1009, "Newsroom", forum=True)
        ana = api.user(31, language_code="id")
        asked = bot.say(forum, f"/ask {SEED_QUESTION}", user=ana, thread_id=7)
        await model.started()
        api.delete(forum, asked)  # the asker deletes the question while it is answered
        model.gate.set()
        [answer] = await api.wait_for(lambda: [m for m in api.messages(forum) if m.buttons])
        assert answer.message_thread_id == 7
        typing = api.calls_to("sendChatAction")
        assert typing and all(c.params.get("message_thread_id") == 7 for c in typing)
    # Taking 👀 off the deleted question fails, as a warning only.
    assert [r.description for r in api.rejected] == ["Bad Request: message to react not found"]


async def test_inline_query_offers_the_quoted_source_without_the_model(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:  # no model output queued: none may be asked
        api = bot.api
        ana = api.user(41, language_code="id")
        api.inline_query(ana, SEED_QUESTION)
        [answered] = await api.wait_for(lambda: api.inline_answers)
        [result] = answered.results
        assert result["type"] == "article"
        assert result["title"] == SEED_QUESTION
        content = result["input_message_content"]
        text, _ = parse_html(content["message_text"])
        assert text.startswith(f"{SEED_QUESTION}\n\nMenurut sumber: “Bisnis.com, JAKARTA - ")
        assert "kereta api lapis baja" in text
        assert text.endswith("Sumber\n[1] Bisnis.com · 2023-09-11")
        assert answered.button == {"text": "Tanya saya di chat pribadi", "start_parameter": "ask"}

        # Too short to search (still typing), and a question the corpus cannot answer.
        api.inline_query(ana, "Ki")
        api.inline_query(ana, "Siapa juara Piala Dunia sepak bola wanita 2019?")
        answers = await api.wait_for(lambda: api.inline_answers[2:] and api.inline_answers)
        assert [a.results for a in answers[1:]] == [(), ()]
    assert bot.generator.history == []
    assert api.rejected == []


async def test_inline_queries_from_outside_the_allow_list_get_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path, allowed_ids=[1]) as bot:
        api = bot.api
        api.inline_query(api.user(99), SEED_QUESTION)
        [answered] = await api.wait_for(lambda: api.inline_answers)
        assert answered.results == ()
        assert answered.is_personal
    assert api.rejected == []


async def test_inline_query_reuses_the_answer_the_bot_already_generated(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT], answer_cache_size=8) as bot:
        api = bot.api
        chat = api.private_chat(51, language_code="id")
        await bot.ask(chat, SEED_QUESTION)
        api.inline_query(chat.user, SEED_QUESTION)
        [answered] = await api.wait_for(lambda: api.inline_answers)
        text, entities = parse_html(answered.results[0]["input_message_content"]["message_text"])
        assert text.startswith(f"{SEED_QUESTION}\n\n{SEED_ANSWER}\n\nSumber\n[1] Bisnis.com")
        # The generated answer's quote was not in its text: it comes as an expandable quote.
        assert entities[-1]["type"] == "expandable_blockquote"
    assert len(bot.generator.history) == 1
    assert api.rejected == []
