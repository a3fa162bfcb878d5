"""Where-questions asked at, to or from a place pick the place written that way."""

from __future__ import annotations

import pytest

from bot.answering.direction import agreement, asked_direction, states_direction
from bot.answering.ranking import Candidate, ranked, stated_the_asked_way
from bot.answering.sentences import Sentence
from retrieval.documents import Article

TRAVEL = "Kim berencana pergi ke Vladivostok untuk bertemu Presiden Putin."
VENUE = "Pertemuan itu akan berlangsung di Kota Vladivostok, di pantai timur Rusia."


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


def _summit_sentences() -> tuple[Sentence, Sentence]:
    """Return the TRAVEL and VENUE sentences of one article, as the reader scores them."""
    article = Article(id="a", title="", text=f"{TRAVEL} {VENUE}", date=None)
    travel = Sentence(article, 0, len(TRAVEL), "id", match=0.8, score=1.4, rank=0)
    at = len(TRAVEL) + 1
    venue = Sentence(article, at, at + len(VENUE), "id", match=0.5, score=1.1, rank=0)
    return travel, venue


def _to_city(travel: Sentence) -> Candidate:
    """Return "Vladivostok" in "pergi ke Vladivostok": likely, near, written *to* it."""
    return Candidate(
        travel, TRAVEL.index("Vladivostok"), TRAVEL.index(" untuk"), -5.8, 4, 0.5, -1.0
    )


def test_the_place_answered_is_cited_where_it_is_written_the_asked_way() -> None:
    travel, venue = _summit_sentences()
    to_city = _to_city(travel)
    in_city = Candidate(venue, VENUE.index("Kota"), VENUE.index(","), -10.9, 5, 0.0, 1.0)
    russia = Candidate(venue, VENUE.rindex("Rusia"), len(VENUE) - 1, -7.0, 2, 0.0, 1.0)

    assert ranked([to_city, in_city, russia])[0] is to_city  # the likelier, nearer phrase …
    # … is answered from the sentence that writes it the asked way ("di Kota Vladivostok")
    assert stated_the_asked_way(to_city, [to_city, in_city, russia]) is in_city
    assert stated_the_asked_way(in_city, [to_city, in_city]) is in_city
    assert stated_the_asked_way(to_city, [to_city, russia]) is to_city  # another place: no


def test_a_place_is_never_swapped_for_a_wider_or_another_one() -> None:
    travel, venue = _summit_sentences()
    # "Kota Vladivostok" (written with no preposition) and "Rusia" (written with "di")
    unknown = Candidate(venue, VENUE.index("Kota"), VENUE.index(","), -10.9, 5, 0.0, 0.0)
    wider = Candidate(venue, VENUE.rindex("Rusia"), len(VENUE) - 1, -7.0, 2, 0.0, 1.0)
    to_city = _to_city(travel)

    assert stated_the_asked_way(unknown, [unknown, wider]) is unknown  # no way told: it stays
    assert stated_the_asked_way(to_city, [to_city, wider]) is to_city


def test_a_destination_is_answered_by_the_place_its_sentence_puts_in_it() -> None:
    # Asked where they meet: "berangkat ke Rusia" is the likelier phrase, but the venue's
    # sentence writes "di Kota Vladivostok, di pantai timur Rusia", a place inside Russia
    # written the asked way; asked the other way round nothing is swapped.
    lead = "Kim berangkat ke Rusia untuk pertemuan puncak dengan Putin."
    article = Article(id="a", title="", text=f"{lead} {VENUE}", date=None)
    first = Sentence(article, 0, len(lead), "id", match=0.8, score=1.4, rank=0)
    at = len(lead) + 1
    venue = Sentence(article, at, at + len(VENUE), "id", match=0.5, score=1.1, rank=0)
    to_russia = Candidate(first, lead.index("Rusia"), lead.index(" untuk"), -5.0, 2, 0.1, -1.0)
    in_city = Candidate(venue, VENUE.index("Kota"), VENUE.index(","), -10.9, 5, 0.0, 1.0)
    elsewhere = Candidate(first, lead.index("Putin"), len(lead) - 1, -5.0, 2, 0.1, -1.0)

    assert stated_the_asked_way(to_russia, [to_russia, in_city]) is in_city
    assert stated_the_asked_way(elsewhere, [elsewhere, in_city]) is elsewhere
    assert stated_the_asked_way(in_city, [to_russia, in_city]) is in_city
