"""The pure answer stages: question kinds, candidate phrases, span shaping and framing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.answering.framing import frame
from bot.answering.phrases import typed_phrases
from bot.answering.proximity import nearness
from bot.answering.qtype import AnswerType, answer_type
from bot.answering.ranking import Candidate, ranked, share
from bot.answering.reader import align, mentioned_first, trim_span
from bot.answering.sentences import ANAPHOR_SHARE, Sentence
from bot.answering.shape import asked_terms, question_names, shape
from retrieval.analysis import analyze, detect_language
from retrieval.documents import Article
from tests.builders import read_sentences

SUMMIT = (
    "Pertemuan tersebut kemungkinan akan berlangsung di Kota Vladivostok, di pantai timur "
    "Rusia, lapor New York Times."
)


def phrases_for(question: str, sentence: str, kind: AnswerType, lang: str = "id") -> list[str]:
    """Return the candidates of ``kind`` in ``sentence`` for ``question``, as the pipeline
    finds them (the question's words and names known)."""
    asked = asked_terms(question, lang, set())  # type: ignore[arg-type]
    return typed_phrases(sentence, kind, asked, lang, question_names(question))  # type: ignore[arg-type]


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
        ("Lima perusahaan asing di kawasan manakah yang tak mendapat gas?", "place"),
        ("Di kecamatan manakah lahan itu dinyatakan puso?", "place"),
        ("Kelompok apakah yang bertanggung jawab?", "name"),
        ("Atlet bintang mana yang kembali bertanding?", "name"),
        ("Which automaker recalled 2.9 million vehicles?", "name"),
        ("What percentage of adults disapprove?", "number"),
        ("How old was Yves Chauvin when he received the prize?", "number"),
        ("When did the quake hit?", "time"),
        ("The summit ended. When will they meet again?", "time"),
        ("Untuk apa dana itu dipakai?", "other"),
        ("Apa yang dibahas kedua pemimpin?", "other"),
        ("Why did cities cancel their fireworks?", "other"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_place_phrases_are_the_names_the_question_does_not_hold() -> None:
    asked = asked_terms("Di mana Putin dan Kim akan bertemu?", "id", set())

    # "Pertemuan" is capitalised only as the sentence's first word: no place.
    assert typed_phrases(SUMMIT, "place", asked, "id") == [
        "Kota Vladivostok",
        "Rusia",
        "New York Times",
    ]


def test_a_person_is_not_an_answer_to_where() -> None:
    sentence = "President Joe Biden spoke at Columbia University on Monday."
    asked = asked_terms("Where did the president speak?", "en", set())

    assert "Columbia University" in typed_phrases(sentence, "place", asked, "en")
    assert "President Joe Biden" not in typed_phrases(sentence, "place", asked, "en")
    # nor is a company
    sentence = "Kapal itu disewa PT Baruna Mekar dan kini berada di Tanjung Intan, Cilacap."
    assert phrases_for("Di mana kapal itu sekarang?", sentence, "place") == [
        "Tanjung Intan",
        "Cilacap",
        "Tanjung Intan, Cilacap",
    ]


def test_a_title_that_repeats_the_question_is_dropped_from_a_name() -> None:
    sentence = "Juru Bicara Dewan Keamanan Nasional John Kirby mengatakan hal itu."
    asked = asked_terms("Siapa juru bicara Dewan Keamanan Nasional?", "id", set())

    assert typed_phrases(sentence, "person", asked, "id") == ["John Kirby"]


def test_a_title_the_question_says_in_the_other_language_is_dropped_too() -> None:
    # "Who spoke for the National Security Council?": its terms, translated, are asked, but
    # no English word is "juru"; the title is one (vocab.TITLES).
    sentence = "Juru Bicara Dewan Keamanan Nasional John Kirby mengatakan hal itu."
    asked = {"bicara", "dewan", "aman", "nasional", "spoke", "council", "secur"}

    assert typed_phrases(sentence, "person", asked, "id") == ["John Kirby"]
    # a place is never the name after a titled person's: asked where PT TPPI's plant is
    asked = asked_terms("Dimanakah letak pabrik PT TPPI?", "id", set())
    sentence = "Direktur PT TPPI Bambang Aji menjelaskan hal itu di Tuban, Jawa Timur."
    assert "Bambang Aji" not in typed_phrases(sentence, "place", asked, "id")
    # ... and an asked title still leaves the organisation it is held in
    asked = asked_terms("Menjadi wakil presiden di manakah, Michael Shifter", "id", set())
    sentence = "Michael Shifter, Wakil Presiden Dialog Inter Amerika, mengatakan hal itu."
    assert "Dialog Inter Amerika" in typed_phrases(sentence, "place", asked, "id")
    # a title alone before the name stays: it is said in the asker's language
    assert "Presiden Putin" in typed_phrases("Presiden Putin menyambut Kim.", "person", set(), "id")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Siapa yang akan ditemui Kim Jong-un?", "person"),
        ("Ke mana Kim Jong-un berangkat?", "place"),
    ],
)
def test_a_run_describing_the_questions_own_name_is_no_answer(question: str, kind: str) -> None:
    sentence = (
        "Bisnis.com, JAKARTA - Pemimpin Korea Utara (Korut) Kim Jong-un dikabarkan telah "
        "berangkat ke Rusia untuk bertemu Presiden Vladimir Putin."
    )
    phrases = typed_phrases(sentence, kind, asked_terms(question, "id", set()), "id")

    assert not [p for p in phrases if "Korea Utara" in p]
    assert ("Presiden Vladimir Putin" if kind == "person" else "Rusia") in phrases
    # Asked about the leader of North Korea instead, the run is the question's own words and
    # Kim Jong-un is the new name.
    asked = asked_terms("Siapa pemimpin Korea Utara?", "id", set())
    assert "Kim Jong-un" in typed_phrases(sentence, "person", asked, "id")
    # Asked about the description, it stays: the head of which agency is ElBaradei?
    sentence = "Kepala Badan Tenaga Atom Internasional (IAEA) Mohamed ElBaradei tiba."
    asked = asked_terms("Kepala Badan apakah Mohamed ElBaradei?", "id", set())
    assert "Badan Tenaga Atom Internasional (IAEA)" in typed_phrases(sentence, "name", asked, "id")


