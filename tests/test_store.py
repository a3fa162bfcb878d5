"""The persisted corpus index: restart, corruption, incremental and concurrent reloads, crashes."""

from __future__ import annotations

import json
import logging
import os
import random
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import retrieval.accumulate
import retrieval.store
from retrieval.analysis import Lang, analyze
from retrieval.documents import Skipped
from retrieval.errors import CorpusError, IndexWriteError, ReloadInProgressError
from retrieval.search import search
from retrieval.segment import SEGMENT_ARRAYS
from retrieval.snapshot import FORMAT_VERSION, Snapshot, crc32_file
from retrieval.store import CorpusIndex, corpus_key

# Words for synthetic Indonesian news; a unique "kodeN" word per article makes searches exact.
_WORDS = (
    "harga beras gula naik turun pasar pedagang pemerintah presiden menteri jakarta bandung "
    "gempa banjir hujan warga desa kota jalan kereta pesawat bandara ekspor impor rupiah "
    "inflasi bank saham investor pabrik petani nelayan sekolah guru siswa rumah sakit dokter "
    "pemilu partai calon suara polisi pengadilan hakim jaksa sidang korupsi anggaran proyek"
).split()

Result = list[tuple[str, float, int, int, str]]


def article_text(n: int, *, version: int = 0, sentences: int = 8) -> str:
    """Return a deterministic synthetic article with the unique word ``kode{n}``."""
    rng = random.Random(n * 1_000 + version)
    lines = [f"Berita kode{n}"]
    for _ in range(sentences):
        words = rng.choices(_WORDS, k=rng.randint(6, 14))
        lines.append(" ".join(words).capitalize() + ".")
    lines.append(f"Laporan kode{n} versi{version} selesai.")
    return "\n".join(lines) + "\n"


