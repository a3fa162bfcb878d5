"""The fake Bot API's newer methods keep Telegram's limits (drafts, reactions, inline, ...)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    ReactionTypeEmoji,
)
from telegram.error import BadRequest, InvalidToken

from tests.fakebotapi import DEFAULT_TOKEN, FakeBotAPI


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as client:
        yield client


def article(n: int, text: str = "<b>jawaban</b>") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(str(n), f"hasil {n}", InputTextMessageContent(text, "HTML"))


async def test_drafts_go_to_private_chats_only_and_vanish_on_old_servers(
    bot: Bot, api: FakeBotAPI
) -> None:
    chat = api.private_chat(1)
    group = api.group_chat(-2, "Grup")
    assert await bot.send_message_draft(chat.id, 5, "Kim <i>berangkat</i> …", parse_mode="HTML")
    assert [(d.draft_id, d.text) for d in api.drafts] == [(5, "Kim berangkat …")]
    assert api.messages(chat) == []  # a draft is not a message
    with pytest.raises(BadRequest, match="Textdraft_peer_invalid"):
        await bot.send_message_draft(group.id, 5, "x")
    with pytest.raises(BadRequest, match="non-zero"):
        await bot.send_message_draft(chat.id, 0, "x")
    api.drop_drafts()
    with pytest.raises(InvalidToken):  # PTB's reading of an unknown method's 404
        await bot.send_message_draft(chat.id, 6, "x")


async def test_reactions_are_one_allowed_emoji_on_an_existing_message(
    bot: Bot, api: FakeBotAPI
) -> None:
    chat = api.private_chat(1)
    api.send_text(chat, chat.user, "pertanyaan")
    assert await bot.set_message_reaction(chat.id, 1, "👀")
    assert api.reaction(chat, 1) == ["👀"]
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(chat.id, 1, "🦖")
    with pytest.raises(BadRequest, match="Reactions_too_many"):
        await bot.set_message_reaction(chat.id, 1, [ReactionTypeEmoji("👍"), "👎"])
    with pytest.raises(BadRequest, match="Message to react not found"):
        await bot.set_message_reaction(chat.id, 99, "👍")
    assert await bot.set_message_reaction(chat.id, 1)
    assert api.reaction(chat, 1) == []


async def test_inline_answers_are_checked_like_telegram(bot: Bot, api: FakeBotAPI) -> None:
    user = api.user(7)
    query = str(api.inline_query(user, "kim"))
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(query, [article(n) for n in range(51)])
    with pytest.raises(BadRequest, match="Result_id_duplicate"):
        await bot.answer_inline_query(query, [article(1), article(1)])
    with pytest.raises(BadRequest, match="Result_id_invalid"):
        await bot.answer_inline_query(query, [article(int("9" * 65))])
    with pytest.raises(BadRequest, match="Message_text_invalid"):
        await bot.answer_inline_query(query, [article(1, "<b>unclosed")])
    with pytest.raises(BadRequest, match="Start_param_invalid"):
        button = InlineQueryResultsButton("Tanya", start_parameter="not ok!")
        await bot.answer_inline_query(query, [], button=button)
    assert api.inline_answers == []
    assert await bot.answer_inline_query(query, [article(1)], cache_time=60)
    assert [r["id"] for r in api.inline_answers[0].results] == ["1"]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(query, [])


async def test_descriptions_are_kept_per_language_within_their_limits(
    bot: Bot, api: FakeBotAPI
) -> None:
    assert await bot.set_my_description("Menjawab berita", language_code="id")
    assert await bot.set_my_short_description("News answers")
    assert (await bot.get_my_description(language_code="id")).description == "Menjawab berita"
    assert api.description(short=True) == "News answers"
    with pytest.raises(BadRequest, match="Description_invalid"):
        await bot.set_my_description("x" * 513)
    with pytest.raises(BadRequest, match="Short_description_invalid"):
        await bot.set_my_short_description("x" * 121)
    with pytest.raises(BadRequest, match="Lang_code_invalid"):
        await bot.set_my_description("x", language_code="indonesian")
