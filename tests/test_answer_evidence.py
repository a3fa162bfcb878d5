"""What a question states beyond its words: the day it names, the office it asks about, a
name ended by a possessive, and an answer the news states twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.countries import (
    asks_country,
    asks_within_country,
    demonym_country,
    names_country,
    only_countries,
)
from bot.answering.dated import stated_days
from bot.answering.grain import Grain, asked_grain, states_grain
from bot.answering.office import asked_office, other_office
from bot.answering.phrases import typed_phrases
from bot.answering.ranking import Candidate, share
from bot.answering.sentences import DATE_BONUS, Sentence
from bot.answering.shape import answers_nothing
from retrieval.documents import Article
from tests.builders import read_sentences


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Hingga Jumat 12 Agustus 2005, berapa korban tewas?", {(12, 8)}),
        ("Ribuan perajin berunjuk rasa, Jumat (26/8), di Cirebon.", {(26, 8)}),
        ("UE pada 27 Mei 2005 mulai berunding dengan China.", {(27, 5)}),
        ("The talks began on May 27, 2005, in Brussels.", {(27, 5)}),
        ("Dibuka 12/8/2005 dan ditutup 31-12-2005.", {(12, 8), (31, 12)}),
        ("Pameran dibuka 5 Okt. dan 6 okt lalu.", {(5, 10), (6, 10)}),
        # a month with its year, a score, a ratio and an impossible day state no day
        ("Pada Mei 2005 skornya 3/4, naik (40/8) poin.", set()),
        ("They may 5 times a year.", set()),
    ],
)
def test_the_days_a_text_states_in_any_way_the_news_writes_them(
    text: str, days: set[tuple[int, int]]
) -> None:
    assert stated_days(text) == days


def test_the_sentence_stating_the_asked_day_is_read_first(tmp_path: Path) -> None:
    text = (
        "Korban diare di Nusa Tenggara Timur terus bertambah. "
        "Hingga Kamis (11/8), korban diare yang tewas tercatat delapan orang. "
        "Hingga Jumat (12/8), korban diare yang tewas tercatat 13 orang."
    )
    question = "Hingga Jumat 12 Agustus 2005, berapa korban diare yang tewas?"
    weights = {"korban": 1.0, "diare": 1.0, "tewas": 1.0}

    found = read_sentences(tmp_path, text, question, weights, "number")
    by_day = {s.text.split(")")[0]: s for s in found if "(" in s.text}

    friday, thursday = by_day["Hingga Jumat (12/8"], by_day["Hingga Kamis (11/8"]
    assert friday.match == thursday.match  # the same words of the question …
    assert friday.score == pytest.approx(thursday.score + DATE_BONUS)  # … on the asked day
    assert found[0] == friday


@pytest.mark.parametrize(
    ("question", "office"),
    [
        ("Siapakah Menteri Pekerjaan Umum (PU)?", ("menteri", ("pekerjaan", "umum", "pu"))),
        ("Siapakah ketua Komisi A DPRD di Sumatera Utara?", ("ketua", ("komisi", "a", "dprd"))),
        ("Siapakah nama Kepala Dinas Kesehatan NTT", ("kepala", ("dinas", "kesehatan", "ntt"))),
        ("siapa ketua partai golkar yang baru?", ("ketua", ("partai", "golkar"))),
        ("Siapa Gubernur Jawa Barat?", None),  # a region's head: the story names the region
        ("Siapa yang menjadi ketua?", None),
    ],
)  # fmt: skip
def test_a_who_question_names_the_office_it_asks_about(
    question: str, office: tuple[str, tuple[str, ...]] | None
) -> None:
    assert asked_office(question) == office


@pytest.mark.parametrize(
    ("question", "sentence", "name", "other"),
    [
        ("Siapakah Menteri Pekerjaan Umum (PU) sekarang?",
         "Menteri Keuangan Purbaya Yudhi Sadewa menyambangi Kementerian Pekerjaan Umum (PU).",
         "Purbaya Yudhi Sadewa", True),
        ("Siapakah Menteri Pekerjaan Umum (PU)?",
         "Menteri Keuangan Purbaya Yudhi Sadewa menyambangi Kementerian Pekerjaan Umum (PU).",
         "Keuangan Purbaya Yudhi Sadewa", True),
        ("Siapakah Menteri Pekerjaan Umum (PU)?",
         "Menteri Pekerjaan Umum Djoko Kirmanto meninjau jalan.", "Pekerjaan Umum Djoko Kirmanto",
         False),
        ("Siapakah Menteri Pekerjaan Umum (PU) sekarang?",
         "Menteri PU Djoko Kirmanto mengatakan proyek itu selesai.", "Djoko Kirmanto", False),
        ("Siapakah ketua Komisi A DPRD di Sumatera Utara?",
         "Ketua Komisi X DPR RI, Hetifah Sjaifudian, mendesak pemerintah.", "Hetifah Sjaifudian",
         True),
        ("Siapakah ketua Komisi A DPRD di Sumatera Utara?",
         "Ketua Komisi A DPRD Sumut Muh Nuh mengatakan hal itu.", "Muh Nuh", False),
        ("Siapakah nama Kepala Dinas Kesehatan NTT",
         "Kepala Dinas Kesehatan Kabupaten Cirebon, Eni Suhaeni, mengungkapkan hal itu.",
         "Eni Suhaeni", True),
        ("Siapakah nama Kepala Dinas Kesehatan NTT",
         "Kepala Dinas Kesehatan Provinsi NTT, Stef Bria, mengatakan hal itu.", "Stef Bria", False),
        # a short form of the asked words is the same office
        ("Siapa Kepala Pusat Penelitian Biologi LIPI Bogor?",
         "Kepala Puslit Biologi LIPI Dr Dedy Darnedi mengatakan hal itu.", "Dr Dedy Darnedi",
         False),
        ("Siapa ketua DPRD Sumatera Utara?", "Ketua DPRD Sumut Baskami Ginting hadir.",
         "Baskami Ginting", False),
        # an office written longer than asked is still the asked one
        ("Siapa ketua Partai Golkar?", "Ketua Umum Partai Golkar Bahlil Lahadalia hadir.",
         "Bahlil Lahadalia", False),
        # a name set off by a comma after its office, an honorific, a title far before
        ("siapakah kepala staf Wapres AS Dick Cheney",
         "Karl Rove, dan kepala staf Wapres Dick Cheney, I Lewis Libby, akan didakwa.",
         "I Lewis Libby", False),
        ("Siapa Kepala Pusat Penelitian Biologi LIPI Bogor?",
         "Kepala Puslit Biologi LIPI Dr Dedy Darnedi mengatakan hal itu.", "Dedy Darnedi", False),
        ("Siapakah Perdana Menteri Malaysia saat itu?",
         "Buku Menjadi Perdana Menteri terbit saat Anwar menjadi deputi Mahathir Mohamad.",
         "Mahathir Mohamad", False),
        ("Siapakah ketua juri di UNESCO?", "Para juri bersidang dengan ketua Putri Basma.",
         "Putri Basma", False),
        ("Siapakah Kepala Subdinas Pemberantasan Penyakit dan Penyehatan Lingkungan Sumsel?",
         "Kepala Subdinas Pemberantasan Penyakit dan Penyehatan Lingkungan, Adjad, hadir.",
         "Adjad", False),
        # the office written after the name
        ("Siapakah ketua Komisi A DPRD di Sumatera Utara?",
         "Umi Hartati (UH) selaku Ketua Komisi II DPRD OKU.", "Umi Hartati", True),
        ("Siapakah ketua Komisi A DPRD di Sumatera Utara?",
         "Muh Nuh, Ketua Komisi A DPRD Sumut, mengatakan hal itu.", "Muh Nuh", False),
        ("Siapakah nama Kepala Dinas Kesehatan NTT",
         "Eni Suhaeni, Kepala Dinas Kesehatan Kabupaten Cirebon, mengatakan itu.", "Eni Suhaeni",
         True),
        # two letters swapped in the question are its word still
        ("Siapakah staf ahli Menteri Kehutanan Bidang Pengembangan Sumebr Daya Alam?",
         "Staf Ahli Menteri Kehutanan Bidang Pengembangan Sumber Daya Alam, I Made Subadia, hadir.",
         "I Made Subadia", False),
        # a name with no title before it holds no other office
        ("Siapakah Menteri Pekerjaan Umum (PU) sekarang?", "Djoko Kirmanto meresmikan jalan itu.",
         "Djoko Kirmanto", False),
    ],
)  # fmt: skip
def test_a_name_given_another_office_than_asked_is_no_answer(
    question: str, sentence: str, name: str, other: bool
) -> None:
    start = sentence.index(name)

    found = other_office(sentence, start, start + len(name), asked_office(question), "id")

    assert found is other


def test_offices_are_only_told_apart_in_indonesian() -> None:
    sentence = "Finance Minister Purbaya Yudhi Sadewa visited the ministry."
    start = sentence.index("Purbaya")
    office = asked_office("Siapakah Menteri Pekerjaan Umum?")

    assert not other_office(sentence, start, start + 20, office, "en")


def test_a_possessive_ends_a_name() -> None:
    sentence = (
        "Ashton Carter, who served as President Barack Obama’s final defense secretary, visited "
        "Yellowstone National Park's Rescue Creek."
    )

    people = typed_phrases(sentence, "person", set(), "en")
    places = typed_phrases(sentence, "place", set(), "en")

    assert "President Barack Obama" in people
    assert not [p for p in people if "’" in p]
    assert "Yellowstone National Park" in places
    assert "Rescue Creek" in places


def _candidate(text: str, phrase: str, logprob: float) -> Candidate:
    article = Article(id=phrase + text[:5], title="", text=text, date=None)
    sentence = Sentence(article, 0, len(text), "id", match=0.5, score=0.5, rank=0)
    start = text.index(phrase)
    return Candidate(sentence, start, start + len(phrase), logprob=logprob, tokens=3, near=0.0)


def test_an_answer_the_news_states_twice_is_one_answer_not_two_rivals() -> None:
    first = _candidate("Graham Clifford (21) ditangkap di Medan.", "Graham Clifford", -6.0)
    again = _candidate("Graham Clifford (21) ditangkap polisi Medan.", "Graham Clifford", -6.0)
    rival = _candidate("Satuan Reserse Narkoba menangkap dia.", "Satuan Reserse Narkoba", -9.0)

    alone = share(first, [first, rival])
    twice = share(first, [first, again, rival])

    assert twice > alone
    assert twice == pytest.approx(share(again, [first, again, rival]))
    assert share(rival, [first, again, rival]) == pytest.approx(1.0 - twice)


def test_a_law_is_no_place() -> None:
    sentence = (
        "Perajin rotan berunjuk rasa menolak Peraturan Menteri Perdagangan Nomor 12 di Gedung "
        "DPRD Kabupaten Cirebon."
    )

    places = typed_phrases(sentence, "place", set(), "id")

    assert "Gedung DPRD Kabupaten Cirebon" in places
    assert not [p for p in places if "Peraturan" in p]


@pytest.mark.parametrize(
    "span",
    ["Scott Barbour/Getty Images", "Pratham Gokhale/Hindustan Times/Sipa/Reuters Students"],
)
def test_a_photo_credit_answers_nothing(span: str) -> None:
    assert answers_nothing(span, set(), "en")
    assert not answers_nothing("Adele", set(), "en")


def test_a_titled_person_is_no_place() -> None:
    sentence = (
        "Juru Bicara Dewan Keamanan Nasional John Kirby mengatakan bahwa menteri pertahanan "
        "Rusia baru-baru ini melakukan perjalanan ke Korea Utara, kata Duta Besar Inggris "
        "untuk Korea Utara."
    )

    places = typed_phrases(sentence, "place", set(), "id")

    assert places == ["Rusia", "Korea Utara"]


@pytest.mark.parametrize(
    ("phrase", "country"),
    [
        ("Jerman", True), ("Germany (Jerman)", True), ("Di Suzuka (Jepang)", True),
        ("Rusia", True), ("Federasi Rusia", True), ("Korea Utara", True), ("AS", True),
        ("Tiongkok", True), ("Arab Saudi", True), ("Sri Lanka", True), ("Philippines", True),
        ("Siprus Utara", True), ("Jordania", True),
        ("Kabupaten Katingan", False), ("Tedros Adhanom Ghebreyesus", False),
        ("Uni Eropa", False), ("Di Sulawesi", False), ("Iranian", True),
        ("Saudi Arabian", True), ("American Airlines", False),
    ],
)  # fmt: skip
def test_a_country_is_told_from_other_places(phrase: str, country: bool) -> None:
    assert names_country(phrase) is country


@pytest.mark.parametrize(
    ("phrase", "lang", "country"),
    [
        ("Iranian", "en", "Iran"), ("Saudi Arabian", "en", "Saudi Arabia"),
        ("Saudi Arabian", "id", "Arab Saudi"), ("French", "en", "France"),
        ("Chinese", "en", "China"), ("British", "en", "United Kingdom"),
        ("Filipino", "id", "Filipina"), ("American Airlines", "en", None),
        ("Iran", "en", None), ("lawmakers", "en", None),
    ],
)  # fmt: skip
def test_a_peoples_adjective_names_its_country(phrase: str, lang: str, country: str | None) -> None:
    # one adjective of several countries (French: France, Martinique, Réunion …) names the
    # most populous
    assert demonym_country(phrase, lang) == country


def test_a_which_country_question_asks_for_a_country() -> None:
    assert asks_country("Di negara manakah letak kota Shanghai?")
    assert asks_country("Which country declared victory against Covid-19?")
    assert not asks_country("Di kota manakah letak kantor pusat WHO?")


@pytest.mark.parametrize(
    ("question", "grain"),
    [
        ("Tahun berapakah Tembok Berlin runtuh?", "year"),
        ("Pada tahun berapa debut naskah drama itu dipentaskan?", "year"),
        ("In what year did the wall fall?", "year"),
        ("Tanggal berapakah Sharapova lahir?", "day"),
        ("On what date was the treaty signed?", "day"),
        ("Pukul berapa gempa itu terjadi?", "clock"),
        ("Kapan Tembok Berlin runtuh?", None),
        ("Berapa tahun ia dipenjara?", None),  # how long, not when
    ],
)
def test_a_when_question_says_how_finely_it_asks(question: str, grain: str | None) -> None:
    assert asked_grain(question) == grain


@pytest.mark.parametrize(
    ("grain", "phrase", "fits"),
    [
        ("year", "1989", True),
        ("year", "tahun 1990-an", True),
        ("year", "19 April 1987", True),
        ("year", "Selasa (30/8)", False),
        ("year", "28 September", False),
        ("day", "19 April 1987", True),
        ("day", "Selasa (30/8)", True),
        ("day", "April 19", True),
        ("day", "tahun 2005", False),
        ("day", "Oktober 2005", False),
        ("clock", "pukul 08.06", True),
        ("clock", "Selasa (6/9)", False),
        (None, "tahun 2005", True),
    ],
)
def test_a_time_is_told_at_its_grain(grain: Grain | None, phrase: str, fits: bool) -> None:
    assert states_grain(grain, phrase) is fits


@pytest.mark.parametrize(
    ("sentence", "numbers"),
    [
        # written on a name: part of it, counts nothing
        (
            "Pesawat Boeing 737 400 milik Garuda membawa 112 penumpang.",
            ["112 penumpang"],
        ),
        ("Penerbangan GA-181 membawa 98 orang.", ["98 orang"]),
        # a time of day counts nothing either
        ("Pesawat mendarat pukul 08.06 membawa 98 orang.", ["98 orang"]),
        # unless what follows counts: a unit, a counting word, the asked noun
        ("Lin Dan 15 kali gagal.", ["15 kali", "15 kali gagal"]),
        # capitalised as the sentence's first word, after a dateline too, or a label
        ("Sebanyak 1.200 warga mengungsi.", ["1.200 warga", "1.200 warga mengungsi"]),
        ("Jakarta, Kompas-Sebanyak 40 rumah rusak.", ["40 rumah", "40 rumah rusak"]),
        ("Harganya Rp 5.700 per liter.", ["Rp 5.700", "Rp 5.700 per liter"]),
        ("Peraturan Menteri Nomor 17 itu berlaku.", ["17"]),
    ],
)
def test_a_number_written_on_a_name_is_no_count(sentence: str, numbers: list[str]) -> None:
    assert typed_phrases(sentence, "number", set(), "id") == numbers


@pytest.mark.parametrize(
    ("phrase", "only"),
    [
        ("Di Nigeria, Bolivia", True),
        ("Amerika Serikat", True),
        ("Rusia dan China", True),
        ("Manila, Filipina", False),
        ("Filipina (Manila)", False),
        ("Jawa Barat", False),
        ("Singapura", False),  # a city as well as a country
    ],
)
def test_a_phrase_naming_countries_alone_is_told(phrase: str, only: bool) -> None:
    assert only_countries(phrase) is only


@pytest.mark.parametrize(
    ("question", "within"),
    [
        ("Di provinsi mana rakyat Ekuador turun ke jalan?", True),
        ("Di kota manakah letak kantor pusat PBB?", True),
        ("Which state approved the ballot measure?", True),
        ("Di pulau apakah kota Padang terletak?", False),  # an island may be a country
        ("Di negara manakah SEA Games X dilaksanakan?", False),
    ],
)
def test_a_question_asking_for_a_place_inside_a_country_is_told(
    question: str, within: bool
) -> None:
    assert asks_within_country(question) is within