def write_corpus(root: Path, ids: range, *, version: int = 0) -> None:
    """Write one .txt article per id into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for n in ids:
        (root / f"berita{n:04d}.txt").write_text(article_text(n, version=version))


def results(snap: Snapshot, query: str, *, k: int = 5) -> Result:
    """Search ``snap`` and return comparable tuples, checking every span on the way."""
    out = []
    for hit in search(snap, query, k=k, crosslingual=False):
        assert hit.article.text[hit.chunk.start : hit.chunk.end] == hit.chunk.text
        out.append((hit.chunk.chunk_id, hit.score, hit.chunk.start, hit.chunk.end, hit.chunk.text))
    return out


def generations(index: CorpusIndex) -> list[str]:
    """Return the generation directory names of ``index`` (finished or not)."""
    return sorted(p.name for p in index.directory.iterdir() if p.is_dir())


def current(index: CorpusIndex) -> str:
    """Return the generation CURRENT points to."""
    return (index.directory / "CURRENT").read_text(encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Return a corpus directory of six synthetic articles."""
    root = tmp_path / "corpus"
    write_corpus(root, range(6))
    return root


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Return an empty data directory."""
    return tmp_path / "data"


# -- construction and persistence -------------------------------------------------------------


def test_corpus_must_exist(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"^no corpus directory given$"):
        CorpusIndex([], tmp_path)
    with pytest.raises(CorpusError) as info:
        CorpusIndex([tmp_path / "missing"], tmp_path)
    assert str(info.value) == (
        f"corpus directory {tmp_path / 'missing'} does not exist or is not a directory"
    )


def test_each_corpus_has_its_own_index_directory(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    assert corpus_key([a, b]) == corpus_key([b, a]) == corpus_key([a / ".." / "a", b])
    assert corpus_key([a]) != corpus_key([b]) != corpus_key([a, b])
    assert corpus_key([a]).startswith("a-") and corpus_key([a, b]).startswith("a+b-")
    index = CorpusIndex([a, b], tmp_path / "data")
    assert index.directory == tmp_path / "data" / "indexes" / corpus_key([a, b])


def test_index_is_persisted_as_plain_arrays_and_json(corpus: Path, data_dir: Path) -> None:
    index = CorpusIndex([corpus], data_dir)
    report = index.open()
    assert report is not None and report.added == tuple(f"berita{n:04d}.txt" for n in range(6))
    (gen,) = generations(index)
    assert current(index) == gen
    files = sorted(p.name for p in (index.directory / gen).iterdir())
    arrays = sorted(f"{n}.npy" for n in SEGMENT_ARRAYS)
    assert files == sorted(["articles.jsonl", "meta.json", "terms.txt", *arrays])
    snap = index.snapshot
    (base,) = snap.segments  # one segment: nothing to merge yet
    for name in SEGMENT_ARRAYS:
        # allow_pickle=False fails on object arrays: the index never needs pickle.
        stored = np.load(index.directory / gen / f"{name}.npy", allow_pickle=False)
        assert stored.dtype != object and np.array_equal(stored, getattr(base, name)), name
    assert np.array_equal(snap.chunks, base.chunks)
    meta = json.loads((index.directory / gen / "meta.json").read_text(encoding="utf-8"))
    assert meta["params"]["chunk_chars"] == 600 and meta["runs"] == [[0, 0, 6]]
    assert meta["segments"][0]["n_terms"] == len(snap.bm25.terms) == len(base.terms)
    records = (index.directory / gen / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["id"] for r in records] == [f"berita{n:04d}" for n in range(6)]


def test_restart_loads_the_persisted_index_without_building(
    corpus: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = CorpusIndex([corpus], data_dir)
    first.open()
    expected = results(first.snapshot, "harga beras kode3")
    before = generations(first)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was rebuilt")

    monkeypatch.setattr(retrieval.store, "build", no_build)
    second = CorpusIndex([corpus], data_dir)
    assert second.open() is None
    assert second.last_report is None
    assert generations(second) == before and current(second) == before[0]
    # Arrays come straight from the files (memory-mapped), not from re-analysed text.
    (base,) = second.snapshot.segments
    assert isinstance(base.post_docs, np.memmap) and isinstance(base.fwd_terms, np.memmap)
    assert isinstance(base.chunks, np.memmap)
    assert results(second.snapshot, "harga beras kode3") == expected
    assert second.snapshot.articles == first.snapshot.articles
    assert second.snapshot.languages == first.snapshot.languages


def test_snapshot_property_opens_on_first_use(corpus: Path, data_dir: Path) -> None:
    index = CorpusIndex([corpus], data_dir)
    assert [a.id for a in index.snapshot.articles] == [f"berita{n:04d}" for n in range(6)]
    assert index.last_report is not None and len(index.last_report.added) == 6


def test_open_syncs_a_changed_corpus_unless_told_not_to(corpus: Path, data_dir: Path) -> None:
    CorpusIndex([corpus], data_dir).open()
    write_corpus(corpus, range(6, 7))
    stale = CorpusIndex([corpus], data_dir)
    assert stale.open(sync=False) is None
    assert stale.snapshot.article("berita0006") is None
    report = CorpusIndex([corpus], data_dir).open()
    assert report is not None and report.added == ("berita0006.txt",)


# -- missing, corrupt and old indexes ---------------------------------------------------------


def test_missing_index_is_built_with_a_log_line(
    corpus: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="retrieval")
    index = CorpusIndex([corpus], data_dir)
    report = index.open()
    assert report is not None and report.changed
    messages = [r.getMessage() for r in caplog.records if r.name == "retrieval.store"]
    assert messages == [
        f"no index at {index.directory} yet",
        f"building the index of {[corpus]} in {index.directory}",
    ]


def _truncate(name: str, size: int) -> Callable[[Path], None]:
    def damage(gen: Path) -> None:
        data = (gen / name).read_bytes()
        (gen / name).write_bytes(data[:size])

    return damage


def _edit_meta(change: Callable[[dict[str, object]], object]) -> Callable[[Path], None]:
    def damage(gen: Path) -> None:
        meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
        (gen / "meta.json").write_text(json.dumps(change(meta)), encoding="utf-8")

    return damage


def _set_param(key: str, value: object) -> Callable[[dict[str, object]], object]:
    def change(meta: dict[str, object]) -> object:
        params = meta["params"]
        assert isinstance(params, dict)
        params[key] = value
        return meta

    return change


def _resigned(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """Damage a generation, then record the damaged files' checksums (a consistent lie)."""

    def both(gen: Path) -> None:
        damage(gen)
        meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
        meta["checksums"] = {name: crc32_file(gen / name) for name in meta["checksums"]}
        (gen / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    return both


def _flip(name: str, at: int) -> Callable[[Path], None]:
    def damage(gen: Path) -> None:
        data = bytearray((gen / name).read_bytes())
        data[at] ^= 0xFF
        (gen / name).write_bytes(bytes(data))

    return damage


CHECKSUM = r"index at {gen} is corrupt: %s has checksum [0-9a-f]{{8}}, expected [0-9a-f]{{8}}"
DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "flipped byte in npy": (_flip("post_docs.npy", -3), CHECKSUM % "post_docs.npy"),
    "flipped byte in articles": (_flip("articles.jsonl", 30), CHECKSUM % "articles.jsonl"),
    "truncated terms": (_truncate("terms.txt", 10), CHECKSUM % "terms.txt"),
    "no checksums": (
        _edit_meta(lambda meta: {k: v for k, v in meta.items() if k != "checksums"}),
        r"index at {gen} has no checksums",
    ),
    "file gone": (
        lambda gen: (gen / "doc_len.npy").unlink(),
        r"index at {gen} is corrupt: \[Errno 2\] No such file or directory: '{gen}/doc_len.npy'",
    ),
    "truncated npy": (
        _resigned(_truncate("post_docs.npy", 100)),
        r"index at {gen} is corrupt: EOF: reading array header, expected \d+ bytes got 90",
    ),
    "empty npy": (
        _resigned(_truncate("fwd_tfs.npy", 0)),
        r"index at {gen} is corrupt: No data left in file",
    ),
    "short npy data": (
        _resigned(_truncate("post_tfs.npy", 140)),
        r"index at {gen} is corrupt: mmap length is greater than file size",
    ),
    "garbage meta": (
        lambda gen: (gen / "meta.json").write_bytes(b"\x00garbage{"),
        r"index metadata at {gen} is unreadable: Expecting value: line 1 column 1 \(char 0\)",
    ),
    "meta not an object": (
        _edit_meta(lambda meta: [1, 2]),
        rf"index format version None is not {FORMAT_VERSION}",
    ),
    "meta without params": (
        _edit_meta(lambda meta: {"format_version": FORMAT_VERSION}),
        r"index parameters are unreadable: 'params'",
    ),
    "no meta": (
        lambda gen: (gen / "meta.json").unlink(),
        r"index at {gen} is incomplete \(no meta.json\)",
    ),
    "terms cut": (
        _resigned(_truncate("terms.txt", 10)),
        r"index at {gen} is corrupt: terms.txt has 3 terms, expected \d+",
    ),
    "articles cut": (
        _resigned(_truncate("articles.jsonl", 20)),
        r"index at {gen} is corrupt: 1 stored articles for 6 ids",
    ),
    "old format": (
        _edit_meta(lambda meta: {**meta, "format_version": 0}),
        rf"index format version 0 is not {FORMAT_VERSION}",
    ),
    "old analyzer": (
        _edit_meta(_set_param("analyzer_version", 1)),
        r"index was built with other settings or another analyzer version",
    ),
    "unknown param": (
        _edit_meta(_set_param("stemmer", "porter")),
        r"index parameters are unreadable: "
        r"BuildParams\.__init__\(\) got an unexpected keyword argument 'stemmer'",
    ),
    "dangling CURRENT": (
        lambda gen: (gen.parent / "CURRENT").write_text("gen-0"),
        r"index at {parent}/gen-0 is incomplete \(no meta.json\)",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_unusable_index_is_detected_and_rebuilt(
    damage: str, corpus: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = CorpusIndex([corpus], data_dir)
    first.open()
    expected = results(first.snapshot, "harga beras kode3")
    gen = first.directory / current(first)
    spoil, reason = DAMAGE[damage]
    spoil(gen)
    caplog.set_level(logging.INFO, logger="retrieval")
    second = CorpusIndex([corpus], data_dir)
    assert second.load() is False
    report = second.open()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    pattern = "rebuilding the index: " + reason.format(
        gen=re.escape(str(gen)), parent=re.escape(str(gen.parent))
    )
    assert len(warnings) == 2 and all(re.fullmatch(pattern, w) for w in warnings), warnings
    assert report is not None and report.added == tuple(f"berita{n:04d}.txt" for n in range(6))
    assert results(second.snapshot, "harga beras kode3") == expected
    assert generations(second) == [current(second)] != [gen.name]
    assert CorpusIndex([corpus], data_dir).load() is True


def test_other_chunk_settings_rebuild_the_index(
    corpus: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="retrieval")
    CorpusIndex([corpus], data_dir).open()
    caplog.clear()
    index = CorpusIndex([corpus], data_dir, chunk_chars=200, overlap_chars=50)
    report = index.open()
    assert report is not None and len(report.added) == 6
    assert [r.getMessage() for r in caplog.records] == [
        "rebuilding the index: index was built with other settings or another analyzer version"
    ]
    assert max(int(e - s) for _, s, e in index.snapshot.chunks) <= 200


# -- incremental reloads ----------------------------------------------------------------------


def test_reload_reanalyses_only_added_and_changed_files(
    corpus: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = CorpusIndex([corpus], data_dir)
    index.open()
    old = index.snapshot
    # berita0001 changes content (same size, so only the hash can tell); berita0002 is only
    # touched; berita0003 is removed; berita0006 is new.
    changed = corpus / "berita0001.txt"
    text = changed.read_text()
    changed.write_text(text.replace("kode1", "kodX"))
    os.utime(corpus / "berita0002.txt", ns=(1_000_000_000, 1_000_000_000))
    (corpus / "berita0003.txt").unlink()
    write_corpus(corpus, range(6, 7))
    analysed: list[str] = []

    def spy(text: str, lang: Lang) -> list[str]:
        analysed.append(text)
        return analyze(text, lang)

    monkeypatch.setattr(retrieval.accumulate, "analyze", spy)
    report = index.reload()
    new = index.snapshot
    assert (report.added, report.updated, report.removed) == (
        ("berita0006.txt",),
        ("berita0001.txt",),
        ("berita0003.txt",),
    )
    assert report.changed and report.skipped == ()
    assert (report.articles, report.chunks) == (6, new.n_chunks)
    fresh = {new.article_index["berita0001"], new.article_index["berita0006"]}
    rows = [i for i in range(new.n_chunks) if int(new.chunks[i, 0]) in fresh]
    assert analysed == [new.chunk(i).text for i in rows]
    # Unchanged files keep their articles (served re-read from disk) and analysed chunks.
    for n in (0, 2, 4, 5):
        article_id = f"berita{n:04d}"
        assert new.article(article_id) == old.article(article_id)
    assert new.files["berita0002.txt"].mtime_ns == 1_000_000_000
    assert new.article("berita0003") is None
    assert "kodX" in new.article("berita0001").text
    assert results(new, "kode3") == []
    assert {hit[0].split("#")[0] for hit in results(new, "kode6")} == {"berita0006"}
    # The incremental snapshot scores exactly like one built from scratch.
    scratch = CorpusIndex([corpus], data_dir / "scratch")
    scratch.open()
    for query in ("harga beras", "kode1 kodX", "gempa warga kode6", "presiden menteri"):
        assert results(new, query) == results(scratch.snapshot, query)


def test_reload_of_an_unchanged_corpus_keeps_the_generation(corpus: Path, data_dir: Path) -> None:
    index = CorpusIndex([corpus], data_dir)
    index.open()
    snap, gens = index.snapshot, generations(index)
    report = index.reload()
    assert report.changed is False
    assert (report.added, report.updated, report.removed, report.skipped) == ((), (), (), ())
    assert (report.articles, report.chunks) == (6, snap.n_chunks)
    assert index.snapshot is snap and generations(index) == gens


def test_report_lines(corpus: Path, data_dir: Path) -> None:
    index = CorpusIndex([corpus], data_dir)
    index.open()
    (corpus / "berita0000.txt").unlink()
    (corpus / "berita0001.txt").write_text("Berita baru\nIsi yang lain sama sekali.\n")
    (corpus / "kosong.md").write_text("")
    report = index.reload()
    lines = report.lines()
    assert re.fullmatch(
        rf"0 added, 1 updated, 1 removed, 1 skipped; 5 articles, {report.chunks} chunks "
        r"in \d+\.\d\d s",
        lines[0],
    )
    assert lines[0] == report.summary()
    # The empty file gets one line, as skipped (not also "added").
    assert lines[1:] == [
        "  updated: berita0001.txt",
        "  removed: berita0000.txt",
        "  skipped: kosong.md: empty file",
    ]


def test_reload_with_bad_files_reports_them_and_keeps_the_rest(
    corpus: Path, data_dir: Path
) -> None:
    index = CorpusIndex([corpus], data_dir, max_file_bytes=5_000)
    index.open()
    (corpus / "rusak.txt").write_bytes(b"\x00\x01\x02")
    (corpus / "baris.jsonl").write_text('{"id": "j1", "text": "Ekspor kopi naik."}\n{oops\n')
    (corpus / "besar.txt").write_text("Harga naik. " * 500)
    (corpus / "ganda.json").write_text('{"id": "berita0004", "text": "Id kembar."}')
    report = index.reload()
    assert report.skipped == (
        Skipped(
            "baris.jsonl:2", "malformed JSON: Expecting property name enclosed in double quotes"
        ),
        Skipped("besar.txt", "file is 6,000 bytes, over the 5,000-byte limit"),
        Skipped("ganda.json", "duplicate id 'berita0004' (already in berita0004.txt)"),
        Skipped("rusak.txt", "binary file (contains NUL bytes)"),
    )
    assert report.added == ("baris.jsonl",)  # the files with no article are only "skipped"
    assert [a.id for a in index.snapshot.articles] == ["j1"] + [f"berita{n:04d}" for n in range(6)]
    assert results(index.snapshot, "ekspor kopi")[0][0] == "j1#0"
    # The reasons stay in the report of later reloads, also of a merely touched file.
    os.utime(corpus / "baris.jsonl", ns=(2_000_000_000, 2_000_000_000))
    again = index.reload()
    assert again.skipped == report.skipped and again.updated == ()
    assert CorpusIndex([corpus], data_dir, max_file_bytes=5_000).snapshot.skipped == report.skipped


def test_removing_the_first_copy_of_a_duplicate_id_restores_the_other(
    tmp_path: Path, data_dir: Path
) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.jsonl").write_text('{"id": "x", "text": "Harga beras naik."}\n')
    (root / "b.jsonl").write_text(
        '{"id": "x", "text": "Harga gula turun."}\n{"id": "y", "text": "Cuaca cerah."}\n'
    )
    index = CorpusIndex([root], data_dir)
    first = index.open()
    assert first is not None
    assert first.skipped == (Skipped("b.jsonl", "duplicate id 'x' (already in a.jsonl)"),)
    (root / "a.jsonl").unlink()
    report = index.reload()
    assert (report.removed, report.updated, report.skipped) == (("a.jsonl",), (), ())
    assert index.snapshot.article("x").text == "Harga gula turun."
    assert [a.id for a in index.snapshot.articles] == ["x", "y"]


def test_empty_corpus_serves_no_results(tmp_path: Path, data_dir: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "kosong.txt").write_text("\n")
    index = CorpusIndex([root], data_dir)
    report = index.open()
    assert report is not None and report.skipped == (Skipped("kosong.txt", "empty file"),)
    assert index.snapshot.bm25 is None and index.snapshot.n_chunks == 0
    assert search(index.snapshot, "harga") == []
    reopened = CorpusIndex([root], data_dir)
    assert reopened.open() is None and reopened.snapshot.bm25 is None


# -- concurrency ------------------------------------------------------------------------------


# kode120 is changed by the reload and kode200 added, so the two generations answer differently.
QUERIES = ("harga beras naik", "gempa warga desa", "kode7 presiden", "kode120 versi1", "kode200")


def test_searches_during_a_reload_use_a_whole_generation(tmp_path: Path, data_dir: Path) -> None:
    root = tmp_path / "corpus"
    write_corpus(root, range(150))
    index = CorpusIndex([root], data_dir)
    index.open()
    old = index.snapshot
    write_corpus(root, range(100, 250), version=1)  # 100 changed, 100 added
    halfway, proceed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def progress(done: int, total: int) -> None:
        if done == total // 2:
            halfway.set()
            assert proceed.wait(timeout=60)

    def run() -> None:
        try:
            index.reload(progress=progress)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    seen: list[tuple[str, Result]] = []
    try:
        assert halfway.wait(timeout=60)
        # Mid-build: searches are answered from the old generation, and reloads are refused.
        assert index.reloading and index.snapshot is old
        for query in QUERIES:
            seen.append((query, results(index.snapshot, query)))
        with pytest.raises(ReloadInProgressError, match="a reload is already running"):
            index.reload()
        with pytest.raises(ReloadInProgressError, match="another process is rebuilding"):
            CorpusIndex([root], data_dir).reload()
    finally:
        proceed.set()
    rounds = 0
    while thread.is_alive() or rounds == 0:
        rounds += 1
        for query in QUERIES:
            seen.append((query, results(index.snapshot, query)))
    thread.join(timeout=60)
    assert errors == [] and not thread.is_alive()
    new = index.snapshot
    assert new is not old and index.last_report is not None
    assert index.last_report.added == tuple(f"berita{n:04d}.txt" for n in range(150, 250))
    assert results(old, "kode120 versi1") != results(new, "kode120 versi1")
    assert results(old, "kode200") == [] != results(new, "kode200")
    for query, got in seen:
        assert got in (results(old, query), results(new, query)), query
    assert all(got == results(old, query) for query, got in seen[: len(QUERIES)])


# -- crashes ----------------------------------------------------------------------------------


def test_failed_write_keeps_serving_the_last_good_index(
    corpus: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = CorpusIndex([corpus], data_dir)
    index.open()
    good, good_gen = index.snapshot, current(index)
    expected = results(good, "harga beras")
    write_corpus(corpus, range(6, 8))
    real_write = retrieval.store.write_snapshot

    def disk_full(snap: Snapshot, directory: Path) -> None:
        directory.mkdir(parents=True)
        (directory / "articles.jsonl").write_text("{")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(retrieval.store, "write_snapshot", disk_full)
    with pytest.raises(
        IndexWriteError,
        match=r"^cannot write a new index generation in .*: No space left on device$",
    ):
        index.reload()
    assert index.snapshot is good and not index.reloading
    assert current(index) == good_gen
    restarted = CorpusIndex([corpus], data_dir)
    assert restarted.load() is True
    assert results(restarted.snapshot, "harga beras") == expected
    assert restarted.snapshot.article("berita0006") is None
    monkeypatch.setattr(retrieval.store, "write_snapshot", real_write)
    report = restarted.open()
    assert report is not None and report.added == ("berita0006.txt", "berita0007.txt")
    # The successful reload also clears the unfinished generation left by the failed one.
    assert generations(restarted) == [current(restarted)]


CRASH_SCRIPT = """
import os, sys
from pathlib import Path
import retrieval.accumulate, retrieval.snapshot
from retrieval.store import CorpusIndex

where = sys.argv[3]
if where == "analyze":
    real, calls = retrieval.accumulate.analyze, []
    def analyze(text, lang):
        calls.append(text)
        if len(calls) == 3:
            os._exit(3)
        return real(text, lang)
    retrieval.accumulate.analyze = analyze
else:
    real_save = retrieval.snapshot.np.save
    def save(path, arr, **kwargs):
        if Path(path).name == "doc_len.npy":
            os._exit(3)
        real_save(path, arr, **kwargs)
    retrieval.snapshot.np.save = save
CorpusIndex([Path(sys.argv[1])], Path(sys.argv[2])).open()
"""


@pytest.mark.parametrize("where", ["analyze", "write"])
def test_process_killed_mid_reload_leaves_the_last_good_index(
    where: str, corpus: Path, data_dir: Path, tmp_path: Path
) -> None:
    index = CorpusIndex([corpus], data_dir)
    index.open()
    good_gen = current(index)
    expected = results(index.snapshot, "harga beras kode2")
    write_corpus(corpus, range(6, 9))
    script = tmp_path / "crash.py"
    script.write_text(CRASH_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(corpus), str(data_dir), where],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert current(index) == good_gen
    if where == "write":
        assert len([g for g in generations(index) if g.endswith(".tmp")]) == 1
    restarted = CorpusIndex([corpus], data_dir)
    assert restarted.load() is True
    assert results(restarted.snapshot, "harga beras kode2") == expected
    assert restarted.snapshot.article("berita0006") is None
    report = restarted.open()
    assert report is not None and report.added == tuple(f"berita{n:04d}.txt" for n in (6, 7, 8))
    assert generations(restarted) == [current(restarted)] != [good_gen]