def test_a_number_question_takes_the_number_its_unit_and_not_a_date() -> None:
    sentence = "Jakarta, Senin (21/8) - Sebanyak 84 penumpang selamat, sekitar 7.000-10.000 ekor."
    asked = asked_terms("Berapa penumpang yang selamat?", "id", set())

    assert typed_phrases(sentence, "number", asked, "id") == [
        "84 penumpang",
        "84 penumpang selamat",
        "sekitar 7.000-10.000 ekor",
    ]


def test_a_longer_unit_is_offered_as_a_candidate_and_kept_by_shaping() -> None:
    sentence = "Erosi DAS Merawu rata-rata 10,23 mm per tahun, sedangkan DAS Serayu 4,12 mm."
    asked = asked_terms("Berapakah rata-rata tingkat erosi DAS Merawu?", "id", set())

    phrases = typed_phrases(sentence, "number", asked, "id")
    assert phrases[:2] == ["10,23 mm", "10,23 mm per tahun"]  # never "10,23 mm per"
    start = sentence.index("10,23")
    end = start + len("10,23 mm per tahun")
    assert shape(sentence, start, end, asked, "id", "number") == (start, end)


def test_shaping_keeps_what_was_asked_and_the_numbers_qualifier() -> None:
    text = "luasnya sekitar 568.700 hektar"
    asked = asked_terms("Berapa hektar luas Taman Nasional Sebangau?", "id", set())

    a, z = shape(text, 0, len(text), asked, "id", "number")

    assert text[a:z] == "sekitar 568.700 hektar"


