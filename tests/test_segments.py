"""Reloads through a base and a delta segment rank exactly as an index built from scratch."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

import retrieval.merge
from bot.answering.scoring import term_weights
from retrieval.bm25 import CompactBM25, best_of
from retrieval.builder import build
from retrieval.errors import IndexWriteError
from retrieval.search import Query, build_query, search_query
from retrieval.snapshot import BuildParams, Snapshot
from retrieval.store import CorpusIndex

WORDS = (
    "harga beras gula naik turun pasar pedagang pemerintah presiden menteri jakarta bandung "
    "gempa banjir hujan warga desa kota jalan kereta pesawat bandara ekspor impor rupiah"
).split()
# Common words (in most chunks: Okapi's idf goes negative), middling ones and rare codes.
QUERIES = [
    "harga beras naik",
    "gempa bandung warga",
    "kereta pesawat bandara rupiah",
    "kode3 harga",
    "kode17 kode41 pasar",
    "khusus5 banjir",  # khusus5 is only in an article that a later step deletes
    "versi2 jakarta",
    "harga",
]
Row = tuple[str, float, str, int, int, str]
NEVER = 100.0  # a merge fraction no delta reaches


def article(n: int, version: int) -> dict[str, str]:
    """Return a deterministic article: shared words, a unique code, some version words."""
    rng = random.Random(n * 100 + version)
    sentences = [" ".join(rng.choices(WORDS, k=rng.randint(5, 12))) + "." for _ in range(12)]
    extra = f" khusus{n}" if n % 5 == 0 else ""
    text = f"Laporan kode{n} versi{version}{extra}. " + " ".join(sentences)
    date = f"2024-05-{1 + n % 28:02d}"
    return {"id": f"a{n}", "title": f"Berita {n}", "date": date, "text": text}


def write_file(root: Path, name: str, ids: list[int], version: int = 0) -> None:
    """Write ``ids`` as one .jsonl file (mtime moved on, so the change is seen)."""
    path = root / name
    lines = [json.dumps(article(n, version)) for n in ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 10_000_000,) * 2)


def ranked(snap: Snapshot, query: Query) -> list[Row]:
    """Return the full ranking of ``query`` as comparable rows (spans checked)."""
    rows = []
    for hit in search_query(snap, query, k=1000):
        c = hit.chunk
        assert hit.article.text[c.start : c.end] == c.text
        rows.append((c.chunk_id, hit.score, hit.article.id, c.start, c.end, c.text))
    return rows


def assert_same_index(snap: Snapshot, fresh: Snapshot) -> None:
    """Assert that ``snap`` serves exactly what the index ``fresh`` built from scratch does."""
    assert (snap.n_chunks, len(snap.articles)) == (fresh.n_chunks, len(fresh.articles))
    assert np.array_equal(snap.chunks, fresh.chunks)
    assert snap.languages == fresh.languages
    assert dict(snap.article_index) == dict(fresh.article_index)
    assert list(snap.articles) == list(fresh.articles)
    assert snap.dates() == fresh.dates()
    assert snap.bm25 is not None and fresh.bm25 is not None
    assert snap.bm25.avgdl == fresh.bm25.avgdl
    assert set(snap.bm25.vocab) == set(fresh.bm25.vocab)
    assert snap.bm25.average_idf == fresh.bm25.average_idf
    for text in QUERIES:
        query = build_query(text, crosslingual=False)
        got, want = ranked(snap, query), ranked(fresh, query)
        assert got, text
        assert got == want, text
        assert term_weights(snap, query) == term_weights(fresh, query)


def from_scratch(root: Path, params: BuildParams) -> Snapshot:
    snap, _ = build([root], params, max_file_bytes=1_000_000)
    return snap


STEPS = ["changed", "deleted", "added", "changed again", "shrunk", "duplicate", "restored"]


def apply(step: str, root: Path) -> None:
    """Change the corpus as an admin would."""
    if step == "changed":
        write_file(root, "f03.jsonl", [15, 16, 17, 18, 19], version=1)
    elif step == "deleted":
        (root / "f05.jsonl").unlink()  # a25 (khusus25) and its neighbours go
    elif step == "added":
        write_file(root, "f03b.jsonl", [90, 91], version=2)  # between f03 and f04
        write_file(root, "f99.jsonl", [95, 96, 97])
    elif step == "changed again":
        write_file(root, "f03.jsonl", [15, 16, 17, 18, 19], version=2)
        write_file(root, "f07.jsonl", [35, 36, 37, 38, 39], version=1)
    elif step == "shrunk":
        write_file(root, "f01.jsonl", [5, 7], version=0)  # a6, a8, a9 deleted from the base
    elif step == "duplicate":
        write_file(root, "f00.jsonl", [0, 1, 2, 3, 4, 36])  # a36 is already in f07
    elif step == "restored":
        write_file(root, "f05.jsonl", [25, 26, 27, 28, 29])


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for f in range(10):
        write_file(root, f"f{f:02d}.jsonl", list(range(f * 5, f * 5 + 5)))
    return root


@pytest.mark.parametrize("idf_mode", ["lucene", "okapi"])
def test_reloads_through_a_delta_rank_as_a_build_from_scratch(
    idf_mode: str, corpus: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    index = CorpusIndex([corpus], data, idf_mode=idf_mode, merge_fraction=NEVER)
    index.open()
    (base,) = index.snapshot.segments
    assert_same_index(index.snapshot, from_scratch(corpus, index.params))
    for step in STEPS:
        apply(step, corpus)
        report = index.reload()
        assert report.changed, step
        snap = index.snapshot
        # The base is the first generation's, untouched; the changes are in a small delta.
        assert len(snap.segments) == 2 and snap.segments[1].n_chunks < base.n_chunks, step
        assert snap.segments[0].post_docs is base.post_docs, step
        fresh = from_scratch(corpus, index.params)
        assert_same_index(snap, fresh)
        # A process that opens the generation from disk serves the same.
        reopened = CorpusIndex([corpus], data, idf_mode=idf_mode, merge_fraction=NEVER)
        assert reopened.open() is None, step
        assert_same_index(reopened.snapshot, fresh)
        assert reopened.snapshot.skipped == fresh.skipped
        assert dict(reopened.snapshot.files) == dict(fresh.files)


def test_a_delta_past_the_merge_fraction_is_merged_into_a_new_base(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    # The merged postings are inverted (and written) a few hundred at a time.
    monkeypatch.setattr(retrieval.merge, "POSTINGS_IN_RAM", 300)
    # One changed file of ten: 10% of the base's chunks in the delta plus 10% deleted.
    index = CorpusIndex([corpus], data, merge_fraction=0.25)
    index.open()
    first = index.snapshot.segments[0]
    apply("changed", corpus)
    index.reload()
    assert len(index.snapshot.segments) == 2
    assert index.snapshot.segments[0].post_docs is first.post_docs
    apply("deleted", corpus)
    index.reload()  # 10% delta + 20% deleted > 25%: one new base
    (merged,) = index.snapshot.segments
    assert merged.post_docs is not first.post_docs
    assert merged.n_chunks == index.snapshot.n_chunks
    assert_same_index(index.snapshot, from_scratch(corpus, index.params))
    apply("added", corpus)
    index.reload()
    assert len(index.snapshot.segments) == 2
    assert_same_index(index.snapshot, from_scratch(corpus, index.params))


def test_a_reload_links_the_base_instead_of_writing_it(corpus: Path, tmp_path: Path) -> None:
    index = CorpusIndex([corpus], tmp_path / "data", merge_fraction=1.0)
    index.open()
    before = {p.name: p.stat().st_ino for p in _current(index).iterdir() if p.is_file()}
    apply("changed", corpus)
    index.reload()
    gen = _current(index)
    after = {p.name: p.stat().st_ino for p in gen.iterdir() if p.is_file()}
    base_files = {n for n in before if n != "meta.json"}
    assert {n: after[n] for n in base_files} == {n: before[n] for n in base_files}
    assert sorted(p.name for p in (gen / "delta").iterdir()) == sorted(base_files)
    meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
    assert [s["dir"] for s in meta["segments"]] == ["", "delta"]
    assert meta["runs"] == [[0, 0, 15], [1, 0, 5], [0, 20, 30]]  # f03's articles are new
    assert "delta/post_docs.npy" in meta["checksums"]


def test_a_merge_that_cannot_write_keeps_the_last_generation_serving(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = CorpusIndex([corpus], tmp_path / "data", merge_fraction=0.0)
    index.open()
    good, gen = index.snapshot, _current(index)
    expected = ranked(good, build_query("harga beras", crosslingual=False))

    def disk_full(path: Path, arr: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(retrieval.merge, "_save", disk_full)  # the merged postings
    apply("changed", corpus)
    with pytest.raises(
        IndexWriteError,
        match=r"^cannot write a new index generation in .*: No space left on device$",
    ):
        index.reload()
    assert index.snapshot is good and _current(index) == gen and not index.reloading
    assert ranked(index.snapshot, build_query("harga beras", crosslingual=False)) == expected
    monkeypatch.undo()
    assert index.reload().updated == ("f03.jsonl",)
    # The leftovers of the failed merge are gone with the last generation.
    assert sorted(p.name for p in index.directory.iterdir() if p.is_dir()) == [gen_of(index)]
    assert_same_index(index.snapshot, from_scratch(corpus, index.params))


def gen_of(index: CorpusIndex) -> str:
    return _current(index).name


def test_a_damaged_delta_is_caught_on_open_and_rebuilt(corpus: Path, tmp_path: Path) -> None:
    index = CorpusIndex([corpus], tmp_path / "data", merge_fraction=1.0)
    index.open()
    apply("changed", corpus)
    index.reload()
    damaged = _current(index) / "delta" / "post_docs.npy"
    raw = bytearray(damaged.read_bytes())
    raw[-3] ^= 0xFF
    damaged.write_bytes(raw)
    reopened = CorpusIndex([corpus], tmp_path / "data", merge_fraction=1.0)
    assert reopened.load() is False
    assert reopened.load_error is not None
    assert "/delta is corrupt: post_docs.npy has checksum" in reopened.load_error
    report = reopened.open()
    assert report is not None and len(reopened.snapshot.segments) == 1
    assert_same_index(reopened.snapshot, from_scratch(corpus, reopened.params))


def test_one_segment_scores_equal_compact_bm25(corpus: Path) -> None:
    params = BuildParams(600, 120, "okapi")
    snap = from_scratch(corpus, params)
    (seg,) = snap.segments
    reference = CompactBM25.from_forward(
        list(seg.terms),
        np.array(seg.fwd_offsets),
        np.array(seg.fwd_terms),
        np.array(seg.fwd_tfs),
        idf_mode="okapi",
    )
    assert snap.bm25 is not None and reference.terms == list(seg.terms)
    # Okapi's average idf: math.fsum here, rank-bm25's running sum there.
    assert snap.bm25.average_idf == pytest.approx(reference.average_idf, rel=1e-15)
    for text in QUERIES:
        terms = build_query(text, crosslingual=False).terms
        scores = snap.bm25.get_scores(terms)
        assert scores == pytest.approx(reference.get_scores(terms), rel=1e-14), text
        assert best_of(scores, 20)[0].tolist() == reference.top_k(terms, 20)[0].tolist(), text


def _current(index: CorpusIndex) -> Path:
    return index.directory / (index.directory / "CURRENT").read_text(encoding="utf-8").strip()
