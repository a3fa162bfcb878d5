"""The answer cache: normalised keys, a bounded LRU, and identical questions coalesced."""

from __future__ import annotations

import asyncio

import pytest

from bot.answer_cache import AnswerCache, CacheKey, normalise_question
from bot.answering import Answer
from tests.builders import make_answer

GEN = (1700000000.0, 3, 12)


def key(question: str, *, generation: tuple[float, int, int] = GEN, model: str = "m") -> CacheKey:
    return CacheKey.of(question, None, generation=generation, model=model)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Siapa presiden Korea Utara?", "siapa  presiden korea utara"),
        ("Who won?", "  WHO WON ?! "),
        ("“Kim Jong-un ke mana?”", "kim jong-un ke mana"),
        ("Ｋｉｍ berangkat?", "kim berangkat"),  # full-width letters (NFKC)
    ],
)
def test_the_same_question_in_other_spacing_case_or_marks_is_the_same_key(a: str, b: str) -> None:
    assert normalise_question(a) == normalise_question(b)
    assert key(a) == key(b)


def test_different_questions_generations_models_or_options_are_different_keys() -> None:
    base = key("Siapa presiden?")

    assert key("Siapa wakil presiden?") != base
    assert key("Siapa presiden?", generation=(1700000001.0, 3, 12)) != base
    assert key("Siapa presiden?", model="other") != base
    quiz = CacheKey.of("Siapa presiden?", ["A) Kim", "B) Moon"], generation=GEN, model="m")
    assert quiz != base
    assert quiz.choices == ("a) kim", "b) moon")


def test_the_lru_keeps_the_most_recently_used_answers() -> None:
    cache = AnswerCache(2)
    one, two, three = (make_answer(t) for t in ("satu", "dua", "tiga"))
    cache.put(key("q1"), one)
    cache.put(key("q2"), two)
    assert cache.get(key("q1")) is one  # q1 is now the most recent

    cache.put(key("q3"), three)

    assert (cache.get(key("q1")), cache.get(key("q2")), cache.get(key("q3"))) == (one, None, three)
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0


async def test_a_stored_answer_is_returned_with_the_askers_wording() -> None:
    cache = AnswerCache(8)
    calls: list[str] = []

    async def compute() -> Answer:
        calls.append("x")
        return make_answer("Dengan kereta [1].")

    first, source1 = await cache.answer(key("Naik apa?"), "Naik apa?", compute)
    second, source2 = await cache.answer(key("naik apa"), "naik apa", compute)

    assert (source1, source2) == ("generated", "cached")
    assert calls == ["x"]
    assert (first.text, second.text, second.question) == (first.text, first.text, "naik apa")
    assert (cache.hits, cache.misses, cache.joins) == (1, 1, 0)


async def test_identical_questions_in_flight_cost_one_generation() -> None:
    cache = AnswerCache(8)
    gate = asyncio.Event()
    calls: list[str] = []

    async def compute() -> Answer:
        calls.append("x")
        await gate.wait()
        return make_answer("Dengan kereta [1].")

    first = asyncio.create_task(cache.answer(key("Naik apa?"), "Naik apa?", compute))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.answer(key("Naik apa?"), "NAIK APA?", compute))
    await asyncio.sleep(0)
    gate.set()
    (a1, s1), (a2, s2) = await first, await second

    assert calls == ["x"]
    assert (s1, s2) == ("generated", "joined")
    assert (a1.question, a2.question, a2.text) == ("q", "NAIK APA?", a1.text)


async def test_a_failure_reaches_those_waiting_and_nothing_is_stored() -> None:
    cache = AnswerCache(8)
    gate = asyncio.Event()

    async def failing() -> Answer:
        await gate.wait()
        raise RuntimeError("model fell over")

    first = asyncio.create_task(cache.answer(key("q"), "q", failing))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.answer(key("q"), "q", failing))
    await asyncio.sleep(0)
    gate.set()

    for task in (first, second):
        with pytest.raises(RuntimeError, match="model fell over"):
            await task
    assert len(cache) == 0


async def test_an_answer_the_caller_does_not_keep_is_not_stored() -> None:
    cache = AnswerCache(8)

    async def compute() -> Answer:
        return make_answer("Dari sumber [1].")

    await cache.answer(key("q"), "q", compute, keep=lambda _: False)
    _, source = await cache.answer(key("q"), "q", compute, keep=lambda _: False)

    assert source == "generated"


async def test_capacity_zero_turns_caching_off() -> None:
    cache = AnswerCache(0)

    async def compute() -> Answer:
        return make_answer("x")

    sources = [(await cache.answer(key("q"), "q", compute))[1] for _ in range(2)]

    assert sources == ["generated", "generated"]
    with pytest.raises(ValueError, match="capacity must be 0 or more, got -1"):
        AnswerCache(-1)