@pytest.mark.parametrize(
    ("sentence", "kind", "phrase"),
    [
        ("Koleksi kataknya lebih dari 20 jenis berukuran kecil.", "number", "lebih dari 20 jenis"),
        ("Sedikitnya 500 keping VCD telah dicetak.", "number", "Sedikitnya 500 keping VCD"),
        ("Ekonomi tumbuh antara 3,4 persen dan 6,35 persen, tetapi …", "number",
         "antara 3,4 persen dan 6,35 persen"),
        ("The race drew more than 31,000 runners.", "number", "more than 31,000 runners"),
        ("Growth was between 2 and 3 percent.", "number", "between 2 and 3 percent"),
        ("Pesta olahraga itu di Teheran, 20-29 September.", "time", "20-29 September"),
        ("Impor CFCs dihentikan pada akhir 2007.", "time", "akhir 2007"),
        ("Prices rose in early March 2023.", "time", "early March 2023"),
    ],
)  # fmt: skip
def test_a_qualifier_range_or_part_of_the_year_stays_with_its_number(
    sentence: str, kind: AnswerType, phrase: str
) -> None:
    lang = detect_language(sentence)
    phrases = typed_phrases(sentence, kind, set(), lang)

    assert phrase in phrases
    start = sentence.index(phrase)
    assert shape(sentence, start, start + len(phrase), set(), lang, kind) == (
        start, start + len(phrase),
    )  # fmt: skip


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
        ("Sultra", "Di provinsi manakah Ali Mazi menjabat?", "place", "id", "id",
         "Di Sultra [1]."),
        ("kereta api lapis baja", "How did Kim travel?", "other", "en", "id",
         "“kereta api lapis baja” [1]."),
        # The gloss is the lexicon's written form, not its index stems ("armor train").
        ("kereta lapis baja", "How did Kim travel?", "other", "en", "id",
         "“kereta lapis baja” (armored train) [1]."),
        ("amunisi", "What does Moscow need?", "other", "en", "id",
         "“amunisi” (ammunition) [1]."),
        # a count and its unit, word by word
        ("empat jenis", "How many species live there?", "number", "en", "id",
         "“empat jenis” (four species) [1]."),
        ("lima orang", "How many died?", "number", "en", "id", "“lima orang” (five people) [1]."),
        ("12,000 runners", "How many runners?", "number", "en", "en", "12,000 runners [1]."),
        # a name's title is said in the asker's language
        ("Presiden Putin", "Who did Kim travel to meet?", "person", "en", "id",
         "President Putin [1]."),
        ("Menteri Luar Negeri Retno Marsudi", "Who spoke?", "person", "en", "id",
         "Foreign Minister Retno Marsudi [1]."),
        ("President Joe Biden", "Siapa yang berpidato?", "person", "id", "en",
         "Presiden Joe Biden [1]."),
        # ... but an office stays as the news writes it
        ("Menteri Hukum dan Hak Asasi Manusia", "Who led the team?", "person", "en", "id",
         "Menteri Hukum dan Hak Asasi Manusia [1]."),
        ("Menteri Pertanian Anton Apriyantono", "Who opened it?", "person", "en", "id",
         "Menteri Pertanian Anton Apriyantono [1]."),
        ("Presidential Palace", "Di mana dia berpidato?", "place", "id", "en",
         "Di Presidential Palace [1]."),
        # a country is said in the asker's language, the news's name beside it
        ("Jerman", "With which country did the EU negotiate?", "place", "en", "id",
         "Germany (Jerman) [1]."),
        # "In X" answers where, or in which place; "What country …?" is the country alone
        ("Saudi Arabia", "What country cracked down on rainbow toys?", "place", "en", "en",
         "Saudi Arabia [1]."),
        ("Riyadh", "In which city were the shops raided?", "place", "en", "en",
         "In Riyadh [1]."),
        ("Kourou, Perancis", "Where was it launched?", "place", "en", "id",
         "In Kourou, France [1]."),
        # ... "To X" / "From X" when its verb asks where to or where from
        ("Rusia", "Where did Kim travel?", "place", "en", "id", "To Russia (Rusia) [1]."),
        ("Surabaya", "Where is the singer from?", "place", "en", "en", "From Surabaya [1]."),
        ("Colombia", "Di negara mana pemilu itu digelar?", "place", "id", "en",
         "Di Kolombia (Colombia) [1]."),
        ("Jerman", "Di negara mana?", "place", "id", "id", "Di Jerman [1]."),
        ("1977", "Kapan pidato itu disampaikan?", "time", "id", "id", "Pada 1977 [1]."),
        ("tahun 1982", "Kapan pembantaian terjadi?", "time", "id", "id", "Pada tahun 1982 [1]."),
        ("sejak 2001", "Sejak kapan?", "time", "id", "id", "Sejak 2001 [1]."),
        ("pukul 21.00", "Sampai pukul berapa pasar buka?", "time", "id", "id",
         "Sampai pukul 21.00 [1]."),
        ("9 pm", "Until when is the market open?", "time", "en", "en", "Until 9 pm [1]."),
        ("1977", "When was the speech given?", "time", "en", "en", "In 1977 [1]."),
        ("March 2023", "When did it open?", "time", "en", "en", "In March 2023 [1]."),
        ("Tuesday", "When will they meet?", "time", "en", "en", "On Tuesday [1]."),
        ("12/9/2023", "When will they meet?", "time", "en", "id", "On 12/9/2023 [1]."),
        ("10.30 WIB", "When did the quake hit?", "time", "en", "id", "At 10.30 WIB [1]."),
    ],
)  # fmt: skip
def test_framing_in_the_askers_language(
    span: str, question: str, kind: str, lang: str, source: str, expected: str
) -> None:
    assert (
        frame(span, question=question, kind=kind, lang=lang, source_lang=source, marker="[1]")  # type: ignore[arg-type]
        == expected
    )


