"""End to end under load: flood control, many users at once, answers longer than a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakebotapi import parse_html, utf16_len
from tests.fakes import DownGenerator
from tests.telegram_harness import SEED_ANSWER, SEED_OUTPUT, SEED_QUESTION, is_final, running_bot


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


async def test_flood_control_429_delays_replies_but_loses_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT] * 2) as bot:
        bot.api.inject_429("sendMessage", count=2, retry_after=1)
        bot.api.inject_429("editMessageText", count=1, retry_after=1)
        chats = [bot.api.private_chat(4000 + i, language_code="id") for i in range(2)]
        asked = [bot.say(chat, SEED_QUESTION) for chat in chats]
        answers = [
            await bot.answer(chat, m, timeout=20) for chat, m in zip(chats, asked, strict=True)
        ]
        assert all(a.buttons for a in answers)
        for chat, message_id in zip(chats, asked, strict=True):
            assert len(bot.replies(chat, message_id)) == 1
    flood = [r for r in bot.api.rejected if r.status == 429]
    assert [r.method for r in flood] == ["sendMessage", "sendMessage", "editMessageText"]
    assert len(bot.api.rejected) == 3


async def test_fifty_users_at_once_are_each_answered_exactly_once(tmp_path: Path) -> None:
    users = 50
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT] * users) as bot:
        chats = [bot.api.private_chat(5000 + i, language_code="id") for i in range(users)]
        asked = {chat.id: bot.say(chat, SEED_QUESTION) for chat in chats}

        def all_answered() -> bool:
            return all(
                any(is_final(m) for m in bot.replies(chat, asked[chat.id])) for chat in chats
            )

        await bot.api.wait_for(all_answered, timeout=90)
    for chat in chats:
        messages = bot.api.messages(chat)
        assert len(messages) == 1, f"chat {chat.id}: {[m.text for m in messages]}"
        assert messages[0].reply_to_message_id == asked[chat.id]
        assert messages[0].text.startswith(SEED_ANSWER)
    places = [c.params["text"] for c in bot.api.calls_to("sendMessage")]
    assert sum(text.startswith("⏳ urutan ke-") for text in places) >= users // 2
    assert bot.api.rejected == []
    assert bot.state.stats.answered == users
    assert len(bot.generator.history) == users


# With only two documents, BM25 gives terms found in one of them no weight at all.
DISTRACTORS = {
    f"other{i}.txt": f"Note {i}\nThe weather in {town} was {kind} all week.\n"
    for i, (town, kind) in enumerate([("Bandung", "rainy"), ("Medan", "hot"), ("Padang", "dry")])
}


def _name(n: int) -> str:
    """Return a made-up proper name, distinct for each n (so no two sentences repeat)."""
    syllables = ["ka", "lo", "mi", "ra", "tu", "se", "no", "pe", "di", "ba"]
    digits = f"{n:03d}"
    return "".join(syllables[int(d)] for d in digits).capitalize() + "ng"


def _long_sentence() -> str:
    """Return one English sentence of 120 clauses (about 5,500 characters)."""
    clauses = [
        f"{_name(5 * i)} {_name(5 * i + 1)} met {_name(5 * i + 2)} & <{_name(5 * i + 3)}> "
        f"in {_name(5 * i + 4)} {i + 1}"
        for i in range(120)
    ]
    return "; ".join(clauses) + "."


async def test_a_long_answer_is_split_between_words_into_valid_messages(
    tmp_path: Path,
) -> None:
    # With the model down the answer is the quoted source sentence: here a very long one.
    sentence = _long_sentence()
    async with running_bot(
        tmp_path,
        generator=DownGenerator(),
        articles={"harbour.txt": f"Meeting report\n{sentence}\n", **DISTRACTORS},
        chunk_chars=12000,
        chunk_overlap_chars=0,
        top_k=1,
    ) as bot:
        chat = bot.api.private_chat(6000, language_code="en")
        asked = bot.say(chat, "Who met Kakaming in Kakatung?")
        last = await bot.answer(chat, asked, timeout=20)
        pages = bot.replies(chat, asked)
    assert len(pages) >= 2
    assert pages[-1] == last and last.buttons
    assert all(not p.buttons for p in pages[:-1])
    for page in pages:
        assert utf16_len(page.text or "") <= 4096
        # Each page is whole HTML on its own: the fake re-parses what was sent.
        assert page.parse_mode == "HTML"
    sent = [
        c.params["text"] for c in bot.api.calls if c.method in ("sendMessage", "editMessageText")
    ]
    for html in sent:
        parse_html(html)
    # Nothing lost or altered at the cuts, which fall between words.
    shown = " ".join((p.text or "") for p in pages)
    assert shown == f"According to the sources: “{sentence}” [1]\n\nSources\n[1] Meeting report"
    assert bot.api.rejected == []
