"""Build a new index generation from the corpus, reusing unchanged files of the last one."""

from __future__ import annotations

import hashlib
import mmap
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.analysis import Lang, analyze, detect_language
from retrieval.articles import ArticleList, StoredArticles, StoredRef
from retrieval.bm25 import I32, I64, TF, CompactBM25, forward_from_tokens
from retrieval.chunking import chunk_spans
from retrieval.documents import UNREADABLE, Article, Skipped, display_path, read_file
from retrieval.scanning import scan_corpus
from retrieval.snapshot import BuildParams, FileEntry, Snapshot, date_range, make_snapshot

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReloadReport:
    """What a reload changed: files added/updated/removed, skipped with reasons, totals."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    articles: int
    chunks: int
    seconds: float
    changed: bool

    def summary(self) -> str:
        """Return a one-line summary."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped; {self.articles} articles, {self.chunks} chunks "
            f"in {self.seconds:.2f} s"
        )

    def lines(self) -> list[str]:
        """Return the full report, one line per fact, skipped files with their reasons."""
        out = [self.summary()]
        out += [f"  added: {display_path(p)}" for p in self.added]
        out += [f"  updated: {display_path(p)}" for p in self.updated]
        out += [f"  removed: {display_path(p)}" for p in self.removed]
        out += [f"  skipped: {display_path(s.path)}: {s.reason}" for s in self.skipped]
        return out


def same_stat(entry: FileEntry, path: Path, st: os.stat_result) -> bool:
    """Tell from ``stat`` alone whether ``path`` is still the file ``entry`` fingerprints."""
    if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
        return False
    # Fixing a file's permissions leaves its mtime alone: retry it once it is readable.
    return entry.sha256 != UNREADABLE or not os.access(path, os.R_OK)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class _Plan:
    """Per-file decisions of one reload."""

    reuse: dict[str, FileEntry]
    parse: dict[str, Path]
    added: list[str]
    updated: list[str]
    removed: list[str]


def _plan(files: dict[str, Path], old: Snapshot | None) -> _Plan:
    """Decide which files are unchanged (size+mtime, else content hash) and which to parse."""
    plan = _Plan({}, {}, [], [], [])
    previous = dict(old.files) if old else {}
    for rel, path in files.items():
        entry = previous.get(rel)
        if entry is None:
            plan.added.append(rel)
            plan.parse[rel] = path
            continue
        try:
            st = path.stat()
            same = same_stat(entry, path, st)
            if not same and st.st_size == entry.size and _sha256(path) == entry.sha256:
                entry = replace(entry, mtime_ns=st.st_mtime_ns)
                same = True
        except OSError:
            same = False
        if same:
            plan.reuse[rel] = entry
        else:
            plan.updated.append(rel)
            plan.parse[rel] = path
    plan.removed = sorted(set(previous) - set(files))
    return plan


@dataclass(frozen=True)
class _FileRead:
    """One file's outcome: its fingerprint, its articles and what was skipped inside it."""

    entry: FileEntry  # article_ids are filled in by the accumulator
    articles: tuple[Article | StoredRef, ...]
    skipped: tuple[Skipped, ...]
    reused: bool


def _read(rel: str, path: Path, plan: _Plan, old: Snapshot | None, *, max_bytes: int) -> _FileRead:
    """Take an unchanged file's articles from ``old``, or read it (or say why not)."""
    entry = plan.reuse.get(rel)
    if entry is not None and old is not None:
        articles = tuple(_unchanged(old, article_id) for article_id in entry.article_ids)
        return _FileRead(entry, articles, entry.skipped, reused=True)
    fingerprint, loaded = read_file(path, rel, max_bytes=max_bytes)
    entry = FileEntry(fingerprint.size, fingerprint.mtime_ns, fingerprint.sha256, ())
    return _FileRead(entry, loaded.articles, loaded.skipped, reused=False)


def _unchanged(old: Snapshot, article_id: str) -> Article | StoredRef:
    """Return an unchanged article: a reference when it is on disk (not parsed, not in RAM)."""
    i = old.article_index[article_id]
    if isinstance(old.articles, StoredArticles):
        return StoredRef(old.articles, i, article_id)
    return old.articles[i]


@dataclass(frozen=True, slots=True)
class _Indexed:
    """One article with its language and either its fresh chunk spans and forward index
    (term ids, tfs) or, unchanged, its article index in the old generation."""

    article: Article | StoredRef
    lang: Lang
    spans: I32 | None = None
    forward: tuple[I64, I32, TF] | None = None
    old_a: int = -1


