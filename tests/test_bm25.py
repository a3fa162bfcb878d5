"""CompactBM25: rank-bm25's BM25Okapi scores from compact postings, and its round trips."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

import retrieval.bm25
from retrieval.analysis import analyze
from retrieval.bm25 import ARRAY_NAMES, CompactBM25, forward_from_tokens, invert_in_parts
from retrieval.chunking import chunk_article

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_76514cd01a3de205.txt"
FACQA = REPO.parent / "shared" / "data" / "facqa"

Corpus = list[list[str]]


def idf_of(bm: CompactBM25) -> dict[str, float]:
    """Return the idf of every indexed term."""
    return dict(zip(bm.terms, bm.idf_array.tolist(), strict=True))


def reference_top(scores: np.ndarray, k: int) -> list[int]:
    """Return rank-bm25's best ``k`` positive documents, ties by document order."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(i) for i in order[:k] if scores[i] > 0]


def assert_same_as_rank_bm25(ours: CompactBM25, ref: BM25Okapi, queries: list[list[str]]) -> None:
    """Assert equal scores and top-10 lists for every query."""
    for query in queries:
        expected = ref.get_scores(query)
        actual = ours.get_scores(query)
        assert np.allclose(actual, expected, rtol=1e-12, atol=0), query
        ids, scores = ours.top_k(query, 10)
        assert ids.tolist() == reference_top(expected, 10), query
        assert np.allclose(scores, expected[ids], rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def real_corpus() -> tuple[Corpus, list[list[str]]]:
    """Return the analysed seed chunks + FacQA passages, and analysed FacQA questions."""
    if not (FACQA / "corpus.jsonl").is_file():
        pytest.skip(f"FacQA is not in {FACQA}")
    seed = SEED.read_text(encoding="utf-8")
    docs = [analyze(c.text, "id") for c in chunk_article("seed", seed)]
    for line in (FACQA / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        docs.append(analyze(f"{record['title']}\n{record['text']}", "id"))
    questions = [
        analyze(json.loads(line)["question"], "id")
        for line in (FACQA / "questions-valid.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    questions += [
        analyze("Kim Jong-un berangkat ke Rusia dengan kereta lapis baja", "id"),
        analyze("tahun yang tahun tahun", "id"),  # repeated terms count each time
        ["istilah-yang-tidak-ada"],
        [],
    ]
    return docs, questions


def test_scores_equal_rank_bm25_on_a_real_corpus(
    real_corpus: tuple[Corpus, list[list[str]]],
) -> None:
    docs, queries = real_corpus
    assert len(docs) > 1_300 and len(queries) > 300
    ours, ref = CompactBM25(docs), BM25Okapi(docs)
    assert ours.corpus_size == ref.corpus_size
    assert ours.avgdl == ref.avgdl
    assert ours.average_idf == pytest.approx(ref.average_idf, rel=1e-12)
    assert idf_of(ours) == pytest.approx(ref.idf, rel=1e-12)
    assert ours.doc_len.tolist() == ref.doc_len
    assert_same_as_rank_bm25(ours, ref, queries)
    assert ours.get_batch_scores(queries[0], [5, 0, 7]) == pytest.approx(
        ref.get_batch_scores(queries[0], [5, 0, 7]), rel=1e-12
    )


def test_lucene_scores_equal_rank_bm25_with_lucene_idf(
    real_corpus: tuple[Corpus, list[list[str]]],
) -> None:
    docs, queries = real_corpus
    ours, ref = CompactBM25(docs, idf_mode="lucene"), BM25Okapi(docs)
    # rank-bm25's scoring with Lucene's idf put in place of its own.
    df = Counter(term for freqs in ref.doc_freqs for term in freqs)
    n = ref.corpus_size
    ref.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    assert idf_of(ours) == pytest.approx(ref.idf, rel=1e-12)
    assert_same_as_rank_bm25(ours, ref, queries)


_WORDS = st.sampled_from([f"w{i}" for i in range(12)])


@settings(max_examples=150, deadline=None)
@given(
    docs=st.lists(st.lists(_WORDS, max_size=12), min_size=1, max_size=25).filter(lambda d: any(d)),
    queries=st.lists(st.lists(_WORDS | st.just("absent"), max_size=5), min_size=1, max_size=4),
    k1=st.sampled_from([0.9, 1.2, 1.5]),
    # b = 1 is left out: rank-bm25 divides 0 by 0 (nan) for an empty chunk, we give 0.
    b=st.sampled_from([0.0, 0.5, 0.75]),
)
def test_scores_equal_rank_bm25_on_random_corpora(
    docs: Corpus, queries: list[list[str]], k1: float, b: float
) -> None:
    ours = CompactBM25(docs, k1=k1, b=b)
    ref = BM25Okapi(docs, k1=k1, b=b)
    assert idf_of(ours) == pytest.approx(ref.idf, rel=1e-12)
    assert_same_as_rank_bm25(ours, ref, queries)


def test_weighted_query_scales_each_term() -> None:
    docs = [["harga", "beras", "naik"], ["harga", "gula"], ["beras", "impor", "beras"], ["gempa"]]
    bm = CompactBM25(docs + [["cuaca"]] * 6)
    beras, harga = bm.get_scores(["beras"]), bm.get_scores(["harga"])
    weighted = bm.get_scores(["beras", "harga"], [0.5, 2.0])
    assert np.allclose(weighted, 0.5 * beras + 2.0 * harga, rtol=1e-12)
    assert np.array_equal(bm.get_scores(["beras", "harga"], [1.0, 1.0]), beras + harga)
    assert np.array_equal(bm.get_scores(["beras"], [0.0]), np.zeros(10))
    ids, _ = bm.top_k(["beras", "harga"], 2, [0.1, 5.0])
    assert ids.tolist() == [1, 0]


def test_top_k_keeps_positive_scores_in_rank_order() -> None:
    docs = [["a", "x"], ["b"], ["a", "a", "y"], ["a", "z"], ["c"]]
    bm = CompactBM25(docs)
    ids, scores = bm.top_k(["a"], 10)
    assert ids.tolist() == [2, 0, 3]  # docs 0 and 3 tie: document order decides
    assert scores[1] == scores[2] and scores[0] > scores[1] > 0
    assert bm.top_k(["a"], 1)[0].tolist() == [2]
    assert bm.top_k(["missing"], 3)[0].tolist() == []
    with pytest.raises(ValueError, match=r"^k must be >= 1, got 0$"):
        bm.top_k(["a"], 0)


def test_ties_at_the_cut_off_go_to_the_earliest_chunks() -> None:
    docs = [["b"]] * 30 + [["a", "x"]] * 20 + [["a", "a", "x"]]
    bm = CompactBM25(docs)
    for k in (3, 5, 7):
        assert bm.top_k(["a"], k)[0].tolist() == [50, *range(30, 30 + k - 1)]


def test_empty_corpus_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"^cannot index an empty corpus$"):
        CompactBM25([])


def test_from_forward_compacts_unused_terms_and_scores_the_same() -> None:
    docs = [["harga", "beras", "harga"], ["gula", "naik"], ["beras", "impor"]]
    vocab = {"usang": 0, "gula": 1}
    terms = ["usang", "gula"]
    fwd = forward_from_tokens(docs, vocab, terms)
    assert terms == ["usang", "gula", "harga", "beras", "naik", "impor"]
    assert fwd[0].tolist() == [0, 2, 4, 6]
    assert fwd[1].tolist() == [2, 3, 1, 4, 3, 5]
    assert fwd[2].tolist() == [2, 1, 1, 1, 1, 1]
    built = CompactBM25.from_forward(terms, *fwd)
    direct = CompactBM25(docs)
    # Unused "usang" is dropped; terms are renumbered in first-occurrence order.
    assert built.terms == ["harga", "beras", "gula", "naik", "impor"] == direct.terms
    for name in ARRAY_NAMES:
        assert np.array_equal(getattr(built, name), getattr(direct, name)), name
    for query in (["beras"], ["harga", "gula"], ["usang"], ["impor", "impor"]):
        assert np.array_equal(built.get_scores(query), direct.get_scores(query))
        assert np.array_equal(built.get_scores(query), BM25Okapi(docs).get_scores(query))


def test_from_arrays_round_trip_through_npy_files(tmp_path: Path) -> None:
    docs = [["harga", "beras", "naik"], ["harga", "gula"], ["beras", "impor", "beras"], []]
    bm = CompactBM25(docs, k1=1.2, b=0.6, epsilon=0.1, idf_mode="lucene")
    for name, arr in bm.arrays().items():
        np.save(tmp_path / f"{name}.npy", arr, allow_pickle=False)
    arrays = {
        n: np.load(tmp_path / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in ARRAY_NAMES
    }
    params = json.loads(json.dumps(bm.params()))
    assert params == {"k1": 1.2, "b": 0.6, "epsilon": 0.1, "idf_mode": "lucene"}
    loaded = CompactBM25.from_arrays(list(bm.terms), arrays, params)
    assert isinstance(loaded.post_docs, np.memmap)
    assert (loaded.corpus_size, loaded.avgdl) == (4, bm.avgdl)
    for query in (["beras"], ["harga", "beras", "naik"], ["tidak-ada"]):
        assert np.array_equal(loaded.get_scores(query), bm.get_scores(query))
        assert np.array_equal(loaded.top_k(query, 3)[0], bm.top_k(query, 3)[0])


def test_arrays_are_compact_dtypes() -> None:
    bm = CompactBM25([["a", "b", "a"], ["b", "c"]])
    dtypes = {name: str(arr.dtype) for name, arr in bm.arrays().items()}
    assert dtypes == {
        "fwd_offsets": "int64",
        "fwd_terms": "int32",
        "fwd_tfs": "uint16",
        "post_offsets": "int64",
        "post_docs": "int32",
        "post_tfs": "uint16",
        "doc_len": "int64",
        "idf_array": "float64",
    }
    assert bm.post_docs.tolist() == [0, 0, 1, 1]  # a: doc 0; b: docs 0, 1; c: doc 1
    assert bm.post_tfs.tolist() == [2, 1, 1, 1]
    assert (bm.doc_freqs, bm.idf) == ([], {})  # no dict per chunk, nor per term, is kept


def test_lucene_idf_is_never_negative() -> None:
    docs = [["umum", "beras"], ["umum", "gula"], ["umum"], ["umum", "beras"]]
    okapi, lucene = CompactBM25(docs), CompactBM25(docs, idf_mode="lucene")
    # Okapi floors the negative idf of a term in every document to epsilon * average idf.
    assert idf_of(okapi)["umum"] == okapi.epsilon * okapi.average_idf
    assert idf_of(lucene) == pytest.approx(
        {
            w: math.log(1 + (4 - f + 0.5) / (f + 0.5))
            for w, f in (("umum", 4), ("beras", 2), ("gula", 1))
        }
    )
    assert all(v > 0 for v in idf_of(lucene).values())
    assert lucene.get_scores(["umum"]).min() > 0


@settings(max_examples=100, deadline=None)
@given(docs=st.lists(st.lists(_WORDS, min_size=1, max_size=8), min_size=1, max_size=30))
def test_lucene_idf_is_positive_on_any_corpus(docs: Corpus) -> None:
    bm = CompactBM25(docs, idf_mode="lucene")
    assert (bm.idf_array > 0).all()
    assert all(bm.get_scores([w]).min() >= 0 for w in bm.terms)


@pytest.mark.parametrize("block", [1, 5, 64])
def test_inverting_in_small_blocks_gives_the_same_index(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(block)
    words = [f"w{i}" for i in range(40)]
    docs = [rng.choices(words, k=rng.randint(0, 30)) for _ in range(200)] + [words * 3]
    whole = CompactBM25(docs)
    monkeypatch.setattr(retrieval.bm25, "_BLOCK", block)
    blocked = CompactBM25(docs)
    for name in ARRAY_NAMES:
        assert np.array_equal(getattr(blocked, name), getattr(whole, name)), name
    # The same postings as one stable sort of every term id.
    order = np.argsort(whole.fwd_terms, kind="stable")
    docs_of = np.repeat(np.arange(len(docs)), np.diff(whole.fwd_offsets))
    assert np.array_equal(blocked.post_docs, docs_of[order])
    for query in (["w1"], ["w2", "w39", "w7"]):
        assert np.array_equal(blocked.get_scores(query), BM25Okapi(docs).get_scores(query))


@pytest.mark.parametrize("max_postings", [1, 7, 100, 10_000])
def test_inverting_a_range_of_terms_at_a_time_gives_the_same_postings(max_postings: int) -> None:
    rng = random.Random(max_postings)
    words = [f"w{i}" for i in range(40)]
    docs = [rng.choices(words, k=rng.randint(0, 30)) for _ in range(200)] + [words * 3]
    whole = CompactBM25(docs)
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    offsets, doc_len = invert_in_parts(
        whole.fwd_offsets, whole.fwd_terms, whole.fwd_tfs, len(whole.terms),
        emit=lambda d, t: parts.append((d, t)), max_postings=max_postings,
    )  # fmt: skip
    assert np.array_equal(offsets, whole.post_offsets)
    assert np.array_equal(doc_len, whole.doc_len)
    assert np.array_equal(np.concatenate([d for d, _ in parts]), whole.post_docs)
    assert np.array_equal(np.concatenate([t for _, t in parts]), whole.post_tfs)
    # Each range within the bound unless one term alone has more.
    df = np.diff(whole.post_offsets)
    assert all(len(d) <= max(max_postings, int(df.max())) for d, _ in parts)
    assert len(parts) > 1 or max_postings >= len(whole.post_docs)
