"""How-many questions with the real default model: the number must measure what is asked."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.answering import Answerer
from bot.evaluation import citations_valid
from bot.llm import LlamaGenerator
from tests.builders import answerer_over

pytestmark = pytest.mark.slow

BEACH = (
    "Penyu di Jamursba Medi\n"
    "Pantai Jamursba Medi di pesisir utara Papua, tempat penyu belimbing bertelur, membentang "
    "sepanjang 17,5 kilometer. Petugas konservasi berpatroli di pantai itu setiap malam.\n"
)
FLIGHT = (
    "Pesawat mendarat darurat\n"
    "Pesawat Boeing 737 itu mendarat darurat di Bandara Polonia, Medan, pada Selasa pagi. "
    "Pesawat itu membawa 84 penumpang dan enam awak, dan semuanya selamat.\n"
)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, llama: LlamaGenerator) -> Answerer:
    return answerer_over(
        tmp_path_factory.mktemp("answer-units"), {"penyu": BEACH, "pesawat": FLIGHT}, llama
    )


def test_a_count_is_answered_with_the_number_of_the_counted_thing(answerer: Answerer) -> None:
    answer = answerer.answer("Berapa penumpang yang dibawa pesawat Boeing 737 itu?")

    assert not answer.abstained
    assert answer.text.startswith("84 penumpang")
    assert citations_valid(answer, answerer.index.snapshot)


def test_a_length_is_no_count_so_the_bot_says_the_news_does_not_tell(answerer: Answerer) -> None:
    answer = answerer.answer("Berapa jumlah penyu belimbing yang bertelur di Pantai Jamursba Medi?")

    assert answer.abstained
    assert answer.text.startswith((i18n.text("not_stated", "id"), i18n.text("abstain", "id")))
