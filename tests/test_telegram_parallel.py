"""End to end: answers in parallel against a model server, and the answer cache."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.llm.remote import RemoteConfig, RemoteGenerator
from tests.fake_llm import FakeLlmServer, Status, Stream
from tests.telegram_harness import (
    ADMIN_ID,
    SEED_OUTPUT,
    SEED_QUESTION,
    GatedGenerator,
    is_final,
    running_bot,
)

OTHER_QUESTION = "Di mana Putin dan Kim akan bertemu?"


async def test_two_slots_on_a_server_answer_two_questions_at_once(tmp_path: Path) -> None:
    gate = threading.Event()
    with FakeLlmServer(*[Stream((SEED_OUTPUT,), gate=gate) for _ in range(3)]) as fake:
        generator = RemoteGenerator(
            RemoteConfig(url=fake.url, model="m", instruct=False, parallel=2)
        )
        async with running_bot(tmp_path, generator=generator, max_concurrent_answers=2) as bot:
            chats = [bot.api.private_chat(6100 + i, language_code="id") for i in range(3)]
            asked = [bot.say(chat, q) for chat, q in zip(chats, [SEED_QUESTION] * 3, strict=True)]
            await bot.api.wait_for(lambda: len(fake.completions()) == 2, timeout=10)

            # Both slots generate while the third asker is told its place in line.
            third = await bot.reply_text(chats[2], asked[2])
            assert (bot.state.queue.running, bot.state.queue.waiting) == (2, 1)
            assert third.startswith("⏳ urutan ke-1")
            gate.set()
            answers = [await bot.answer(c, m) for c, m in zip(chats, asked, strict=True)]

    assert bot.state.queue.slots == 2
    assert all(a.buttons for a in answers)
    assert len(fake.completions()) == 3


async def test_a_model_in_process_answers_one_at_a_time_whatever_the_setting(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT] * 2, max_concurrent_answers=4) as bot:
        assert bot.state.queue.slots == 1


async def test_a_repeated_question_is_answered_from_the_cache_until_a_reload(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT] * 2, answer_cache_size=8) as bot:
        ana, budi = (bot.api.private_chat(6200 + i, language_code="id") for i in range(2))
        first = await bot.ask(ana, SEED_QUESTION)
        again = await bot.ask(budi, f"  {SEED_QUESTION.upper()}  ")
        assert len(bot.generator.history) == 1
        assert again.text == first.text and again.buttons

        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        (bot.corpus / "extra.txt").write_text("Cuaca\nCuaca di Bandung cerah.\n", "utf-8")
        await bot.reply_with(admin, bot.say(admin, "/reload"), "✅")
        await bot.ask(ana, SEED_QUESTION)

    assert len(bot.generator.history) == 2
    assert (bot.state.answer_cache.hits, bot.state.answer_cache.misses) == (1, 2)


async def test_the_same_question_twice_in_a_group_costs_one_generation(tmp_path: Path) -> None:
    # the other question may read more than one sentence: an output for each
    generator = GatedGenerator(*[SEED_OUTPUT] * 4)
    generator.gate.clear()
    async with running_bot(tmp_path, generator=generator, answer_cache_size=8) as bot:
        group = bot.api.group_chat(-600, "Redaksi")
        ana = bot.api.user(2101, first_name="Ana", language_code="id")
        budi = bot.api.user(2102, first_name="Budi", language_code="id")
        first = bot.say(group, f"/ask {SEED_QUESTION}", user=ana)
        await generator.started()
        second = bot.say(group, f"@warta_test_bot {SEED_QUESTION}", user=budi)
        await bot.api.wait_for(lambda: bot.state.answer_cache.joins == 1, timeout=10)
        generator.gate.set()
        answers = [await bot.answer(group, first), await bot.answer(group, second)]
        generated_once = len(generator.history)
        other = await bot.ask(group, f"/ask {OTHER_QUESTION}", user=budi)

    assert generated_once == 1  # the first question once …
    assert len(generator.history) > generated_once  # … then the other one
    assert answers[0].text == answers[1].text
    assert is_final(other)
    assert [len(bot.replies(group, m)) for m in (first, second)] == [1, 1]


async def test_a_failed_answer_is_not_kept_and_the_next_one_is(tmp_path: Path) -> None:
    with FakeLlmServer(Status(500), Stream((SEED_OUTPUT,))) as fake:
        config = RemoteConfig(url=fake.url, model="m", instruct=False, retries=0, recovery_s=0)
        generator = RemoteGenerator(config)
        async with running_bot(tmp_path, generator=generator, answer_cache_size=8) as bot:
            chats = [bot.api.private_chat(6300 + i, language_code="id") for i in range(3)]
            failed = bot.say(chats[0], SEED_QUESTION)
            await bot.reply_text(chats[0], failed)
            await bot.api.wait_for(
                lambda: bot.state.queue.running == 0 and not generator.health.available
            )
            generated = await bot.ask(chats[1], SEED_QUESTION)
            cached = await bot.ask(chats[2], SEED_QUESTION)

    assert len(fake.completions()) == 2
    assert cached.text == generated.text
    assert bot.state.answer_cache.hits == 1
