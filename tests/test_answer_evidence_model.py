"""With the real default model: an acronym spelled out, the asked day's figure, no name
holding another office than asked, a year when asked the year, and no number that is part
of a name, no country when asked the province, a country named by its people's adjective."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.answering import Answerer
from bot.evaluation import citations_valid
from bot.llm import LlamaGenerator
from tests.builders import answerer_over

pytestmark = pytest.mark.slow

FLOUR = (
    "Harga terigu naik\n"
    "Produsen tepung terigu akan menaikkan harga mulai pekan depan. Ketua Asosiasi Produsen "
    "Tepung Terigu Indonesia (Aptindo) Franciscus Welirang mengatakan kenaikan itu karena "
    "harga gandum dunia naik. Aptindo mencatat impor gandum tahun ini 4,5 juta ton.\n"
)
DIARRHOEA = (
    "Diare di Nusa Tenggara Timur\n"
    "Korban diare di Nusa Tenggara Timur terus bertambah. Hingga Kamis (11/8), korban diare "
    "yang tewas tercatat delapan orang. Hingga Jumat (12/8), korban diare yang tewas tercatat "
    "13 orang. Dinas kesehatan mengirim obat ke desa-desa.\n"
)
MINISTRY = (
    "Kunjungan ke Kementerian PU\n"
    "Menteri Keuangan Purbaya Yudhi Sadewa menyambangi Kantor Kementerian Pekerjaan Umum (PU) "
    "di Jakarta Selatan pada Senin. Kunjungan itu membahas anggaran jalan tol.\n"
)

TENNIS = (
    "Sharapova juara di Tokyo\n"
    "Petenis Rusia Maria Sharapova, yang lahir pada tahun 1987, menjuarai turnamen di Tokyo "
    "pada 2005. Sharapova lahir di Nyagan, Siberia, pada 19 April.\n"
)
LANDING = (
    "Pendaratan darurat di Pekanbaru\n"
    "Pesawat Boeing 737 milik Garuda jurusan Medan-Jakarta mendarat darurat di Bandar Udara "
    "Sultan Syarif Kasim II Pekanbaru, Selasa (6/9), karena mesinnya terbakar. Tidak ada "
    "korban dalam kejadian itu.\n"
)
PROTEST = (
    "Protes minyak Ekuador\n"
    "Rakyat Ekuador turun ke jalan untuk merebut sebagian rezeki minyak, seperti yang "
    "sebelumnya terjadi di Nigeria dan Bolivia. Produksi minyak negara itu terhenti.\n"
)
LAWMAKERS = (
    "Lawmakers call for harsh sentences\n"
    "Iranian lawmakers on Sunday asked the judiciary to punish protesters harshly, as "
    "demonstrations over fuel prices entered their third week in the capital.\n"
)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, llama: LlamaGenerator) -> Answerer:
    return answerer_over(
        tmp_path_factory.mktemp("answer-evidence"),
        {
            "terigu": FLOUR,
            "diare": DIARRHOEA,
            "pu": MINISTRY,
            "tenis": TENNIS,
            "garuda": LANDING,
            "ekuador": PROTEST,
            "lawmakers": LAWMAKERS,
        },
        llama,
    )


def test_an_acronym_is_answered_with_the_name_written_beside_it(answerer: Answerer) -> None:
    answer = answerer.answer("Apakah kepanjangan dari Aptindo?")

    assert answer.text == "Asosiasi Produsen Tepung Terigu Indonesia [1]."
    assert "(Aptindo)" in answer.citations[0].quote
    assert citations_valid(answer, answerer.index.snapshot)


def test_the_figure_of_the_asked_day_is_the_answer(answerer: Answerer) -> None:
    answer = answerer.answer("Hingga Jumat 12 Agustus 2005, berapakah korban diare yang tewas?")

    assert answer.text.startswith("13 orang")
    assert "(12/8)" in answer.citations[0].quote
    assert citations_valid(answer, answerer.index.snapshot)


def test_a_minister_of_another_portfolio_is_no_answer(answerer: Answerer) -> None:
    answer = answerer.answer("Siapakah Menteri Pekerjaan Umum (PU) sekarang?")

    # the news names no minister of public works: it says so, the closest sentence quoted
    assert answer.abstained
    assert answer.text.startswith(i18n.text("not_stated", "id"))


def test_asked_the_date_a_year_alone_is_no_answer(answerer: Answerer) -> None:
    answer = answerer.answer("Tanggal berapakah Sharapova lahir?")

    # 237e21c … 78ea06a answered "Pada tahun 1987 [1]."
    assert answer.text.startswith("Pada 19 April [1].")
    assert citations_valid(answer, answerer.index.snapshot)


def test_a_number_that_is_part_of_a_name_counts_nothing(answerer: Answerer) -> None:
    answer = answerer.answer("Berapa penumpang pesawat Garuda yang mendarat darurat di Pekanbaru?")

    # "Boeing 737" counts no passengers (78ea06a answered "737 milik Garuda [1]."): the news
    # does not say how many there were
    assert answer.abstained
    assert answer.text.startswith(i18n.text("not_stated", "id"))


def test_asked_the_province_a_country_is_no_answer(answerer: Answerer) -> None:
    answer = answerer.answer("Di provinsi mana rakyat Ekuador turun ke jalan?")

    # 78ea06a answered "Di Nigeria dan Bolivia [1]."
    assert answer.abstained
    assert answer.text.startswith(i18n.text("not_stated", "id"))


def test_asked_which_country_its_peoples_adjective_names_it(answerer: Answerer) -> None:
    answer = answerer.answer("Which country's lawmakers asked the judiciary to punish protesters?")

    # 3a03125 abstained: "Iranian" was no country
    assert answer.text.startswith("Iran [1].")
    assert "Iranian lawmakers" in answer.citations[0].quote
    assert citations_valid(answer, answerer.index.snapshot)
