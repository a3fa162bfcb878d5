"""The answer metrics: scored on the answer's own words, SQuAD-style."""

from __future__ import annotations

import pytest

from bot.eval_metrics import (
    Outcome,
    best_f1,
    exact_match,
    normalize_answer,
    own_words,
    risk_coverage,
    selective,
    strict_hit,
)


def test_own_words_drop_quotes_and_markers() -> None:
    text = "Menurut sumber: “Pertemuan berlangsung di Kota Vladivostok.” [1]"
    assert own_words(text) == "Menurut sumber:"
    assert own_words("Di Kota Vladivostok [1].") == "Di Kota Vladivostok."


@pytest.mark.parametrize(
    ("answer", "gold"),
    [
        ("Di Kota Vladivostok [1].", "Kota Vladivostok"),
        ("Pada 1977 [1].", "pada 1977"),
        ("Pada 1977 [1].", "1977"),
        ("In Vladivostok [1].", "Vladivostok"),
        ("The Gulf of Mexico", "Gulf of Mexico"),
    ],
)
def test_the_framing_preposition_and_articles_do_not_count(answer: str, gold: str) -> None:
    assert exact_match(own_words(answer), [gold])
    assert best_f1(own_words(answer), [gold]) == 1.0


def test_a_preposition_inside_the_answer_counts() -> None:
    assert normalize_answer("rumah kos di Cempaka Putih") == "rumah kos di cempaka putih"
    assert not exact_match("Cempaka Putih", ["rumah kos di Cempaka Putih"])


def test_strict_hit_wants_the_gold_as_whole_words() -> None:
    assert strict_hit("84 penumpang", ["84 penumpang"])
    assert strict_hit("sebanyak 84 penumpang", ["84 penumpang"])
    assert not strict_hit("184 penumpang", ["84 penumpang"])
    assert not strict_hit("", ["84 penumpang"])


def test_partial_answers_get_partial_f1() -> None:
    assert best_f1("67 derajat", ["67 derajat Celcius"]) == pytest.approx(0.8)
    assert best_f1("Jakarta", ["Kotabumi, Lampung Utara"]) == 0.0


def test_selective_figures_and_the_risk_coverage_table() -> None:
    outcomes = [
        Outcome(answerable=True, answered=True, correct=True, confidence=0.9),
        Outcome(answerable=True, answered=True, correct=False, confidence=0.2),
        Outcome(answerable=True, answered=False, correct=False, confidence=0.0),
        Outcome(answerable=False, answered=True, correct=False, confidence=0.4),
        Outcome(answerable=False, answered=False, correct=False, confidence=0.0),
    ]
    figures = selective(outcomes)
    assert figures == {
        "coverage": 3 / 5,
        "precision_answered": 1 / 3,
        "abstention_unanswerable": 1 / 2,
        "false_abstention": 1 / 3,
    }
    row = risk_coverage(outcomes, thresholds=(0.5,))[0]
    assert row == {
        "threshold": 0.5,
        "coverage": 1 / 5,
        "accuracy": 1.0,
        "abstention_unanswerable": 1.0,
        "false_abstention": 2 / 3,
    }
