"""The optional LLM translation of questions: only with a chat model and when switched on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answering import Answerer, AnswerOptions
from retrieval.analysis import analyze
from retrieval.search import XL_WEIGHT, build_query
from retrieval.store import CorpusIndex
from tests.fakes import FakeGenerator

MAYOR = "The mayor of Surabaya opened the Suramadu toll bridge on Monday."


@pytest.fixture
def index(tmp_path: Path) -> CorpusIndex:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [
        {"id": "bridge", "title": "Bridge opened", "text": MAYOR},
        {"id": "beras", "title": "Harga beras", "text": "Harga beras di Jakarta naik 5 persen."},
    ]
    (corpus / "news.jsonl").write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    return CorpusIndex([corpus], tmp_path / "data")


def test_translation_terms_are_added_at_the_translation_weight() -> None:
    query = build_query("Siapa membuka jembatan tol?", lang="id", translation="toll bridge mayor")
    weights = dict(zip(query.terms, query.weights, strict=True))

    assert weights[analyze("mayor", "en")[0]] == XL_WEIGHT
    assert weights[analyze("jembatan", "id")[0]] == 1.0


def test_a_chat_model_translates_the_question_when_asked_to(index: CorpusIndex) -> None:
    generator = FakeGenerator(
        "Who opened the Suramadu toll bridge?", "The mayor of Surabaya [1].", instruct=True
    )
    answerer = Answerer(
        index, generator, AnswerOptions(llm_translate=True, abstain_score=0.3, read_sentences=1)
    )

    answer = answerer.answer("Siapa yang meresmikan jembatan tol Suramadu?")

    assert "Translate the user's question into English" in generator.history[0].system
    assert generator.history[0].user == "Siapa yang meresmikan jembatan tol Suramadu?"
    assert [c.article_id for c in answer.citations] == ["bridge"]


@pytest.mark.parametrize(("chat", "enabled"), [(False, True), (True, False)])
def test_no_translation_call_for_a_base_model_or_when_off(
    index: CorpusIndex, chat: bool, enabled: bool
) -> None:
    generator = FakeGenerator("The mayor of Surabaya [1].", instruct=chat)
    answerer = Answerer(
        index, generator, AnswerOptions(llm_translate=enabled, abstain_score=0.3, read_sentences=1)
    )

    answerer.answer("Siapa yang meresmikan jembatan tol Suramadu?")

    assert len(generator.history) == 1
    assert "Translate" not in generator.history[0].system
