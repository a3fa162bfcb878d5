"""Tests of the ``warta eval`` metrics on hand-made values and a scripted fake model."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.answering import Answer, Answerer, AnswerOptions
from bot.citations import Citation
from bot.evaluation import (
    Question,
    answer_hit,
    citations_valid,
    evaluate,
    language_matches,
    ranks,
    read_questions,
    render,
    retrieval_metrics,
)
from retrieval.errors import CorpusError
from retrieval.store import CorpusIndex
from tests.builders import make_answer
from tests.fakes import FakeGenerator

KIM_1 = "Kim Jong-un berangkat ke Rusia dengan kereta api lapis baja."
KIM_2 = "Ia akan bertemu Presiden Vladimir Putin di Vladivostok."
ARTICLES = [
    {
        "id": "kim-train",
        "title": "Kim ke Rusia",
        "text": f"{KIM_1} {KIM_2}",
    },
    {
        "id": "en-train",
        "title": "Kim by train",
        "text": "North Korean leader Kim Jong-un left for Russia on an armoured train. "
        "He is expected to meet President Vladimir Putin.",
    },
    {
        "id": "marathon",
        "title": "Surabaya marathon",
        "text": "The Surabaya marathon drew 12,000 runners on Sunday. Roads closed until noon.",
    },
    {"id": "beras", "title": "", "text": "Harga beras di Jakarta naik 5 persen pada Februari."},
    {"id": "festival", "text": "Festival kuliner Bandung dibuka dengan 200 gerai makanan."},
    {"id": "weather", "text": "Heavy rain is expected in London for the rest of the week."},
]


def index_of(root: Path, articles: list[dict[str, str]]) -> CorpusIndex:
    """Index ``articles`` as one JSONL corpus file under ``root``."""
    (root / "corpus").mkdir()
    lines = "\n".join(json.dumps(a) for a in articles)
    (root / "corpus" / "news.jsonl").write_text(lines, encoding="utf-8")
    return CorpusIndex([root / "corpus"], root / "data")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    """Index a small two-language corpus once for the module."""
    return index_of(tmp_path_factory.mktemp("evaluation"), ARTICLES)


def kim_cite(n: int = 1, *, start: int = 0, quote: str = KIM_1) -> Citation:
    """Return a citation of the Kim article's first sentence (by default exact)."""
    return Citation(n, "kim-train", "Kim ke Rusia", None, None, quote, start, start + len(quote))


# retrieval_metrics


def test_retrieval_metrics_from_gold_ranks() -> None:
    metrics = retrieval_metrics([0, 2, None, 7, 12])

    assert metrics == {
        "recall@1": 1 / 5,
        "recall@5": 2 / 5,
        "recall@10": 3 / 5,
        "mrr@10": (1 + 1 / 3 + 1 / 8) / 5,
    }


def test_retrieval_metrics_of_nothing_are_zero() -> None:
    assert retrieval_metrics([]) == {"recall@1": 0, "recall@5": 0, "recall@10": 0, "mrr@10": 0}
    assert retrieval_metrics([None, None]) == {
        "recall@1": 0,
        "recall@5": 0,
        "recall@10": 0,
        "mrr@10": 0,
    }


# answer_hit


def test_answer_hit_finds_a_gold_string_in_the_text_case_insensitively() -> None:
    assert answer_hit(make_answer("Dengan KERETA API lapis baja [1]."), ["kereta api"])
    assert answer_hit(make_answer("Ｋｉｍ naik kereta."), ["kim"])  # full-width letters, NFKC


def test_answer_hit_finds_a_gold_string_in_a_quote() -> None:
    assert answer_hit(make_answer("Menurut sumber: [1]", (kim_cite(),)), ["Lapis Baja"])


def test_answer_hit_misses() -> None:
    assert not answer_hit(
        make_answer("Dengan pesawat [1].", (kim_cite(),)), ["helikopter", "kapal"]
    )
    assert not answer_hit(make_answer("Dengan kereta."), ["", "  "])
    assert not answer_hit(make_answer("Dengan kereta."), [])


# citations_valid


