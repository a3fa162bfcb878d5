"""The pure answer stages: question kinds, candidate phrases, span shaping and framing."""

from __future__ import annotations

import pytest

from bot.answering.framing import frame
from bot.answering.phrases import typed_phrases
from bot.answering.qtype import answer_type
from bot.answering.reader import align, mentioned_first, trim_span
from bot.answering.shape import asked_terms, shape

SUMMIT = (
    "Pertemuan tersebut kemungkinan akan berlangsung di Kota Vladivostok, di pantai timur "
    "Rusia, lapor New York Times."
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Di mana Putin dan Kim akan bertemu?", "place"),
        ("Pada tahun berapakah SEA Games digelar?", "time"),
        ("Berapa penumpang pesawat itu?", "number"),
        ("Siapakah Presiden Otoritas Palestina?", "person"),
        ("Apa nama latin harimau Sumatera?", "name"),
        ("How many runners joined?", "number"),
        ("Which city hosted the summit?", "place"),
        ("Kelompok apakah yang bertanggung jawab?", "other"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_place_phrases_are_the_names_the_question_does_not_hold() -> None:
    asked = asked_terms("Di mana Putin dan Kim akan bertemu?", "id", set())

    assert typed_phrases(SUMMIT, "place", asked, "id") == [
        "Pertemuan",
        "Kota Vladivostok",
        "Rusia",
        "New York Times",
    ]


def test_a_person_is_not_an_answer_to_where() -> None:
    sentence = "President Joe Biden spoke at Columbia University on Monday."
    asked = asked_terms("Where did the president speak?", "en", set())

    assert "Columbia University" in typed_phrases(sentence, "place", asked, "en")
    assert "President Joe Biden" not in typed_phrases(sentence, "place", asked, "en")


def test_a_title_that_repeats_the_question_is_dropped_from_a_name() -> None:
    sentence = "Juru Bicara Dewan Keamanan Nasional John Kirby mengatakan hal itu."
    asked = asked_terms("Siapa juru bicara Dewan Keamanan Nasional?", "id", set())

    assert typed_phrases(sentence, "person", asked, "id") == ["John Kirby"]


def test_a_number_question_takes_the_number_its_unit_and_not_a_date() -> None:
    sentence = "Jakarta, Senin (21/8) - Sebanyak 84 penumpang selamat, sekitar 7.000-10.000 ekor."
    asked = asked_terms("Berapa penumpang yang selamat?", "id", set())

    assert typed_phrases(sentence, "number", asked, "id") == [
        "84 penumpang",
        "sekitar 7.000-10.000 ekor",
    ]


def test_shaping_keeps_what_was_asked() -> None:
    text = "luasnya sekitar 568.700 hektar"
    asked = asked_terms("Berapa hektar luas Taman Nasional Sebangau?", "id", set())

    a, z = shape(text, 0, len(text), asked, "id", "number")

    assert text[a:z] == "568.700 hektar"


def test_a_span_closes_what_it_opens_and_ends_on_a_word_that_says_something() -> None:
    s = "Kostum terpopuler adalah Michael Myers of “Halloween” tahun ini."
    start, end = s.index("Michael"), s.index("Halloween") + len("Halloween")

    assert s[slice(*trim_span(s, start, end))] == "Michael Myers"


def test_free_text_is_aligned_onto_the_sentence_or_is_no_answer() -> None:
    assert align(SUMMIT, "kota vladivostok") == (
        SUMMIT.index("Kota"),
        SUMMIT.index("Kota") + len("Kota Vladivostok"),
    )
    assert align(SUMMIT, "Moskow") is None
    assert mentioned_first("Di Kota Vladivostok, Rusia", ["Rusia", "Kota Vladivostok"]) == (
        "Kota Vladivostok"
    )
    assert mentioned_first("Jakarta", ["Rusia", "Kota Vladivostok"]) is None


@pytest.mark.parametrize(
    ("span", "question", "kind", "lang", "source", "expected"),
    [
        ("Kota Vladivostok", "Di mana Putin dan Kim akan bertemu?", "place", "id", "id",
         "Di Kota Vladivostok [1]."),
        ("Kota Vladivostok", "Where will Putin and Kim meet?", "place", "en", "id",
         "In Vladivostok [1]."),
        ("kereta api lapis baja", "How did Kim travel?", "other", "en", "id",
         "“kereta api lapis baja” [1]."),
        ("12,000 runners", "How many runners?", "number", "en", "en", "12,000 runners [1]."),
    ],
)  # fmt: skip
def test_framing_in_the_askers_language(
    span: str, question: str, kind: str, lang: str, source: str, expected: str
) -> None:
    assert (
        frame(span, question=question, kind=kind, lang=lang, source_lang=source, marker="[1]")  # type: ignore[arg-type]
        == expected
    )
