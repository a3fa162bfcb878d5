"""End to end: 👍/👎 under answers, the "what was wrong?" note, /stats, restarts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.feedback import FEEDBACK_DB, Counts
from bot.telegram import texts
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import ADMIN_ID, SEED_ANSWER, SEED_OUTPUT, SEED_QUESTION, running_bot

WRONG = "Kim Jong-un berangkat ke Rusia dengan pesawat [1]."


def feedback_buttons(buttons: list[dict[str, str]]) -> dict[str, str]:
    """Return the callback data of the 👍 and 👎 buttons by their emoji."""
    return {b["text"]: b["callback_data"] for b in buttons if b["text"] in ("👍", "👎")}


async def test_a_thumbs_down_asks_what_was_wrong_and_stores_only_the_voters_reply(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT]) as bot:
        group = bot.api.group_chat(-100, "Redaksi")
        alice = bot.api.user(11, first_name="Alice", language_code="id")
        bob = bot.api.user(12, first_name="Bob", language_code="id")
        answer = await bot.ask(group, f"/ask {SEED_QUESTION}", user=alice)
        votes = feedback_buttons(answer.buttons)
        assert set(votes) == {"👍", "👎"}

        bot.api.press_button(group, alice, answer.message_id, votes["👎"])
        why = await bot.reply_with(group, answer.message_id, "apa yang salah")
        assert why.startswith("Alice, apa yang salah dengan jawaban ini?")
        assert bot.api.callback_answers[0].text == texts.text("feedback_thanks", "id")
        prompt = next(m for m in bot.replies(group, answer.message_id) if m.text == why)
        sent = bot.api.calls_to("sendMessage")[-1].params
        assert sent["reply_markup"]["force_reply"] is True
        assert sent["reply_markup"]["selective"] is True

        # Bob's reply to Alice's question is not her note: it is an ordinary question.
        bobs = bot.say(
            group, "Kereta apa yang dipakai Kim?", user=bob, reply_to_message_id=prompt.message_id
        )
        note = bot.say(
            group, "Bukan pesawat, tapi kereta", user=alice, reply_to_message_id=prompt.message_id
        )
        noted = await bot.reply_text(group, note)
        assert noted == texts.text("feedback_noted", "id")
        await bot.api.wait_for(lambda: bot.replies(group, bobs))

        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        stats = await bot.reply_with(admin, bot.say(admin, "/stats"), "Feedback")
        assert "Feedback: 👍 0 · 👎 1 · 1 notes" in stats
    with sqlite3.connect(tmp_path / "data" / FEEDBACK_DB) as conn:
        stored = conn.execute("SELECT question, answer, mode, chat_type FROM answers").fetchall()
        notes = [row[0] for row in conn.execute("SELECT comment FROM votes")]
    # Each asker's own question and the bot's answer; Bob's reply is his question, not a note.
    assert stored[0] == (SEED_QUESTION, SEED_ANSWER, "generated", "group")
    assert [row[0] for row in stored] == [SEED_QUESTION, "Kereta apa yang dipakai Kim?"]
    assert notes == ["Bukan pesawat, tapi kereta"]
    assert bot.api.rejected == []


async def test_votes_on_answers_from_before_a_restart_still_count(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        async with running_bot(tmp_path, outputs=[WRONG], api=api) as bot:
            chat = api.private_chat(3003, language_code="en")
            answer = await bot.ask(chat, SEED_QUESTION)
            votes = feedback_buttons(answer.buttons)
            assert all(len(data.encode()) <= 64 for data in votes.values())

        async with running_bot(tmp_path, api=api) as bot:
            api.press_button(chat, chat.user, answer.message_id, votes["👍"])
            thanked = await api.wait_for(lambda: api.callback_answers)
            assert thanked[0].text == texts.text("feedback_thanks", "en")
            assert bot.state.feedback.store.counts() == Counts(up=1, down=0, comments=0)
            # No "what was wrong?" after a 👍.
            assert bot.replies(chat, answer.message_id) == []

        # The database is gone: the old buttons say so instead of failing.
        (tmp_path / "data" / FEEDBACK_DB).unlink()
        async with running_bot(tmp_path, api=api) as bot:
            api.press_button(chat, chat.user, answer.message_id, votes["👎"])
            gone = await api.wait_for(lambda: api.callback_answers[1:])
            assert gone[0].text == texts.text("feedback_gone", "en")
            assert gone[0].show_alert
    assert api.rejected == []