def test_the_phrase_beside_the_words_asked_about_is_nearest() -> None:
    sentence = (
        "Populasi orangutan sumatera hanya berkisar 7.000 ekor, sedangkan orangutan "
        "kalimantan masih sekitar 50.000 ekor."
    )
    orangutan, kalimantan = analyze("orangutan kalimantan", "id")
    weights = {orangutan: 2.0, kalimantan: 5.0}
    first = sentence.index("7.000 ekor")
    second = sentence.index("sekitar 50.000 ekor")

    near_first = nearness(sentence, "id", first, first + 10, weights, 7.0)
    near_second = nearness(sentence, "id", second, second + 19, weights, 7.0)

    assert near_second > near_first > 0
    assert nearness(sentence, "id", first, first + 10, {}, 7.0) == 0.0


def _candidate(logprob: float, near: float, score: float = 1.0) -> Candidate:
    # each candidate its own phrase: the same phrase twice is one answer (ranking.share)
    text = f"{logprob} {near} {score} " + "x" * 30
    sentence = Sentence(
        article=Article(id="a", title="", text=text, date=None),
        start=0, end=len(text), lang="id", match=score, score=score, rank=0,
    )  # fmt: skip
    return Candidate(sentence, 0, len(text) - 30, logprob=logprob, tokens=3, near=near)


def test_a_place_written_the_asked_way_outranks_one_written_otherwise() -> None:
    at_place = replace(_candidate(logprob=-6.0, near=0.1), direction=1.0)
    to_place = replace(_candidate(logprob=-4.0, near=0.1), direction=-1.0)

    assert ranked([to_place, at_place]) == [at_place, to_place]


def test_a_number_measuring_the_asked_thing_outranks_a_likelier_one_that_does_not() -> None:
    turtles = replace(_candidate(logprob=-7.0, near=0.2), unit=1.0)  # "1.200 ekor penyu"
    distance = replace(_candidate(logprob=-4.0, near=0.2), unit=-1.0)  # "17,5 kilometer"

    assert ranked([distance, turtles]) == [turtles, distance]


def test_the_names_a_question_gives_are_its_capitalised_words_but_the_first() -> None:
    assert question_names("Di mana Putin dan Kim akan bertemu?") == {"putin", "kim"}
    assert question_names("Di kabupaten manakah polisi menyita kayu?") == set()
    assert question_names("DI MANA PUTIN DAN KIM AKAN BERTEMU?") == set()  # casing tells nothing


@pytest.mark.parametrize(
    ("span", "answer"),
    [
        ("amunisi, dan harga yang diminta Korea Utara", "amunisi"),
        ("ammunition, but the price is high", "ammunition"),
        ("beras, gula, dan minyak goreng", "beras, gula, dan minyak goreng"),
    ],
)
def test_an_answer_ends_before_a_second_clause_but_keeps_a_list(span: str, answer: str) -> None:
    sentence = f"Moskow sangat membutuhkan {span}."
    asked = asked_terms("Apa yang dibutuhkan Moskow?", "id", set())
    start = sentence.index(span)

    a, z = shape(sentence, start, start + len(span), asked, "id", "other")

    assert sentence[a:z] == answer


def test_ranking_weighs_likelihood_and_nearness_together() -> None:
    likely_far = _candidate(logprob=-2.0, near=0.0)
    unlikely_near = _candidate(logprob=-4.0, near=0.9)
    unlikely_far = _candidate(logprob=-9.0, near=0.0)

    order = ranked([likely_far, unlikely_far, unlikely_near])

    assert order == [unlikely_near, likely_far, unlikely_far]
    assert share(order[0], order) > 0.5 > share(order[-1], order)
    assert share(order[0], [order[0]]) == 1.0


