"""Search: queries into index terms, ranked passages that are exact spans of their articles."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.analysis import analyze
from retrieval.builder import build
from retrieval.chunking import Chunk
from retrieval.search import Query, build_query, search
from retrieval.snapshot import BuildParams, Snapshot
from retrieval.store import CorpusIndex

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ID = "000_76514cd01a3de205"
PARAMS = BuildParams(chunk_chars=300, overlap_chars=60)

NEWS = [
    {
        "id": "beras",
        "title": "Harga beras naik",
        "date": "2023-09-12",
        "url": "https://example.org/beras",
        "text": "Harga beras naik menjadi Rp 12.000 per kilogram di pasar Jakarta. "
        "Pedagang beras mengeluh karena pembeli berkurang. Pemerintah berjanji menambah "
        "pasokan beras dari gudang Bulog pekan depan.",
    },
    {
        "id": "gula",
        "title": "Harga gula turun",
        "date": "2023-09-10",
        "text": "Harga gula turun tipis di pasar tradisional. Harga beras tetap tinggi.",
    },
    {
        "id": "gempa",
        "title": "Gempa di Cianjur",
        "date": "2022-11-21",
        "text": "Gempa magnitudo 5,6 mengguncang Cianjur. Ribuan warga mengungsi ke tenda "
        "darurat. Relawan membagikan beras dan air bersih.",
    },
    {
        "id": "rice",
        "title": "Rice prices climb",
        "text": "Rice prices climbed again in Jakarta markets this week, traders said. "
        "The government promised to release more rice from its reserves.",
    },
]


def make_snapshot(root: Path, *, idf_mode: str = PARAMS.idf_mode) -> Snapshot:
    """Write the NEWS corpus plus the seed article into ``root`` and build a snapshot."""
    root.mkdir()
    (root / "news.jsonl").write_text("\n".join(json.dumps(r) for r in NEWS) + "\n")
    shutil.copyfile(SEEDS / f"{SEED_ID}.txt", root / f"{SEED_ID}.txt")
    params = replace(PARAMS, idf_mode=idf_mode)
    snap, _ = build([root], params, max_file_bytes=1_000_000)
    return snap


@pytest.fixture
def snap(tmp_path: Path) -> Snapshot:
    """Return a snapshot of a small Indonesian/English corpus."""
    return make_snapshot(tmp_path / "corpus")


def reference_scores(snap: Snapshot, terms: list[str], idf_mode: str) -> np.ndarray:
    """Score every chunk with plain rank-bm25 over the chunks' analysed texts."""
    docs = [
        analyze(snap.chunk(i).text, snap.languages[int(snap.chunks[i, 0])])
        for i in range(snap.n_chunks)
    ]
    ref = BM25Okapi(docs)
    if idf_mode == "lucene":
        # Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), in rank-bm25's own scoring.
        df = Counter(term for freqs in ref.doc_freqs for term in freqs)
        n = ref.corpus_size
        ref.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    return np.asarray(ref.get_scores(terms))


# -- queries ----------------------------------------------------------------------------------


def test_build_query_analyses_and_dedupes_terms() -> None:
    query = build_query("Berapa harga beras, harga gula dan harga Beras?", crosslingual=False)
    assert query == Query(
        text="Berapa harga beras, harga gula dan harga Beras?",
        lang="id",
        terms=("harga", "beras", "gula"),
        weights=(1.0, 1.0, 1.0),
    )
    english = build_query("How much did rice prices climb?", crosslingual=False)
    assert (english.lang, english.terms, english.weights) == (
        "en",
        ("rice", "price", "climb"),
        (1.0, 1.0, 1.0),
    )


def test_context_terms_join_at_their_own_weight_and_never_lower_the_question() -> None:
    [own] = analyze("Dia mau bertemu siapa?", "id")
    query = build_query(
        "Dia mau bertemu siapa?",
        crosslingual=False,
        context=[("kim", 0.8), (own, 0.5), ("rusia", 0.3), ("kim", 0.4)],
    )
    assert dict(zip(query.terms, query.weights, strict=True)) == {
        own: 1.0,
        "kim": 0.8,
        "rusia": 0.3,
    }
    with pytest.raises(ValueError, match="context weights"):
        build_query("harga beras", context=[("gula", 1.5)])


def test_build_query_language_can_be_given() -> None:
    assert build_query("harga beras", lang="en", crosslingual=False).lang == "en"


def test_monolingual_corpus_gets_no_other_language_terms() -> None:
    text = "Kapan Kim Jong-un berangkat ke Rusia?"
    plain = build_query(text, crosslingual=False)
    assert build_query(text, corpus_langs=frozenset({"id"})) == plain
    assert plain.terms == tuple(dict.fromkeys(analyze(text, "id")))


# -- ranking ----------------------------------------------------------------------------------