class _Accumulator:
    """Collect articles file by file (fresh ones analysed, unchanged ones copied from ``old``)."""

    def __init__(self, params: BuildParams, old: Snapshot | None) -> None:
        self.params = params
        self.old = old if old is not None and old.bm25 is not None else None
        self.terms: list[str] = list(self.old.bm25.terms) if self.old and self.old.bm25 else []
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.items: list[_Indexed] = []
        self.entries: dict[str, FileEntry] = {}
        self.skipped: list[Skipped] = []
        self._seen: dict[str, str] = {}
        self._rows: I64 | None = None

    def add(self, rel: str, read: _FileRead) -> None:
        """Add one file's articles (a duplicate id is skipped with a reason)."""
        kept: list[str] = []
        skipped = list(read.skipped)
        for article in read.articles:
            if article.id in self._seen:
                where = self._seen[article.id]
                skipped.append(Skipped(rel, f"duplicate id '{article.id}' (already in {where})"))
                continue
            self._seen[article.id] = rel
            kept.append(article.id)
            if read.reused and self.old is not None:
                self.items.append(self._copy(article))
            else:
                assert isinstance(article, Article)  # read from its file just now
                self.items.append(self._analyse(article))
        dates = read.entry.dates
        if not read.reused:
            fresh = (a for a in read.articles if isinstance(a, Article) and a.id in kept)
            dates = date_range(a.date for a in fresh)
        self.entries[rel] = replace(
            read.entry, article_ids=tuple(kept), skipped=tuple(skipped), dates=dates
        )
        self.skipped.extend(skipped)

    def _analyse(self, article: Article) -> _Indexed:
        lang = detect_language(f"{article.title}\n{article.text[:3000]}")
        params = self.params
        cut = chunk_spans(
            article.text, target_chars=params.chunk_chars, overlap_chars=params.overlap_chars
        )
        a_index = len(self.items)
        spans = np.array([(a_index, c.start, c.end) for c in cut], dtype=np.int32).reshape(-1, 3)
        texts = (article.text[c.start : c.end] for c in cut)
        forward = forward_from_tokens((analyze(t, lang) for t in texts), self.vocab, self.terms)
        return _Indexed(article, lang, spans, forward)

    def _copy(self, article: Article | StoredRef) -> _Indexed:
        old = self.old
        assert old is not None
        a = old.article_index[article.id]
        return _Indexed(article, old.languages[a], old_a=a)

    def _assemble(self) -> tuple[list[I32], list[tuple[I64, I32, TF]]]:
        """Join the articles' rows: a run of unchanged articles is one slice of the old arrays
        (no per-article arrays for the 200k that did not change)."""
        spans: list[I32] = []
        forward: list[tuple[I64, I32, TF]] = []
        items, i = self.items, 0
        while i < len(items):
            item = items[i]
            if item.old_a < 0:
                assert item.spans is not None and item.forward is not None
                spans.append(item.spans)
                forward.append(item.forward)
                i += 1
                continue
            j = i + 1
            while j < len(items) and items[j].old_a == items[j - 1].old_a + 1:
                j += 1
            run_spans, run_forward = self._old_run(item.old_a, items[j - 1].old_a + 1, new_a=i)
            spans.append(run_spans)
            forward.append(run_forward)
            i = j
        return spans, forward

    def _old_run(self, a0: int, a1: int, *, new_a: int) -> tuple[I32, tuple[I64, I32, TF]]:
        """Copy old articles ``a0 .. a1-1`` (now numbered from ``new_a``): spans, forward."""
        old = self.old
        assert old is not None and old.bm25 is not None
        lo, _ = self._article_rows(a0)
        hi = self._article_rows(a1 - 1)[1]
        spans = np.array(old.chunks[lo:hi], dtype=np.int32)
        spans[:, 0] += new_a - a0
        offsets = np.asarray(old.bm25.fwd_offsets[lo : hi + 1], dtype=np.int64)
        start, stop = int(offsets[0]), int(offsets[-1])
        return spans, (
            offsets - start,
            np.asarray(old.bm25.fwd_terms[start:stop], dtype=np.int32),
            np.asarray(old.bm25.fwd_tfs[start:stop], dtype=np.uint16),
        )

    def _article_rows(self, a: int) -> tuple[int, int]:
        """Return the chunk rows of old article ``a`` (its rows are contiguous and sorted)."""
        if self._rows is None:
            old = self.old
            assert old is not None
            # One pass over the (strided, memory-mapped) column for all articles, not one
            # binary search over it per article.
            column = np.ascontiguousarray(old.chunks[:, 0])
            self._rows = np.searchsorted(column, np.arange(len(old.articles) + 1), side="left")
        return int(self._rows[a]), int(self._rows[a + 1])

    def snapshot(self) -> Snapshot:
        """Assemble the new generation."""
        items = self.items
        spans, forward = self._assemble()
        chunks = np.concatenate(spans) if spans else np.zeros((0, 3), dtype=np.int32)
        del spans
        bm25 = _bm25(self.terms, forward, self.params, old=self.old) if len(chunks) else None
        return make_snapshot(
            self.params,
            ArticleList([i.article for i in items]),
            [i.lang for i in items],
            chunks,
            bm25,
            self.entries,
            self.skipped,
            time.time(),
            ids=[i.article.id for i in items],
            # From each file's range: no unchanged article is read for it.
            date_range=date_range(d for e in self.entries.values() for d in e.dates),
        )