@pytest.mark.parametrize(
    "sentence",
    [
        "Yogyakarta, Kompas-Drh Yuda, dosen UGM, tugas belajar di Seoul National University.",
        "Bisnis.com, JAKARTA - Drh Yuda, dosen UGM, tugas belajar di Seoul National University.",
    ],
)
def test_a_dateline_or_a_bare_year_is_no_place(sentence: str) -> None:
    asked = asked_terms("Di mana Drh Yuda tugas belajar?", "id", set())

    phrases = typed_phrases(sentence[:-1] + " sejak 2005.", "place", asked, "id")

    assert "Seoul National University" in phrases
    assert not {"Yogyakarta", "Kompas", "JAKARTA", "Bisnis.com", "2005"} & set(phrases)


def test_a_year_is_no_count() -> None:
    sentence = "As of this week in 2022 there are more than 10,000 monkeypox cases in the US."
    asked = asked_terms("How many monkeypox cases are in the United States?", "en", set())

    phrases = typed_phrases(sentence, "number", asked, "en")

    assert "2022" not in phrases
    assert "more than 10,000 monkeypox cases" in phrases


def test_a_number_word_inside_another_word_is_no_number() -> None:
    # "tempat" (place) holds "empat" (four): read as a count it made "Empat penyu" up.
    sentence = "Pantai itu, tempat penyu belimbing bertelur, membentang sepanjang 17,5 kilometer."

    phrases = phrases_for("Berapa jumlah penyu belimbing di pantai itu?", sentence, "number")

    assert phrases and all("empat" not in p.casefold() for p in phrases)
    assert "17,5 kilometer" in phrases


def test_a_which_organisation_answer_is_the_run_between_the_questions_own_words() -> None:
    sentence = (
        "Ia bertemu Kepala Badan Tenaga Atom Internasional (IAEA) Mohamed ElBaradei di Vienna."
    )
    asked = asked_terms("Kepala Badan apakah Mohamed ElBaradei?", "id", set())

    phrases = typed_phrases(sentence, "name", asked, "id")

    assert "Badan Tenaga Atom Internasional (IAEA)" in phrases
    assert "Tenaga Atom Internasional (IAEA)" in phrases
    assert not any(p.endswith("ElBaradei") for p in phrases)


def test_a_name_run_starts_after_the_dateline_not_with_it() -> None:
    sentence = "Cilacap, Kompas-Ketua Himpunan Nelayan Seluruh Indonesia Cilacap kini ditahan."
    asked = asked_terms("Himpunan apakah yang diketuai Atas Munandar?", "id", set())

    phrases = typed_phrases(sentence, "name", asked, "id")

    assert "Himpunan Nelayan Seluruh Indonesia Cilacap" in phrases
    assert not any(p.startswith(("Cilacap, Kompas", "Kompas")) for p in phrases)


def test_a_place_is_offered_as_the_whole_chain_of_names_the_news_writes() -> None:
    sentence = "Waduk Malahayu terletak di Kecamatan Banjarharjo, Kabupaten Brebes, Jawa Tengah."
    asked = asked_terms("Dimana letak Waduk Malahayu?", "id", set())

    phrases = typed_phrases(sentence, "place", asked, "id")

    assert "Kecamatan Banjarharjo, Kabupaten Brebes, Jawa Tengah" in phrases


def test_a_date_or_a_weekday_is_no_place() -> None:
    sentence = "Pesawat itu jatuh di Venezuela, Selasa (16/8), saat rapat di Bali, 9-15 Oktober."
    asked = asked_terms("Di mana pesawat itu jatuh?", "id", set())

    phrases = typed_phrases(sentence, "place", asked, "id")

    assert "Venezuela" in phrases
    assert not [p for p in phrases if "Selasa" in p or "Oktober" in p]