def test_snapshot_detects_languages_and_numbers_chunks(snap: Snapshot) -> None:
    assert [a.id for a in snap.articles] == [SEED_ID, "beras", "gula", "gempa", "rice"]
    assert snap.languages == ("id", "id", "id", "id", "en")
    assert snap.dates() == ("2022-11-21", "2023-09-12")
    beras = snap.article_index["beras"]
    rows = [i for i in range(snap.n_chunks) if int(snap.chunks[i, 0]) == beras]
    assert [snap.chunk(i).chunk_id for i in rows] == ["beras#0"]
    assert snap.chunk(rows[0]) == Chunk(
        "beras#0", "beras", 0, len(NEWS[0]["text"]), NEWS[0]["text"]
    )


@pytest.mark.parametrize(
    "question",
    [
        "Berapa harga beras di Jakarta?",
        "Siapa yang mengungsi setelah gempa Cianjur?",
        "Dengan apa Kim Jong-un berangkat ke Rusia?",
        "harga",
    ],
)
@pytest.mark.parametrize("idf_mode", ["okapi", "lucene"])
def test_search_ranks_by_bm25(tmp_path: Path, idf_mode: str, question: str) -> None:
    snap = make_snapshot(tmp_path / "corpus", idf_mode=idf_mode)
    assert snap.params.idf_mode == idf_mode
    hits = search(snap, question, k=4, crosslingual=False)
    terms = list(build_query(question, crosslingual=False).terms)
    expected = reference_scores(snap, terms, idf_mode)
    order = [int(i) for i in np.lexsort((np.arange(len(expected)), -expected)) if expected[i] > 0]
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len(hits) == min(4, len(order)) > 0
    for hit, i in zip(hits, order, strict=False):
        assert hit.chunk == snap.chunk(i)
        assert hit.score == pytest.approx(expected[i], rel=1e-12)
        assert hit.article == snap.articles[int(snap.chunks[i, 0])]
        assert hit.article.text[hit.chunk.start : hit.chunk.end] == hit.chunk.text


def test_search_finds_the_right_articles(snap: Snapshot) -> None:
    def top(question: str) -> list[str]:
        return [h.article.id for h in search(snap, question, k=3, crosslingual=False)]

    assert top("Berapa harga beras per kilogram?")[0] == "beras"
    assert top("Gempa Cianjur magnitudo berapa?")[0] == "gempa"
    assert top("Kim Jong-un naik kereta lapis baja ke Rusia")[0] == SEED_ID
    assert top("What did the government promise about rice?") == ["rice"]
    kim = search(snap, "kereta lapis baja", k=1, crosslingual=False)[0]
    assert "kereta lapis baja" in kim.chunk.text


def test_search_returns_fewer_when_fewer_match(snap: Snapshot) -> None:
    assert [h.article.id for h in search(snap, "gula", k=10, crosslingual=False)] == ["gula"]
    assert search(snap, "tsunami Aceh", crosslingual=False) == []
    assert search(snap, "yang dan di ke", crosslingual=False) == []  # stopwords only
    assert search(snap, "", crosslingual=False) == []


def test_search_rejects_bad_k(snap: Snapshot) -> None:
    with pytest.raises(ValueError, match=r"^k must be >= 1, got 0$"):
        search(snap, "harga beras", k=0)


def test_search_of_an_empty_snapshot_is_empty(tmp_path: Path) -> None:
    (tmp_path / "kosong").mkdir()
    snap, _ = build([tmp_path / "kosong"], PARAMS, max_file_bytes=1_000)
    assert snap.bm25 is None
    assert search(snap, "harga beras") == []


def test_search_of_a_reloaded_index_matches_the_built_one(tmp_path: Path) -> None:
    built = make_snapshot(tmp_path / "corpus")
    CorpusIndex([tmp_path / "corpus"], tmp_path / "data", chunk_chars=300, overlap_chars=60).open()
    index = CorpusIndex([tmp_path / "corpus"], tmp_path / "data", chunk_chars=300, overlap_chars=60)
    assert index.open() is None
    for question in ("harga beras Jakarta", "gempa warga", "Putin Kim kereta", "rice prices"):
        assert search(index.snapshot, question, crosslingual=False) == search(
            built, question, crosslingual=False
        )


def test_dates_compare_as_dates_not_as_strings(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    records = [
        {"id": "a", "date": "9/30/2025 08:01", "text": "Harga beras naik."},
        {"id": "b", "date": "10/21/2025 20:43", "text": "Inflasi turun."},
        {"id": "c", "date": "kemarin", "text": "Gempa di Cianjur."},
    ]
    (root / "news.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    snap, _ = build([root], PARAMS, max_file_bytes=1_000_000)

    assert snap.dates() == ("2025-09-30", "2025-10-21")