def build(
    roots: list[Path],
    params: BuildParams,
    *,
    old: Snapshot | None = None,
    max_file_bytes: int,
    progress: Progress | None = None,
) -> tuple[Snapshot, ReloadReport]:
    """Scan ``roots`` and build a new snapshot; unchanged files reuse ``old``'s analysis."""
    t0 = time.perf_counter()
    if old is not None and old.params != params:
        old = None
    files, skipped = scan_corpus(roots)
    plan = _plan(files, old)
    if old is not None and not plan.parse and not plan.removed and plan.reuse == dict(old.files):
        # Nothing changed: keep serving the same generation.
        report = ReloadReport(
            (), (), (), old.skipped, len(old.articles), old.n_chunks,
            time.perf_counter() - t0, changed=False,
        )  # fmt: skip
        return old, report
    for rel, entry in list(plan.reuse.items()):
        # A file that lost an article to a duplicate id is parsed again: the other copy may
        # be gone or changed, and its old skip reason may no longer hold.
        if any(s.reason.startswith("duplicate id ") for s in entry.skipped):
            del plan.reuse[rel]
            plan.parse[rel] = files[rel]
    acc = _Accumulator(params, old)
    acc.skipped.extend(skipped)
    for n, (rel, path) in enumerate(files.items(), start=1):
        acc.add(rel, _read(rel, path, plan, old, max_bytes=max_file_bytes))
        if progress is not None:
            progress(n, len(files))
    snap = acc.snapshot()
    # A file that yielded no article is reported once, as skipped, not also as added.
    yielded = {rel for rel, entry in snap.files.items() if entry.article_ids}
    report = ReloadReport(
        added=tuple(rel for rel in plan.added if rel in yielded),
        updated=tuple(rel for rel in plan.updated if rel in yielded),
        removed=tuple(plan.removed),
        skipped=snap.skipped,
        articles=len(snap.articles),
        chunks=snap.n_chunks,
        seconds=time.perf_counter() - t0,
        changed=bool(plan.added or plan.updated or plan.removed) or old is None,
    )
    return snap, report


def _bm25(
    terms: list[str],
    forward: list[tuple[I64, I32, TF]],
    params: BuildParams,
    *,
    old: Snapshot | None = None,
) -> CompactBM25:
    """Join per-article forward arrays and build the BM25 index."""
    offsets_parts = [np.zeros(1, dtype=np.int64)]
    base = 0
    for offsets, _, _ in forward:
        offsets_parts.append(offsets[1:] + base)
        base += int(offsets[-1])
    fwd_offsets = np.concatenate(offsets_parts)
    fwd_terms = np.concatenate([f[1] for f in forward])
    fwd_tfs = np.concatenate([f[2] for f in forward])
    forward.clear()
    if old is not None and old.bm25 is not None:
        _drop_pages(old.bm25.fwd_offsets, old.bm25.fwd_terms, old.bm25.fwd_tfs, old.chunks)
    return CompactBM25.from_forward(
        terms,
        fwd_offsets,
        fwd_terms,
        fwd_tfs,
        k1=params.k1,
        b=params.b,
        epsilon=params.epsilon,
        idf_mode="lucene" if params.idf_mode == "lucene" else "okapi",
    )


def _drop_pages(*arrays: object) -> None:
    """Let go of the pages a reload read from the old generation's mapped arrays.

    They are file-backed and read-only, so MADV_DONTNEED only unmaps them (a later read
    faults them back from the page cache); without it they stay in this process's RSS while
    the new postings are built.
    """
    for arr in arrays:
        mapped = getattr(arr, "_mmap", None)  # numpy.memmap's mapping
        if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            mapped.madvise(mmap.MADV_DONTNEED)