def test_a_sentence_that_refers_back_to_the_asked_event_is_read_with_the_lead(
    tmp_path: Path,
) -> None:
    text = (
        "Kim Jong-un berangkat ke Rusia untuk menghadiri pertemuan puncak dengan Putin. "
        "Harga tiket kereta naik. Pertemuan tersebut akan berlangsung di Kota Vladivostok."
    )
    question = "Di mana Putin dan Kim akan bertemu?"
    weights = {"putin": 1.0, "kim": 1.0, "temu": 1.0}

    found = read_sentences(tmp_path, text, question, weights, "place")
    match = {" ".join(s.text.split()[:2]): s.match for s in found}

    # "Pertemuan tersebut" is the lead's meeting: a share of the lead's words counts too.
    assert match["Pertemuan tersebut"] == pytest.approx((1.0 + ANAPHOR_SHARE * 2.0) / 3.0)
    assert match["Kim Jong-un"] == pytest.approx(1.0)
    assert match["Harga tiket"] == 0.0  # no word of the question, and no reference back


def test_a_sentence_next_to_one_that_repeats_the_question_is_worth_reading() -> None:
    from bot.answering.sentences import CONTEXT_SHARE, _neighbour_matches

    text = "Rak supermarket kini kosong. Prancis konsumen mustard terbesar.  Lain hal.\nLagi."
    article = Article(id="a", title="", text=text, date=None)
    parts = [
        "Rak supermarket kini kosong.",
        "Prancis konsumen mustard terbesar.",
        "Lain hal.",
        "Lagi.",
    ]
    spans = [(text.index(p), text.index(p) + len(p)) for p in parts]
    matches = [0.6, 0.1, 0.0, 0.2]
    sentences = [
        Sentence(article, a, z, "id", m, m, 0) for (a, z), m in zip(spans, matches, strict=True)
    ]

    neighbours = _neighbour_matches(sentences)

    assert neighbours == [0.1, 0.6, 0.2, 0.0]
    read = replace(sentences[1], neighbour=neighbours[1])
    assert read.context_match == 0.1 + CONTEXT_SHARE * 0.6


@pytest.mark.parametrize(
    ("question", "sentence", "span", "answer"),
    [
        ("Kepala Badan apakah Mohamed ElBaradei?",
         "Kepala Badan Tenaga Atom Internasional (IAEA) Mohamed ElBaradei",
         "Tenaga Atom Internasional (IAEA)", "Badan Tenaga Atom Internasional (IAEA)"),
        ("Apakah nama pelabuhan di Cilacap?", "di dermaga Pelabuhan Tanjung Intan Cilacap",
         "Tanjung Intan", "Pelabuhan Tanjung Intan"),
        ("Energi apa yang dihasilkan dari limbah susu?", "pemanfaatan energi biogas juga",
         "biogas", "energi biogas"),
        ("Apakah nama pelabuhan di Cilacap?", "di dermaga Tanjung Intan Cilacap",
         "Tanjung Intan", "Tanjung Intan"),
    ],
)  # fmt: skip
def test_a_which_answer_takes_in_the_category_the_news_writes_before_it(
    question: str, sentence: str, span: str, answer: str
) -> None:
    from bot.answering.qtype import category_word
    from bot.answering.shape import with_category

    start = sentence.index(span)
    a, z = with_category(sentence, start, start + len(span), category_word(question), "id")

    assert sentence[a:z] == answer


def test_a_latin_name_in_brackets_is_a_candidate_whole() -> None:
    sentence = "Di pantai itu penyu tempurung (Caretta caretta) masih bertelur."
    asked = asked_terms("Apakah nama latin dari penyu tempurung?", "id", set())

    assert "Caretta caretta" in typed_phrases(sentence, "name", asked, "id")


@pytest.mark.parametrize(
    ("sentence", "rest"),
    [
        ("New Orleans, Senin-Topan Katrina menghantam.", "Topan Katrina menghantam."),
        ("Sichuan, Kompas-Pemerintah Indonesia setuju.", "Pemerintah Indonesia setuju."),
        ("Pemerintah Indonesia setuju.", "Pemerintah Indonesia setuju."),
    ],
)
def test_the_dateline_is_found_so_an_answer_can_start_after_it(sentence: str, rest: str) -> None:
    from bot.answering.phrases import dateline_end

    assert sentence[dateline_end(sentence) :] == rest