def test_citations_valid_accepts_exact_quotes_and_matched_markers(index: CorpusIndex) -> None:
    snap = index.snapshot
    good = make_answer("A [1]. B [2][1].", (kim_cite(1), kim_cite(2, start=61, quote=KIM_2)))

    assert citations_valid(good, snap)
    assert citations_valid(make_answer("Maaf, tidak ada.", abstained=True), snap)


@pytest.mark.parametrize(
    "bad",
    [
        make_answer("A [1]. B [2].", (kim_cite(1),)),  # [2] has no citation
        make_answer("A [1].", (kim_cite(1, start=1),)),  # quote is not the text at its offsets
        make_answer("A [1].", (kim_cite(1, quote=""),)),  # empty quote
        make_answer(
            "A [1].", (Citation(1, "missing", "", None, None, KIM_1, 0, len(KIM_1)),)
        ),  # unknown article
    ],
)
def test_citations_valid_rejects(index: CorpusIndex, bad: Answer) -> None:
    assert not citations_valid(bad, index.snapshot)


# language_matches


def test_language_matches_reads_the_answers_own_words() -> None:
    assert language_matches(make_answer("Kim berangkat dengan kereta api lapis baja [1]."), "id")
    assert not language_matches(make_answer("Kim left for Russia on an armoured train [1]."), "id")
    assert language_matches(make_answer("Kim left for Russia on an armoured train [1]."), "en")


def test_language_matches_a_terse_answer_without_language_cues() -> None:
    assert language_matches(make_answer("12,000 runners [1].", language="en"), "en")
    assert language_matches(make_answer("200 gerai makanan [1]."), "id")


@pytest.mark.parametrize(
    "text", ["The Sun Also Sets [1].", "Mufti Mohammad Sayeed [1].", "Satu juta dollar AS [1]."]
)
def test_language_matches_a_name_or_an_acronym_in_either_language(text: str) -> None:
    assert language_matches(make_answer(text), "id")
    # ... but not a sentence in the other language that holds one
    assert not language_matches(make_answer("The Sun Also Sets is the name [1]."), "id")


def test_language_matches_ignores_quotes_in_the_source_language() -> None:
    quote = "He is expected to meet President Vladimir Putin and the ministers."
    text = f"Menurut sumber: “{quote}” [1]"

    assert language_matches(make_answer(text), "id")
    assert not language_matches(make_answer(text), "en")


def test_language_matches_ignores_quotes_that_contain_quotation_marks() -> None:
    # Without the quote the text left is Indonesian: a naive “…” match leaves most of it.
    quote = (
        "Kata dia, Moskow “sangat membutuhkan” amunisi dan senjata yang dibuat di dalam negeri, "
        "dan harga yang diminta oleh Korea Utara untuk semua itu akan sangat mahal bagi mereka."
    )
    cite = Citation(1, "x", "", None, None, quote, 0, len(quote))
    text = f"According to the sources (quoted in their original language): “{quote}” [1]"

    assert language_matches(make_answer(text, (cite,), language="en"), "en")


# read_questions


def test_read_questions_parses_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    lines = [
        {"id": 7, "lang": "en", "question": "Who?", "answers": ["Kim"], "gold_ids": ["a"]},
        {},
        {"id": "u", "question": "Siapa?", "answers": []},
    ]
    path.write_text("\n".join(json.dumps(x) if x else "  " for x in lines), encoding="utf-8")

    assert read_questions(path) == [
        Question("7", "en", "Who?", ("Kim",), ("a",)),
        Question("u", "id", "Siapa?", (), ()),
    ]


def test_read_questions_names_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "1", "question": "Siapa?"}\n{"id": "2"}\n', encoding="utf-8")

    with pytest.raises(CorpusError) as excinfo:
        read_questions(path)

    assert str(excinfo.value) == f"{path}:2: not a valid question line ('question')"


def test_read_questions_reports_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"

    with pytest.raises(CorpusError) as excinfo:
        read_questions(path)

    assert str(excinfo.value) == f"cannot read questions file {path}: No such file or directory"


# evaluate and render


Q_KIM = "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?"
Q_MARATHON = "How many runners joined the Surabaya marathon?"
Q_MEET = "When will Kim Jong-un meet Vladimir Putin?"
QUESTIONS = [
    Question("1", "id", Q_KIM, ("kereta api",), ("kim-train",)),
    Question("2", "en", Q_MARATHON, ("12,000 runners",), ("marathon",)),
    Question("3", "id", "Siapa yang memenangkan Piala Dunia 2022?", (), ()),
    Question("4", "en", Q_MEET, ("Vladivostok",), ("kim-train",)),
]


