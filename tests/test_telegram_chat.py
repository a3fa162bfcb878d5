"""End to end: users talking to the real bot application through the fake Bot API."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.telegram import texts
from bot.telegram.logs import MASK, configure_logging
from tests.fakebotapi import FakeBotAPI
from tests.telegram_harness import (
    SEED_OUTPUT,
    SEED_QUESTION,
    SEEDS,
    GatedGenerator,
    running_bot,
)

SEED_ID = "000_76514cd01a3de205"
SEED_TEXT = (SEEDS / f"{SEED_ID}.txt").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


async def test_question_is_answered_with_citations_and_source_buttons(tmp_path: Path) -> None:
    model = GatedGenerator(pause_after=3)
    model.gate.clear()
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT], generator=model) as bot:
        alice = bot.api.private_chat(1001, first_name="Alice", language_code="id")
        asked = bot.say(alice, SEED_QUESTION)
        # Streamed: 👀 on the question, the typing action, then the text so far as a message
        # draft (a private chat), marked as unfinished; no message is sent before the end.
        preview = f"“{SEED_TEXT.splitlines()[0]}” …"  # the chosen source sentence, verified
        await bot.api.wait_for(lambda: [d.text for d in bot.api.drafts][-1:] == [preview])
        assert {d.draft_id for d in bot.api.drafts} == {1}  # one draft, animated
        assert bot.api.calls_to("sendChatAction")[0].params["action"] == "typing"
        assert bot.api.reaction(alice, asked) == ["👀"]
        assert bot.replies(alice, asked) == []
        model.gate.set()
        answer = await bot.answer(alice, asked)
        await bot.api.wait_for(lambda: bot.api.reaction(alice, asked) == [])

        quote = SEED_TEXT[: SEED_TEXT.index("Putin.") + len("Putin.")]
        assert answer.text == ("Kereta api lapis baja [1].\n\nSumber\n[1] Bisnis.com · 2023-09-11")
        assert [e["type"] for e in answer.entities] == ["bold"]
        assert [b["text"] for b in answer.buttons] == [
            "[1] Bisnis.com, JAKARTA - Pemimpin Kore…",
            "👍",
            "👎",
        ]
        # The final answer is one new message.
        assert bot.replies(alice, asked) == [answer]
        assert answer.edit_count == 0

        calls_before = len(bot.generator.history)
        bot.api.press_button(
            alice, alice.user, answer.message_id, answer.buttons[0]["callback_data"]
        )
        passage = await bot.api.wait_for(lambda: bot.replies(alice, answer.message_id))
        assert passage[0].text == f"Bisnis.com\n2023-09-11\n{quote}"
        offset = len("Bisnis.com\n2023-09-11\n")
        assert {"type": "expandable_blockquote", "offset": offset, "length": len(quote)} in [
            {k: e[k] for k in ("type", "offset", "length")} for e in passage[0].entities
        ]
        assert [a.text for a in bot.api.callback_answers] == [None]
        assert len(bot.generator.history) == calls_before  # the question was not re-run
    assert bot.api.rejected == []
    assert bot.state.stats.answered == 1


@pytest.mark.parametrize("where", ["group", "old server"])
async def test_answers_stream_by_edits_where_drafts_are_not_possible(
    tmp_path: Path, where: str
) -> None:
    model = GatedGenerator(pause_after=3)
    model.gate.clear()
    async with running_bot(
        tmp_path, outputs=[SEED_OUTPUT], generator=model, stream_edit_interval_s=0
    ) as bot:
        if where == "group":
            chat = bot.api.group_chat(-300, "Redaksi")
            asked = bot.say(chat, f"/ask {SEED_QUESTION}", user=bot.api.user(5))
        else:
            bot.api.drop_drafts()  # a Bot API server from before sendMessageDraft
            chat = bot.api.private_chat(1001, language_code="id")
            asked = bot.say(chat, SEED_QUESTION)
        preview = f"“{SEED_TEXT.splitlines()[0]}” …"  # the chosen source sentence, verified
        await bot.api.wait_for(lambda: [m.text for m in bot.replies(chat, asked)] == [preview])
        model.gate.set()
        answer = await bot.answer(chat, asked)
        # The streamed message was edited into the final answer.
        assert bot.replies(chat, asked) == [answer]
        assert answer.edit_count >= 1
    assert bot.api.drafts == []
    refused = [r.method for r in bot.api.rejected]
    assert refused == (["sendMessageDraft"] if where == "old server" else [])


async def test_a_pasted_quiz_is_answered_with_the_option_the_article_states(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as bot:  # no model output queued: none is needed
        alice = bot.api.private_chat(1001, first_name="Alice", language_code="id")
        asked = bot.say(alice, f"{SEED_QUESTION}\nA) pesawat jet\nB) kereta api lapis baja")
        answer = await bot.answer(alice, asked)

        assert answer.text == "kereta api lapis baja [1].\n\nSumber\n[1] Bisnis.com · 2023-09-11"
        bot.api.press_button(
            alice, alice.user, answer.message_id, answer.buttons[0]["callback_data"]
        )
        passage = await bot.api.wait_for(lambda: bot.replies(alice, answer.message_id))
        assert "kereta api lapis baja" in passage[0].text
    assert bot.generator.history == []
    assert bot.api.rejected == []


async def test_a_forwarded_quiz_poll_is_answered_from_its_options(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:  # no model output queued: none is needed
        alice = bot.api.private_chat(1001, first_name="Alice", language_code="id")
        options = ["Pesawat jet", "Kereta api lapis baja", "Kapal selam"]
        update_id = bot.api.send_poll(alice, alice.user, SEED_QUESTION, options)
        asked = bot.message_id(update_id)
        answer = await bot.answer(alice, asked)

        assert answer.text == "Kereta api lapis baja [1].\n\nSumber\n[1] Bisnis.com · 2023-09-11"
        # A poll in a group is chatter: the bot stays quiet.
        group = bot.api.group_chat(-500, "Kantor")
        ignored = bot.message_id(bot.api.send_poll(group, alice.user, SEED_QUESTION, options))
    assert bot.replies(group, ignored) == []
    assert bot.generator.history == []
    assert bot.api.rejected == []


async def test_start_and_help_explain_the_corpus_in_the_users_language(tmp_path: Path) -> None:
    article = '{"id": "a1", "title": "Banjir", "date": "2024-01-05", "text": "Banjir di Jakarta."}'
    async with running_bot(tmp_path, articles={"extra.json": article}) as bot:
        budi = bot.api.private_chat(1002, language_code="id")
        jane = bot.api.private_chat(1003, language_code="en")
        start = await bot.reply_text(budi, bot.say(budi, "/start"))
        help_text = await bot.reply_text(jane, bot.say(jane, "/help"))

        assert start.startswith(
            "👋 Saya Warta. Saya menjawab pertanyaan tentang 2 artikel berita dari 2023-09-11 "
            "sampai 2024-01-05, lengkap dengan sumber"
        )
        assert "@warta_test_bot" in start
        assert help_text.startswith("👋 I am Warta. I answer questions about 2 news articles")
        assert "/ask your question" in help_text
        assert [c["command"] for c in bot.api.commands()] == ["ask", "help", "new"]
        assert [c["command"] for c in bot.api.commands(language_code="id")] == [
            "ask",
            "help",
            "new",
        ]


async def test_group_answers_mentions_replies_and_ask_but_ignores_chatter(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT] * 3) as bot:
        group = bot.api.group_chat(-500, "Kantor")
        ana = bot.api.user(2001, first_name="Ana", language_code="id")
        chatter = bot.say(group, "Selamat pagi semua, siapa ikut makan siang?", user=ana)
        other_bot = bot.say(group, "/ask@some_other_bot Kim Jong-un naik apa?", user=ana)
        mention = bot.say(group, f"@warta_test_bot {SEED_QUESTION}", user=ana)
        first = await bot.answer(group, mention)
        follow_up = bot.say(group, SEED_QUESTION, user=ana, reply_to_message_id=first.message_id)
        await bot.answer(group, follow_up)
        command = bot.say(group, f"/ask {SEED_QUESTION}", user=ana)
        await bot.answer(group, command)
        # The question reached the model without the mention or the command.
        user_parts = [p.completion for p in bot.generator.history]
        assert all("@warta_test_bot" not in p and "/ask" not in p for p in user_parts)
    # Stopping the bot waited for every update: chatter got nothing.
    assert bot.replies(group, chatter) == []
    assert bot.replies(group, other_bot) == []
    assert len(bot.generator.history) == 3


async def test_non_text_edited_empty_and_huge_messages_get_short_replies(tmp_path: Path) -> None:
    async with running_bot(tmp_path, max_question_chars=50) as bot:
        eve = bot.api.private_chat(1004, language_code="en")
        group = bot.api.group_chat(-501, "Group")
        sticker = bot.message_id(bot.api.send_sticker(eve, eve.user))
        photo = bot.message_id(bot.api.send_photo(eve, eve.user))
        voice = bot.message_id(bot.api.send_voice(eve, eve.user))
        group_sticker = bot.message_id(bot.api.send_sticker(group, bot.api.user(2002)))
        not_text = texts.text("not_text", "en")
        for message_id in (sticker, photo, voice):
            assert await bot.reply_text(eve, message_id) == not_text

        original = bot.say(eve, "hello")
        await bot.api.wait_for(lambda: bot.replies(eve, original))
        edited = bot.message_id(bot.api.edit_text(eve, eve.user, original, "What about Putin?"))
        assert edited == original
        await bot.api.wait_for(lambda: len(bot.replies(eve, original)) == 2)
        assert bot.replies(eve, original)[1].text == texts.text("edited", "en")

        empty = bot.say(eve, "/ask")
        assert await bot.reply_text(eve, empty) == texts.text("empty", "en")
        huge = bot.say(eve, "Why " * 30)
        assert await bot.reply_text(eve, huge) == (
            "That message is too long for a question (119 characters; the limit is 50). "
            "Please ask something shorter."
        )
        unknown = bot.say(eve, "/frobnicate")
        assert await bot.reply_text(eve, unknown) == texts.text("unknown_command", "en")
    assert bot.replies(group, group_sticker) == []
    assert bot.generator.history == []


async def test_html_hostile_question_and_article_are_escaped(tmp_path: Path) -> None:
    hostile = (
        '{"id": "h1", "title": "<b>Breaking</b> & \\"Co\\" <script>", '
        '"url": "https://example.com/a?b=1&c=2\'3", "date": "2024-02-01", '
        '"text": "The mayor of Tanjung said <tag> & &amp; are not HTML. '
        'The festival in Tanjung opens on Friday."}'
    )
    output = "The festival in Tanjung opens on Friday [1]."
    async with running_bot(tmp_path, outputs=[output], articles={"h.json": hostile}) as bot:
        zed = bot.api.private_chat(1005, language_code="en")
        answer = await bot.ask(zed, "When does the <b>festival</b> & <script>x</script> open?")
        assert answer.text == (
            "On Friday [1].\n\nSources\n"
            '[1] <b>Breaking</b> & "Co" <script> · example.com · 2024-02-01'
        )
        link = next(e for e in answer.entities if e["type"] == "text_link")
        assert link["url"] == "https://example.com/a?b=1&c=2'3"

        bot.api.press_button(zed, zed.user, answer.message_id, answer.buttons[0]["callback_data"])
        passage = await bot.api.wait_for(lambda: bot.replies(zed, answer.message_id))
        assert passage[0].text == (
            '<b>Breaking</b> & "Co" <script>\nexample.com · 2024-02-01\n'
            "The festival in Tanjung opens on Friday.\nhttps://example.com/a?b=1&c=2'3"
        )
    assert bot.api.rejected == []


async def test_allow_list_turns_away_strangers_politely(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT], allowed_ids=[1006]) as bot:
        friend = bot.api.private_chat(1006, language_code="id")
        stranger = bot.api.private_chat(1007, language_code="en")
        refused = bot.say(stranger, SEED_QUESTION)
        assert await bot.reply_text(stranger, refused) == texts.text("not_allowed", "en")
        await bot.ask(friend, SEED_QUESTION)
    assert len(bot.generator.history) == 1


async def test_a_users_next_question_waits_its_turn_and_a_queue_with_places(
    tmp_path: Path,
) -> None:
    model = GatedGenerator()
    model.gate.clear()
    outputs = [SEED_OUTPUT] * 4
    async with running_bot(
        tmp_path, outputs=outputs, generator=model, user_pending_questions=2
    ) as bot:
        users = [bot.api.private_chat(1100 + i, language_code="id") for i in range(3)]
        first = bot.say(users[0], SEED_QUESTION)
        await model.started()
        again = bot.say(users[0], "Dengan kereta apa Kim Jong-un ke Rusia?")
        assert await bot.reply_text(users[0], again) == texts.text("queued_own", "id")
        full = bot.say(users[0], "Dan Putin?")
        assert await bot.reply_text(users[0], full) == texts.text("full", "id", limit=2)
        second = bot.say(users[1], SEED_QUESTION)
        assert await bot.reply_text(users[1], second) == texts.text("queued", "id", place="ke-1")
        third = bot.say(users[2], SEED_QUESTION)
        assert await bot.reply_text(users[2], third) == texts.text("queued", "id", place="ke-2")
        model.gate.set()
        asked = [(users[0], first), (users[1], second), (users[2], third), (users[0], again)]
        answers = [await bot.answer(u, m) for u, m in asked]
        # The place-in-line message itself became the answer.
        assert [len(bot.replies(u, m)) for u, m in asked] == [1, 1, 1, 1]
        assert all(a.buttons for a in answers)
        # Answered in turn: the user's second question after the first, behind the others.
        assert "Dengan kereta apa" in bot.generator.history[-1].user
        assert all("Dengan kereta apa" not in p.user for p in bot.generator.history[:-1])
        assert bot.replies(users[0], full)[0].text == texts.text("full", "id", limit=2)


async def test_questions_per_minute_limit(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT] * 2, user_questions_per_minute=2) as bot:
        kim = bot.api.private_chat(1200, language_code="en")
        await bot.ask(kim, SEED_QUESTION)
        await bot.ask(kim, SEED_QUESTION)
        third = bot.say(kim, "What did Kirby say about weapons?")
        text = await bot.reply_text(kim, third)
        assert text.startswith("You have asked 2 questions in the last minute. Please try again in")
    assert len(bot.generator.history) == 2


async def test_a_failure_is_logged_with_traceback_and_apologised_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path) as bot:  # no output queued: the model fails
        ida = bot.api.private_chat(1300, language_code="id")
        failed = bot.say(ida, SEED_QUESTION)
        apology = texts.text("apology", "id")
        await bot.api.wait_for(lambda: [m for m in bot.replies(ida, failed) if m.text == apology])
        errors = [r for r in caplog.records if r.getMessage().startswith("failed to handle")]
        assert errors and errors[0].exc_info is not None
        assert "FakeGenerator: no output queued" in caplog.text
        bot.generator.enqueue(SEED_OUTPUT)
        answer = await bot.ask(ida, SEED_QUESTION)  # the bot keeps running
        assert answer.buttons
        # No preview left behind: the only reply still shown is the apology.
        assert [m.text for m in bot.replies(ida, failed) if not m.deleted] == [apology]


async def test_the_bot_token_never_reaches_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeBotAPI() as api:
        # As in serve: logging is configured before the application exists.
        undo = configure_logging(
            Settings(telegram_token=api.token, corpus_dir=[SEEDS], data_dir=tmp_path / "data")
        )
        try:
            assert logging.getLogger("httpx").level == logging.WARNING
            # Even when httpx logs every request URL, the token is masked.
            logging.getLogger("httpx").setLevel(logging.DEBUG)
            async with running_bot(tmp_path, outputs=[SEED_OUTPUT], api=api) as bot:
                await bot.ask(bot.api.private_chat(1400), SEED_QUESTION)
                logging.getLogger("telegram").error(
                    "request to %s failed", api.base_url + api.token
                )
        finally:
            undo()
            logging.getLogger("httpx").setLevel(logging.NOTSET)
    assert "HTTP Request: POST" in caplog.text
    assert api.token not in caplog.text
    assert f"{api.base_url}{MASK}/sendMessage" in caplog.text
    assert f"request to {api.base_url}{MASK} failed" in caplog.text