@pytest.mark.parametrize(
    ("sentence", "place", "answer"),
    [
        ("Kijang itu ditemukan di Kotabumi, Lampung Utara.", "Kotabumi", "Kotabumi, Lampung Utara"),
        ("Nelayan memadati Pelabuhan Benoa, Denpasar, Bali, sebagai protes.", "Pelabuhan Benoa",
         "Pelabuhan Benoa, Denpasar, Bali"),
        ("Pesawat jatuh di Venezuela, Selasa (16/8), menewaskan 152 orang.", "Venezuela",
         "Venezuela"),
        ("Ia tiba di Jakarta, Presiden Joko Widodo menyambutnya.", "Jakarta", "Jakarta"),
    ],
)  # fmt: skip
def test_a_place_answer_runs_on_through_the_names_chained_to_it(
    sentence: str, place: str, answer: str
) -> None:
    from bot.answering.phrases import extend_chain

    start = sentence.index(place)
    a, z = extend_chain(sentence, start, start + len(place), "id")

    assert sentence[a:z] == answer


def test_a_place_does_not_run_on_into_a_name_the_question_gives() -> None:
    from bot.answering.phrases import extend_chain

    sentence = "Pada usia sembilan tahun ia meninggalkan Rusia, Maria Sharapova menuju AS."
    asked = asked_terms("Negara apakah yang ditinggalkan Maria Sharapova?", "id", set())
    start = sentence.index("Rusia")

    a, z = extend_chain(sentence, start, start + len("Rusia"), "id", asked)

    assert sentence[a:z] == "Rusia"
    sentence = "Kijang dari Bandar Lampung ditemukan di Kotabumi, Lampung Utara."
    asked = asked_terms("Di mana kijang dari Bandar Lampung ditemukan?", "id", set())
    start = sentence.index("Kotabumi")
    a, z = extend_chain(sentence, start, start + len("Kotabumi"), "id", asked)
    assert sentence[a:z] == "Kotabumi, Lampung Utara"  # one word asked is no name asked


def test_a_when_answer_keeps_the_date_in_brackets_even_if_the_question_shares_a_number() -> None:
    sentence = "Ujar Kusmayanto seusai peringatan Hari Teknologi Ke-10 di Istana, Rabu (10/8)."
    asked = asked_terms("Kapankah peringatan Hari Teknologi Ke-10 diadakan?", "id", set())

    phrases = typed_phrases(sentence, "time", asked, "id")
    start = sentence.index("Rabu (10/8)")
    a, z = shape(sentence, start, start + len("Rabu (10/8)"), asked, "id", "time")

    assert "Rabu (10/8)" in phrases
    assert sentence[a:z] == "10/8"
    assert "8/ 9" in typed_phrases("Di hari terakhir, Kamis (8/ 9), tim meraih perunggu.", "time",
                                   set(), "id")  # fmt: skip


def test_a_read_cut_inside_a_word_ends_with_that_word() -> None:
    sentence = "Lima perusahaan di Kawasan Industri Cibitung, Jawa Barat, tak mendapat gas."
    span = align(sentence, "perusahaan di Kawasan Industri Cib")

    assert span is not None and sentence[span[0] : span[1]] == (
        "perusahaan di Kawasan Industri Cibitung"
    )


OFFICE = "Karena itu, Gubernur Sultra Ali Mazi sangat mendukung investasi tersebut."


@pytest.mark.parametrize(
    ("sentence", "question", "kind", "expected"),
    [
        # An acronym keeps what it stands for in brackets.
        ("Studi JICA (Japan International Cooperation Agency) tahun 1983 soal banjir Padang.",
         "Organisasi Jepang apakah yang melakukan studi banjir?", "name",
         "JICA (Japan International Cooperation Agency)"),
        # The place of an office is where the holder the question names serves.
        (OFFICE, "Di provinsi manakah Ali Mazi menjabat sebagai gubernur?", "place", "Sultra"),
        # A period of years is a when-answer.
        ("Dengan Sultan Ali Mughayat (1514-1530) sebagai sultan pertama Kerajaan Aceh.",
         "Kapan Sultan Ali Mughayat memerintah Aceh?", "time", "1514-1530"),
        ("John Everard, yang menjabat Duta Besar Inggris antara tahun 2006 dan 2008, berkata.",
         "Kapan Everard menjabat sebagai duta besar?", "time", "antara tahun 2006 dan 2008"),
        # A name the question gives is not what it asks for; a person after it may be.
        ("Kim Jong-un bertemu Presiden Vladimir Putin pada Selasa.",
         "Siapa yang akan ditemui Kim?", "person", "Presiden Vladimir Putin"),
        ("Kepala Bapedalda Bali Ni Wayan Sutji hadir di Denpasar.",
         "Siapakah Kepala Bapedalda Bali?", "person", "Ni Wayan Sutji"),
    ],
)  # fmt: skip
def test_a_candidate_written_as_the_news_writes_it(
    sentence: str, question: str, kind: AnswerType, expected: str
) -> None:
    phrases = phrases_for(question, sentence, kind)
    assert expected in phrases
    assert not [p for p in phrases if p.startswith(("Kim", "Jong-un", "Bali"))]