def test_evaluate_retrieval_only(index: CorpusIndex) -> None:
    report = evaluate(QUESTIONS, index.snapshot, answerer=None, crosslingual=False)

    assert report == {
        "questions": 4,
        "answerable": 3,
        # The gold article of question 4 ranks second, after the English one.
        "retrieval": {
            "recall@1": 2 / 3,
            "recall@5": 1.0,
            "recall@10": 1.0,
            "mrr@10": 2.5 / 3,
            # Question 4's answer is first stated by its gold article too.
            "answer_in_top1": 2 / 3,
            "answer_in_top5": 1.0,
            "answer_in_top10": 1.0,
        },
    }


def test_ranks_count_a_passage_stating_the_answer_even_when_it_is_not_labelled_gold(
    index: CorpusIndex,
) -> None:
    mislabelled = Question("5", "en", Q_MARATHON, ("12,000 runners",), ("weather",))
    unstated = Question("6", "en", Q_MARATHON, ("15,000 runners",), ("marathon",))

    assert ranks(index.snapshot, mislabelled, crosslingual=False) == (None, 0)
    assert ranks(index.snapshot, unstated, crosslingual=False) == (0, None)


def test_evaluate_answers_with_a_scripted_model(index: CorpusIndex) -> None:
    fake = FakeGenerator(
        "kereta api lapis baja",  # question 1: a span of the sentence, a strict hit
        "I cannot say.",  # question 2: names no number: "not stated", the quote holds it
        # question 3 abstains before the model is asked
        "Kim Jong-un akan bertemu Putin di Vladivostok [2].",  # question 4: no date, "not stated"
    )
    answerer = Answerer(index, fake, AnswerOptions(crosslingual=False, read_sentences=1))
    progress: list[tuple[int, int]] = []
    details: list[dict[str, object]] = []

    report = evaluate(
        QUESTIONS,
        index.snapshot,
        answerer=answerer,
        crosslingual=False,
        progress=lambda done, total: progress.append((done, total)),
        details=details.append,
    )

    answers = report["answers"]
    assert isinstance(answers, dict)
    p50, p95 = answers.pop("latency_ms_p50"), answers.pop("latency_ms_p95")
    table = answers.pop("risk_coverage")
    assert answers == {
        "strict_hit": 1 / 3,
        "exact_match": 0.0,
        # "kereta api lapis baja" against "kereta api": precision 1/2, recall 1
        "token_f1": (2 / 3) / 3,
        "answer_or_quote_hit": 2 / 3,
        "median_answer_words": 4.0,
        "citation_validity": 1.0,
        "citation_invalid": [],
        "coverage": 0.25,
        "precision_answered": 1.0,
        "abstention_unanswerable": 1.0,
        "false_abstention": 2 / 3,
        "language_match": 1.0,
        "modes": {"generated": 1, "abstained": 3},
    }
    assert table[0] == {
        "threshold": 0.0,
        "coverage": 0.25,
        "accuracy": 1.0,
        "abstention_unanswerable": 1.0,
        "false_abstention": 2 / 3,
    }
    assert 0 <= p50 <= p95
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # Question 4 asks "when" of sentences that hold no date: nothing to read, no model call.
    assert len(fake.history) == 2
    assert [d["id"] for d in details] == ["1", "2", "3", "4"]
    assert (details[0]["own_words"], details[0]["strict_hit"], details[1]["mode"]) == (
        "Kereta api lapis baja.", True, "abstained",
    )  # fmt: skip


