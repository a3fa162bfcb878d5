"""Text analysis: normalisation, tokens, stopwords, stemming and language detection."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.analysis import (
    LANGS,
    analyze,
    analyze_many,
    content_tokens,
    detect_language,
    language_scores,
    normalise,
    stem,
    stopwords,
    tokenize,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
QUESTION_FILES = (
    SHARED_DATA / "facqa" / "questions-valid.jsonl",
    SHARED_DATA / "realtimeqa" / "questions.jsonl",
)


def shipped_list(name: str) -> set[str]:
    """Return the words of a shipped stopword file."""
    text = resources.files("retrieval").joinpath("data", "stopwords", name).read_text("utf-8")
    return {line.strip() for line in text.splitlines() if line.strip()}


# -- normalisation and tokens -----------------------------------------------------------------


def test_normalise_is_nfkc_then_casefold() -> None:
    assert normalise("ｈａｒｇａ ＢＥＲＡＳ") == "harga beras"
    assert normalise("ﬁnal Straße ΣΟΦΙΑ") == "final strasse σοφια"
    assert normalise("Rp１２.０００ ½") == "rp12.000 1⁄2"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Kim Jong-un tiba", ["kim", "jong-un", "jong", "un", "tiba"]),
        ("negara-negara", ["negara-negara", "negara", "negara"]),
        ("Rp 1.000.000 dan 2,5 persen", ["rp", "1.000.000", "dan", "2,5", "persen"]),
        ("ditutup di 38.875 poin.", ["ditutup", "di", "38.875", "poin"]),
        ("Senin (11/9/2023).", ["senin", "11", "9", "2023"]),
        ("COVID-19 dan e-KTP", ["covid-19", "covid", "19", "dan", "e-ktp", "e", "ktp"]),
        ("Putin's train, Putin’s plan", ["putin", "train", "putin", "plan"]),
        ("don't stop", ["don't", "stop"]),
        ("U.S. officials", ["u.s", "officials"]),
        ("“Kami siap!” katanya...", ["kami", "siap", "katanya"]),
        ("ＫＩＭ　ＪＯＮＧ－ＵＮ", ["kim", "jong-un", "jong", "un"]),
        ("", []),
        (" \n\t—…", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


# -- stopwords and stemming -------------------------------------------------------------------


@pytest.mark.parametrize("word", ["tahun", "baru", "year", "new", "harga", "presiden", "kereta"])
def test_news_words_are_not_stopwords(word: str) -> None:
    assert all(word not in stopwords(lang) for lang in LANGS)


def test_kept_words_are_removed_from_the_shipped_lists() -> None:
    # These are in the shipped lists, but questions about news need them.
    assert {"first", "last", "one", "two"} <= shipped_list("en.spacy-3.8.18.txt")
    assert {"depan", "belum"} <= shipped_list("id.stop-words-pypi.txt")
    assert {"first", "last", "one", "two"}.isdisjoint(stopwords("en"))
    assert {"depan", "belum"}.isdisjoint(stopwords("id"))


def test_function_words_are_stopwords() -> None:
    assert {"yang", "dan", "di", "ke", "siapakah", "apakah", "untuk"} <= stopwords("id")
    assert {"the", "of", "and", "what", "which", "is"} <= stopwords("en")
    # "according to X" frames a question as "menurut X" does
    assert "menurut" in stopwords("id") and "according" in stopwords("en")


def test_content_tokens_drop_stopwords_and_single_letters() -> None:
    assert content_tokens("Kapan tahun baru di Jakarta, e-KTP?", "id") == [
        "tahun",
        "baru",
        "jakarta",
        "e-ktp",
        "ktp",
    ]
    assert content_tokens("What happened in the new year?", "en") == ["happened", "new", "year"]


def test_stem_uses_snowball_per_language_and_keeps_numbers() -> None:
    assert stem(["berlari", "menaikkan", "1.000", "2023"], "id") == ["lari", "aik", "1.000", "2023"]
    assert stem(["running", "elections", "1,000", "38.875"], "en") == [
        "run",
        "elect",
        "1,000",
        "38.875",
    ]


@pytest.mark.parametrize(
    ("words", "stem_"),
    [
        (["bertemu", "pertemuan", "ketemu", "temu"], "temu"),
        (["berlaku", "pemberlakuan", "diberlakukan"], "laku"),
        (["Maluku", "malukunya"], "maluku"),
        (["bertamu", "tamu"], "tamu"),
    ],
)
def test_words_ending_in_ku_or_mu_keep_them(words: list[str], stem_: str) -> None:
    # Snowball strips -ku / -mu as possessives: bertemu -> berte, apart from pertemuan -> temu
    assert stem([normalise(w) for w in words], "id") == [stem_] * len(words)


def test_a_real_possessive_nya_is_still_stripped() -> None:
    assert stem(["bukunya", "pertemuannya"], "id") == ["buku", "temu"]


def test_analyze_indonesian_and_english() -> None:
    assert analyze("Pemerintah menaikkan harga beras tahun baru", "id") == [
        "perintah",
        "aik",
        "harga",
        "beras",
        "tahun",
        "baru",
    ]
    assert analyze("Elections were running in the new year", "en") == [
        "elect",
        "run",
        "new",
        "year",
    ]
    assert analyze("Kim Jong-un membeli 38.875 ton beras, harganya Rp 1.000", "id") == [
        "kim",
        "jong-un",
        "jong",
        "un",
        "beli",
        "38.875",
        "ton",
        "beras",
        "harga",
        "rp",
        "1.000",
    ]


def test_stem_that_is_a_stopword_is_dropped() -> None:
    # "berada" is a content token, but its stem "ada" is a stopword.
    assert content_tokens("Siapakah yang berada di sana", "id") == ["berada"]
    assert analyze("Siapakah yang berada di sana", "id") == []


def test_analyze_many_is_analyze_per_text() -> None:
    texts = ["Harga beras naik", "", "Kim Jong-un ke Rusia"]
    assert analyze_many(texts, "id") == [analyze(t, "id") for t in texts]


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Siapa presiden Rusia?", "id"),
        ("Kapan Kim Jong-un berangkat?", "id"),
        ("Berapa harga beras?", "id"),
        ("Di mana gempa terjadi?", "id"),
        ("Who is the president of Russia?", "en"),
        ("When did Kim Jong-un leave?", "en"),
        ("How much does rice cost?", "en"),
        ("Where was the earthquake?", "en"),
    ],
)
def test_detect_language_of_short_questions(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_detect_language_falls_back_to_default_on_a_tie() -> None:
    assert language_scores(tokenize("Putin Moskow 2023")) == {"id": 0.0, "en": 0.0}
    assert detect_language("Putin Moskow 2023") == "id"
    assert detect_language("Putin Moskow 2023", default="en") == "en"
    assert detect_language("") == "id"


@pytest.mark.skipif(
    not all(p.is_file() for p in QUESTION_FILES), reason=f"no question sets in {SHARED_DATA}"
)
def test_detect_language_on_shared_question_sets() -> None:
    labelled = [
        (record["question"], record["lang"])
        for path in QUESTION_FILES
        for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    ]
    assert {lang for _, lang in labelled} == {"id", "en"}
    assert len(labelled) >= 500
    wrong = [(q, lang) for q, lang in labelled if detect_language(q) != lang]
    assert len(wrong) <= 0.02 * len(labelled), wrong[:10]


# -- purity -----------------------------------------------------------------------------------


def test_analysis_is_pure() -> None:
    texts = ["Harga beras naik pada tahun baru.", "The new year began.", "Kim Jong-un ke Rusia."]
    forward = [(analyze(t, "id"), analyze(t, "en"), detect_language(t)) for t in texts]
    backward = [(analyze(t, "id"), analyze(t, "en"), detect_language(t)) for t in reversed(texts)]
    assert forward == backward[::-1]
    tokens = ["berlari", "menaikkan"]
    assert stem(tokens, "id") == ["lari", "aik"]
    assert tokens == ["berlari", "menaikkan"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200), lang=st.sampled_from(LANGS))
def test_analysis_of_any_text_is_deterministic(text: str, lang: str) -> None:
    tokens = tokenize(text)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert analyze(text, lang) == analyze(text, lang)  # type: ignore[arg-type]
    assert set(content_tokens(text, lang)) <= set(tokens)  # type: ignore[arg-type]
    assert detect_language(text) in LANGS
