"""End to end: follow-up questions read with the previous turn, through the real bot."""

from __future__ import annotations

from pathlib import Path

from bot.telegram import texts
from tests.telegram_harness import SEED_OUTPUT, SEED_QUESTION, running_bot

FOLLOW_UP = "Dia akan bertemu siapa?"
FOLLOW_OUTPUT = "Dia akan bertemu Presiden Vladimir Putin [1]."
REFERENT = f"{FOLLOW_UP} (Kim Jong-un, Rusia)"


async def test_a_private_follow_up_is_read_after_the_last_question_until_new(
    tmp_path: Path,
) -> None:
    outputs = [SEED_OUTPUT, FOLLOW_OUTPUT, FOLLOW_OUTPUT]
    async with running_bot(tmp_path, outputs=outputs) as bot:
        chat = bot.api.private_chat(601, language_code="id")
        await bot.ask(chat, SEED_QUESTION)
        answer = await bot.ask(chat, FOLLOW_UP)
        assert answer.text is not None and "Putin [1]." in answer.text.split("\n")[0]
        # The model was told who "dia" is; the asker sees their own words.
        assert REFERENT in bot.generator.history[1].user
        assert await bot.reply_text(chat, bot.say(chat, "/new")) == texts.text("new_topic", "id")
        await bot.ask(chat, FOLLOW_UP)
        assert FOLLOW_UP in bot.generator.history[2].user
        assert REFERENT not in bot.generator.history[2].user
    assert bot.api.rejected == []


async def test_in_groups_only_a_reply_to_an_answer_is_a_follow_up(tmp_path: Path) -> None:
    outputs = [SEED_OUTPUT, FOLLOW_OUTPUT, FOLLOW_OUTPUT]
    async with running_bot(tmp_path, outputs=outputs) as bot:
        group = bot.api.group_chat(-800, "Redaksi")
        ana = bot.api.user(61, language_code="id")
        first = await bot.ask(group, f"/ask {SEED_QUESTION}", user=ana)
        await bot.ask(group, f"/ask {FOLLOW_UP}", user=ana)
        assert REFERENT not in bot.generator.history[1].user
        replied = bot.say(group, FOLLOW_UP, user=ana, reply_to_message_id=first.message_id)
        await bot.answer(group, replied)
        assert REFERENT in bot.generator.history[2].user
    assert bot.api.rejected == []


async def test_without_a_window_only_replies_carry_context(tmp_path: Path) -> None:
    outputs = [SEED_OUTPUT, FOLLOW_OUTPUT, FOLLOW_OUTPUT]
    async with running_bot(tmp_path, outputs=outputs, followup_window_s=0) as bot:
        chat = bot.api.private_chat(602, language_code="id")
        first = await bot.ask(chat, SEED_QUESTION)
        await bot.ask(chat, FOLLOW_UP)
        assert REFERENT not in bot.generator.history[1].user
        replied = bot.say(chat, FOLLOW_UP, reply_to_message_id=first.message_id)
        await bot.answer(chat, replied)
        assert REFERENT in bot.generator.history[2].user
    assert bot.api.rejected == []