def test_an_office_not_asked_about_its_holder_is_no_whereabouts() -> None:
    asked = asked_terms("Di mana investasi itu didukung?", "id", set())
    assert typed_phrases(OFFICE, "place", asked, "id") == []


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # no name the question gives
        ("Di mana Putin dan Kim akan bertemu?",
         "Diperkirakan Kim Jong-un melakukan pertemuan di Vladivostok.", ["Vladivostok"]),
        # ... nor the rest of a name the question gives by one word ("Kim" - "Jong-un")
        ("Di mana Putin dan Kim akan bertemu?",
         "Diperkirakan Putin dan Kim Jong-un melakukan pertemuan pada Selasa.", []),
        # ... but the place written after the name of the asked place's landmark
        ("Di kota manakah, terletak Bandar Udara Sultan Syarif Kasim II?",
         "Pada Selasa pesawat mendarat di Bandar Udara Sultan Syarif Kasim II Pekanbaru, Riau.",
         ["Pekanbaru", "Riau", "Pekanbaru, Riau"]),
        # no word capitalised only as the sentence's first
        ("Di mana Putin dan Kim akan bertemu?",
         "Diberitakan sebelumnya, Korea Utara menyediakan senjata kepada Moskow.",
         ["Korea Utara", "Moskow"]),
        # a place word the question asks with is no name it gives
        ("Di kabupaten manakah polisi menyita kayu ilegal?",
         "Polisi menyita kayu ilegal di Kabupaten Kutai Barat.", ["Kabupaten Kutai Barat"]),
        # the asked event and its place in one run: the place, ended before its date
        ("Di manakah final sepak bola Piala Dunia 2006 akan digelar?",
         "Sejak 2003 tim nasional memperebutkan tiket final Piala Dunia 2006 di Jerman.",
         ["Jerman"]),
        ("Dimanakah UNESCO mengumumkan pengakuan atas keris Indonesia?",
         "Pengakuan itu diumumkan oleh UNESCO di Paris 25 November 2005.", ["Paris"]),
        # two dates joined by "dan" are no place
        ("Di negara bagian manakah Cape Canaveral berada?",
         "Peluncuran dari Cape Canaveral, Florida, pada 20 Agustus dan 8 September 1975.",
         ["Florida"]),
        # ... chained on; and a titled person is no place
        ("Dimanakah International Rice Conference 2005 berlangsung?",
         "Demikian dikemukakan Direktur Jenderal International Rice Research Institute (IRRI) "
         "Robert E Zeigler dalam International Rice Conference 2005 di Tabanan, Bali, Senin.",
         ["Tabanan", "Bali", "Tabanan, Bali"]),
        ("Dimanakah Kejuaraan Dunia Bulu Tangkis tahun 2005 ini diadakan?",
         "Pada final Kejuaraan Dunia di Anaheim, California, Amerika Serikat, tim kita menang.",
         ["Anaheim", "California", "Amerika Serikat", "Anaheim, California",
          "Anaheim, California, Amerika Serikat", "California, Amerika Serikat"]),
    ],
)  # fmt: skip
def test_place_candidates_are_the_places_the_news_writes(
    question: str, sentence: str, expected: list[str]
) -> None:
    assert phrases_for(question, sentence, "place") == expected


def test_a_year_before_a_name_is_not_part_of_it() -> None:
    sentence = "Sejak 1992 Danau Beratan dan Danau Tamblingan di Kabupaten Buleleng dilindungi."

    phrases = phrases_for("Di provinsi manakah lokasi Danau Buyan?", sentence, "place")

    assert "Kabupaten Buleleng" in phrases
    assert not any(p.startswith("1992") for p in phrases)
