"""Where-questions asked at, to or from a place pick the place written that way."""

from __future__ import annotations

import pytest

from bot.answering.direction import agreement, asked_direction, states_direction


@pytest.mark.parametrize(
    ("question", "way"),
    [
        ("Di mana Putin dan Kim akan bertemu?", "at"),
        ("Putin dan Kim bertemu di mana?", "at"),
        ("Di provinsi manakah Ali Mazi menjabat sebagai gubernur?", "at"),
        ("Ke mana Kim Jong-un berangkat?", "to"),
        ("Dari mana asal pesawat itu?", "from"),
        ("Where will Putin and Kim meet?", "at"),
        ("Where did Kim Jong-un travel?", "to"),
        ("Where were the refugees sent?", "to"),
        ("Where does the oil come from?", "from"),
        ("In which city was the summit held?", "at"),
        ("Kota apa yang menjadi tuan rumah?", None),
        ("Siapa yang ditemui Kim?", None),
    ],
)
def test_the_way_a_where_question_asks(question: str, way: str | None) -> None:
    assert asked_direction(question) == way


def test_a_place_agrees_when_written_with_the_asked_preposition() -> None:
    sentence = "Kim berangkat ke Rusia dan bertemu Putin di Kota Vladivostok, Rusia."
    to_russia, at_city = sentence.index("Rusia"), sentence.index("Kota")

    assert agreement("at", sentence, at_city) == 1.0
    assert agreement("at", sentence, to_russia) == -1.0
    assert agreement("to", sentence, to_russia) == 1.0
    # after a comma, or when the question does not tell: no evidence either way
    assert agreement("at", sentence, sentence.rindex("Rusia")) == 0.0
    assert agreement(None, sentence, at_city) == 0.0


def test_a_sentence_states_a_place_the_asked_way_only_before_a_name() -> None:
    assert states_direction("at", "Pertemuan akan berlangsung di Kota Vladivostok.")
    assert not states_direction("at", "Kim berangkat ke Rusia pada Selasa.")
    assert not states_direction("at", "Pertemuan itu berlangsung di sana.")
    assert not states_direction(None, "Pertemuan akan berlangsung di Kota Vladivostok.")
