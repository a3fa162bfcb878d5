"""A question asked across languages is measured against what its translations weigh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answering.scoring import coverage, own_total, term_weights, totals
from bot.settings import Settings
from retrieval.search import build_query, search_query
from retrieval.store import CorpusIndex

KIRBY = (
    "Juru Bicara Dewan Keamanan Nasional John Kirby mengatakan bahwa menteri pertahanan Rusia "
    "baru-baru ini melakukan perjalanan ke Korea Utara."
)
# Indonesian news often says "dewan", "keamanan" and "nasional": the translations are common
# words here, while the English question's own words are rare (no English text holds them).
OTHERS = [
    "Dewan Keamanan PBB menggelar sidang darurat pada Senin.",
    "Keamanan nasional menjadi perhatian utama dewan kota.",
    "Polisi memperketat keamanan di stadion nasional menjelang laga final.",
    "Harga beras naik di pasar tradisional Bandung pekan ini.",
]
QUESTION = "Who is the spokesman of the National Security Council?"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    root = tmp_path_factory.mktemp("xl-coverage")
    corpus = root / "corpus"
    corpus.mkdir()
    articles = [{"id": "kirby", "title": "", "text": KIRBY}] + [
        {"id": f"other-{i}", "title": "", "text": text} for i, text in enumerate(OTHERS)
    ]
    lines = (json.dumps(a, ensure_ascii=False) for a in articles)
    (corpus / "news.jsonl").write_text("\n".join(lines), encoding="utf-8")
    settings = Settings(corpus_dir=[corpus], data_dir=root / "data")
    return CorpusIndex(settings.corpus_dir, Path(settings.data_dir))


def test_a_question_across_languages_is_held_to_its_translations_weight(
    index: CorpusIndex,
) -> None:
    snap = index.snapshot
    query = build_query(QUESTION, lang="en", corpus_langs=frozenset(snap.languages))
    weights = term_weights(snap, query)
    hits = search_query(snap, query, k=5)

    held = totals(query, weights)

    assert held["en"] == own_total(query, weights)
    assert 0 < held["id"] < held["en"]
    assert hits[0].article.id == "kirby"
    # The passage that states every word of the question is not refused for the rarity of
    # the question's own words (held to its own total alone, it would cover 0.38).
    assert coverage(hits, snap, query, weights) >= Settings().abstain_score


def test_an_unrelated_passage_in_the_other_language_still_covers_little(
    index: CorpusIndex,
) -> None:
    snap = index.snapshot
    question = "What did the governor of Texas say about the border wall?"
    query = build_query(question, lang="en", corpus_langs=frozenset(snap.languages))
    weights = term_weights(snap, query)

    assert coverage(search_query(snap, query, k=5), snap, query, weights) < Settings().abstain_score