def test_an_answer_held_back_below_the_threshold_shows_in_the_risk_coverage_table_only(
    index: CorpusIndex,
) -> None:
    fake = FakeGenerator("kereta api lapis baja")  # question 1's right span, read unsure
    options = AnswerOptions(crosslingual=False, read_sentences=1, min_answer_confidence=1.0)
    answerer = Answerer(index, fake, options)
    details: list[dict[str, object]] = []

    report = evaluate(
        QUESTIONS[:1], index.snapshot, answerer=answerer, crosslingual=False,
        details=details.append,
    )  # fmt: skip

    assert details[0]["abstained"] is True
    assert details[0]["withheld"] == "Kereta api lapis baja."
    assert details[0]["withheld_hit"] is True
    answers = report["answers"]
    assert isinstance(answers, dict)
    assert answers["coverage"] == 0.0  # nobody was shown it
    assert answers["strict_hit"] == 0.0
    table = answers["risk_coverage"]
    assert isinstance(table, list)
    confidence = float(details[0]["confidence"])  # type: ignore[arg-type]
    below = [row for row in table if row["threshold"] <= confidence]
    above = [row for row in table if row["threshold"] > confidence]
    assert below[0]["threshold"] == 0.0
    assert all(row["coverage"] == 1.0 and row["accuracy"] == 1.0 for row in below)
    assert all(row["coverage"] == 0.0 for row in above)


def test_render_aligns_the_report() -> None:
    report: dict[str, object] = {
        "questions": 2,
        "answerable": 1,
        "retrieval": {"recall@1": 0.5, "mrr@10": 0.25},
        "answers": {"abstention_unanswerable": None, "modes": {"generated": 2}},
    }

    assert render(report).split("\n") == [
        "questions: 2 (answerable: 1)",
        "retrieval:",
        "  recall@1                   0.500",
        "  mrr@10                     0.250",
        "answers:",
        "  abstention_unanswerable    –",
        "  modes                      {'generated': 2}",
    ]


# a question's day


STORMS = [
    {
        "id": "storm-june",
        "date": "2022-06-14",
        "text": "A storm hit the state of Virginia, flooding dozens of homes.",
    },
    {
        "id": "storm-may",
        "date": "2022-05-03",
        "text": "A storm hit the state of Florida, flooding dozens of homes.",
    },
]


@pytest.fixture(scope="module")
def storms(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    return index_of(tmp_path_factory.mktemp("storms"), STORMS)


def test_read_questions_reads_the_day_a_question_was_asked(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "question": "Which state?", "answers": ["Virginia"], "date": "2022/06/16"},
        {"id": "b", "question": "Which state?", "answers": ["Virginia"], "date": "2022-06-16"},
        {"id": "c", "question": "Which state?", "answers": ["Virginia"], "date": "last week"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines[:2]), encoding="utf-8")

    assert [q.asked_on for q in read_questions(path)] == [date(2022, 6, 16)] * 2

    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    with pytest.raises(CorpusError) as excinfo:
        read_questions(path)
    assert str(excinfo.value).startswith(f"{path}:3: not a valid question line (date 'last week'")


def test_this_week_counts_from_the_day_the_question_was_asked(storms: CorpusIndex) -> None:
    answerer = Answerer(storms, FakeGenerator(), AnswerOptions(crosslingual=False))
    question = "Which state did a storm hit this week?"
    zone = ZoneInfo("Asia/Jakarta")

    june = answerer.answer(
        question, use_model=False, asked_at=datetime(2022, 6, 16, 12, tzinfo=zone)
    )
    may = answerer.answer(question, use_model=False, asked_at=datetime(2022, 5, 5, 12, tzinfo=zone))

    assert june.passages[0].article.id == "storm-june"
    assert may.passages[0].article.id == "storm-may"


class _Recording(Answerer):
    """The real answerer (quoting, no model), noting when each question is said to be asked."""

    asked: list[datetime | None]

    def answer(self, question: str, **kwargs: Any) -> Answer:
        self.asked.append(kwargs.get("asked_at"))
        return super().answer(question, **kwargs, use_model=False)


def test_evaluate_asks_each_question_on_its_day(storms: CorpusIndex) -> None:
    zone = ZoneInfo("Asia/Jakarta")
    answerer = _Recording(
        storms, FakeGenerator(), AnswerOptions(crosslingual=False), clock=lambda: datetime.now(zone)
    )
    answerer.asked = []
    questions = [
        Question("d", "en", "Which state did a storm hit this week?", ("Virginia",), (),
                 asked_on=date(2022, 6, 16)),
        Question("n", "en", "Which state did a storm hit?", ("Virginia",), ()),
    ]  # fmt: skip

    evaluate(questions, storms.snapshot, answerer=answerer, crosslingual=False)

    assert answerer.asked == [datetime(2022, 6, 16, 23, 59, tzinfo=zone), None]
