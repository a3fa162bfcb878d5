"""Follow-up questions: what the previous turn adds, and the per-chat memory."""

from __future__ import annotations

import pytest

from bot.conversation import (
    CONTEXT_WEIGHT,
    REFERENT_WEIGHT,
    SAME_TOPIC_WEIGHT,
    Memory,
    Turn,
    contextualize,
    names,
    refers_back,
)

KIM = "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?"
KIM_ANSWER = "Kim Jong-un berangkat ke Rusia dengan kereta api lapis baja [1]."


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Dia mau bertemu siapa?", "id"),
        ("Apa yang akan mereka bahas?", "id"),
        ("Bagaimana meja disusun di sana?", "id"),
        ("Kapan kedatangannya?", "id"),
        ("Lalu dari Arab Saudi?", "id"),
        ("Kapan?", "id"),
        ("Who will he meet there?", "en"),
        ("And when?", "en"),
        ("What did they discuss?", "en"),
    ],
)
def test_pronouns_and_ellipsis_refer_back(question: str, lang: str) -> None:
    assert refers_back(question, lang)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Berapa suku bunga BI saat ini?", "id"),
        ("Siapa Menteri Kelautan dan Perikanan Indonesia?", "id"),
        ("How tall was an adult Sauroposeidon dinosaur?", "en"),
    ],
)
def test_self_contained_questions_do_not_refer_back(question: str, lang: str) -> None:
    assert not refers_back(question, lang)  # type: ignore[arg-type]


def test_a_pronoun_takes_its_referent_from_the_previous_question() -> None:
    follow = contextualize("Dia mau bertemu siapa?", KIM, KIM_ANSWER)
    assert follow.reason == "reference"
    assert follow.referent == "Kim Jong-un, Rusia"
    assert follow.question == "Dia mau bertemu siapa? (Kim Jong-un, Rusia)"
    terms = dict(follow.terms)
    assert terms["kim"] == REFERENT_WEIGHT
    assert terms["rusia"] == REFERENT_WEIGHT
    assert terms["angkat"] == CONTEXT_WEIGHT  # "berangkat", stemmed
    assert all(w < 1.0 for w in terms.values())  # context never outweighs the question


def test_an_english_follow_up_after_an_indonesian_question() -> None:
    follow = contextualize("And where will they meet?", KIM, lang="en")
    assert follow.reason == "reference"
    assert dict(follow.terms)["kim"] == REFERENT_WEIGHT


def test_the_same_topic_adds_the_previous_terms_lightly_and_a_new_topic_nothing() -> None:
    same = contextualize("Kenapa Kim Jong-un naik kereta?", KIM, KIM_ANSWER)
    assert same.reason == "same_topic"
    assert same.question == "Kenapa Kim Jong-un naik kereta?"
    assert dict(same.terms) == {"ndara": SAME_TOPIC_WEIGHT, "angkat": SAME_TOPIC_WEIGHT,
                                "rusia": SAME_TOPIC_WEIGHT}  # fmt: skip
    new = contextualize("Berapa suku bunga BI saat ini?", KIM, KIM_ANSWER)
    assert (new.reason, new.terms, new.question) == (
        "new_topic",
        (),
        "Berapa suku bunga BI saat ini?",
    )


def test_names_skip_the_capital_that_only_starts_a_sentence() -> None:
    assert names(KIM) == ["Kim Jong-un", "Rusia"]
    assert names("What did Vladimir Putin say in Vladivostok?") == [
        "Vladimir Putin",
        "Vladivostok",
    ]
    assert names("Kim Jong-un berangkat. Dia naik kereta.") == ["Kim Jong-un"]


def test_memory_follows_replies_everywhere_and_recent_questions_in_private() -> None:
    now = [100.0]
    memory = Memory(window_s=300, max_chats=2, clock=lambda: now[0])
    first = Turn(KIM, KIM_ANSWER, now[0])
    memory.remember(1, 10, first)
    memory.remember(-5, 20, Turn("Siapa Gubernur BI?", "Perry Warjiyo [1].", now[0]))
    assert memory.previous(1, reply_to=None, private=True) == first
    assert memory.previous(-5, reply_to=None, private=False) is None  # groups: replies only
    assert memory.previous(-5, reply_to=20, private=False) is not None
    assert memory.previous(-5, reply_to=99, private=False) is None
    now[0] += 301
    assert memory.previous(1, reply_to=None, private=True) is None  # too long ago
    assert memory.previous(1, reply_to=10, private=True) == first  # an explicit reply
    memory.forget(1)
    assert memory.previous(1, reply_to=10, private=True) is None
    # Bounded: a third chat pushes out the oldest chat's last turn.
    memory.remember(2, None, Turn("a", "b", now[0]))
    memory.remember(3, None, Turn("c", "d", now[0]))
    assert memory.previous(-5, reply_to=None, private=True) is None
    assert memory.previous(3, reply_to=None, private=True) is not None
