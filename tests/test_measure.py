"""A how-many question's number measures what it asks: turtles, not kilometres."""

from __future__ import annotations

import pytest

from bot.answering.measure import asked_measure, phrase_unit, unit_fit
from retrieval.analysis import detect_language


@pytest.mark.parametrize(
    ("phrase", "unit", "dimension"),
    [
        ("17,5 kilometer", "kilometer", "length"),
        ("Sekitar 35 kilometer sebelah utara", "kilometer", "length"),
        ("3.355 kilometer persegi", "kilometer", "area"),
        ("Sekitar 80.854 meter kubik", "meter", "volume"),
        ("Rp 4,5 juta per ton", "rp", "money"),
        ("150 miliar dollar AS", "dollar", "money"),
        ("$5 million", "$", "money"),
        ("antara 3,4 persen dan 6,35 persen", "persen", "percent"),
        ("8%", "%", "percent"),
        ("Lebih dari 1.200 orang", "orang", "people"),
        ("45.000 unit", "unit", None),
        ("737", None, None),
        ("180 gross ton", "ton", "mass"),
        ("Tiga perak", "perak", None),
    ],
)
def test_a_number_phrase_names_its_unit(phrase: str, unit: str | None, dimension: str) -> None:
    assert phrase_unit(phrase) == (unit, dimension)


@pytest.mark.parametrize(
    ("question", "phrase", "fit"),
    [
        # what it counts, by the word it counts or its kind
        ("Berapa penumpang pesawat itu?", "84 penumpang", 1.0),
        ("Berapa jumlah korban tewas akibat topan?", "10 orang", 1.0),
        ("How many people fled the flood?", "1.200 warga", 1.0),
        ("berapa jumlah medali perak yang diperoleh?", "Tiga perak", 1.0),
        ("Berapa orang laki-laki yang terlibat?", "500 laki-laki", 1.0),
        # what it measures
        ("Berapa luas Republik Turki Siprus Utara?", "3.355 kilometer persegi", 1.0),
        ("Berapa tahunkah ia berkiprah di bidang kimia?", "35 tahun", 1.0),
        ("Berapakah biaya perang setiap hari?", "Hampir 186 juta dollar AS", 1.0),
        ("Berapakah usia PBB?", "60 tahun", 1.0),
        # something else
        ("Berapa jumlah penyu belimbing di pantai itu?", "17,5 kilometer", -1.0),
        ("Berapa jumlah korban tewas akibat topan?", "45.000 unit", -1.0),
        ("Berapa total harga mobil inventaris?", "21 unit", -1.0),
        ("Berapa persen cakupan imunisasi?", "22.091", -1.0),
        ("How much did the city pay for it?", "5 million", -1.0),
        # the measure is read after the question word, not from a story's "record high"
        ("Gas hit a record high. How much does a gallon cost?", "$5", 1.0),
        ("How tall is the new tower in Jakarta?", "300 meter", 1.0),
        ("Berapa luas Republik Turki Siprus Utara?", "12 tahun", -1.0),
        # cannot tell
        ("Berapa luas Republik Turki Siprus Utara?", "153", 0.0),
        ("Berapa jumlah kayu ilegal yang disita?", "Sekitar 80.854 meter kubik", 0.0),
        ("Berapa orang laki-laki yang terlibat?", "500", 0.0),
        ("Berapakah usia PBB?", "2025", 0.0),
    ],
)
def test_a_number_fits_what_its_question_counts_or_measures(
    question: str, phrase: str, fit: float
) -> None:
    assert unit_fit(asked_measure(question, detect_language(question)), phrase, "id") == fit


def test_no_measure_no_evidence() -> None:
    assert unit_fit(None, "17,5 kilometer", "id") == 0.0
