"""Build a new index generation from the corpus, reusing unchanged files of the last one."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.analysis import Lang, analyze, detect_language
from retrieval.bm25 import I32, I64, TF, CompactBM25, forward_from_tokens
from retrieval.chunking import chunk_spans
from retrieval.documents import Article, Skipped, load_file, scan_corpus
from retrieval.snapshot import BuildParams, FileEntry, Snapshot, make_snapshot

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
        out += [f"  added: {p}" for p in self.added]
        out += [f"  updated: {p}" for p in self.updated]
        out += [f"  removed: {p}" for p in self.removed]
        out += [f"  skipped: {s.path}: {s.reason}" for s in self.skipped]
        return out


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
            same = (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns)
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
            (),
            (),
            (),
            old.skipped,
            len(old.articles),
            old.n_chunks,
            time.perf_counter() - t0,
            changed=False,
        )
        return old, report
    for rel, entry in list(plan.reuse.items()):
        # A file that lost an article to a duplicate id is parsed again: the other copy may
        # be gone or changed, and its old skip reason may no longer hold.
        if any(s.reason.startswith("duplicate id ") for s in entry.skipped):
            del plan.reuse[rel]
            plan.parse[rel] = files[rel]
    terms: list[str] = list(old.bm25.terms) if old and old.bm25 else []
    vocab = {t: i for i, t in enumerate(terms)}
    articles: list[Article] = []
    languages: list[Lang] = []
    spans: list[I32] = []
    forward: list[tuple[I64, I32, TF]] = []
    entries: dict[str, FileEntry] = {}
    seen: dict[str, str] = {}
    for n, (rel, path) in enumerate(files.items(), start=1):
        if rel in plan.reuse:
            assert old is not None
            entry = plan.reuse[rel]
            loaded = [(old.articles[old.article_index[i]], i) for i in entry.article_ids]
            file_articles = [a for a, _ in loaded]
            file_skipped = list(entry.skipped)
        else:
            st = path.stat() if path.exists() else None
            result = load_file(path, rel, max_bytes=max_file_bytes)
            file_articles = list(result.articles)
            file_skipped = list(result.skipped)
            entry = FileEntry(
                st.st_size if st else 0,
                st.st_mtime_ns if st else 0,
                _sha256(path) if st else "",
                (),
            )
        kept_ids: list[str] = []
        for article in file_articles:
            if article.id in seen:
                file_skipped.append(
                    Skipped(rel, f"duplicate id '{article.id}' (already in {seen[article.id]})")
                )
                continue
            seen[article.id] = rel
            kept_ids.append(article.id)
            a_index = len(articles)
            articles.append(article)
            if rel in plan.reuse and old is not None and old.bm25 is not None:
                languages.append(old.languages[old.article_index[article.id]])
                spans.append(_reuse_spans(old, article.id, a_index))
                forward.append(_reuse_forward(old, article.id))
            else:
                lang = detect_language(f"{article.title}\n{article.text[:3000]}")
                languages.append(lang)
                cut = chunk_spans(
                    article.text,
                    target_chars=params.chunk_chars,
                    overlap_chars=params.overlap_chars,
                )
                table = np.array([(a_index, s.start, s.end) for s in cut], dtype=np.int32)
                spans.append(table.reshape(-1, 3))
                texts = (article.text[s.start : s.end] for s in cut)
                forward.append(forward_from_tokens((analyze(t, lang) for t in texts), vocab, terms))
        entries[rel] = FileEntry(
            entry.size, entry.mtime_ns, entry.sha256, tuple(kept_ids), tuple(file_skipped)
        )
        skipped.extend(file_skipped)
        if progress is not None:
            progress(n, len(files))
    chunks = np.concatenate(spans) if spans else np.zeros((0, 3), dtype=np.int32)
    bm25 = _bm25(terms, forward, params) if len(chunks) else None
    snap = make_snapshot(params, articles, languages, chunks, bm25, entries, skipped, time.time())
    report = ReloadReport(
        added=tuple(plan.added),
        updated=tuple(plan.updated),
        removed=tuple(plan.removed),
        skipped=tuple(skipped),
        articles=len(articles),
        chunks=len(chunks),
        seconds=time.perf_counter() - t0,
        changed=bool(plan.added or plan.updated or plan.removed) or old is None,
    )
    return snap, report


def _article_rows(old: Snapshot, article_id: str) -> tuple[int, int]:
    a = old.article_index[article_id]
    col = old.chunks[:, 0]
    return int(np.searchsorted(col, a, side="left")), int(np.searchsorted(col, a, side="right"))


def _reuse_spans(old: Snapshot, article_id: str, a_index: int) -> I32:
    lo, hi = _article_rows(old, article_id)
    table = np.array(old.chunks[lo:hi], dtype=np.int32)
    table[:, 0] = a_index
    return table


def _reuse_forward(old: Snapshot, article_id: str) -> tuple[I64, I32, TF]:
    assert old.bm25 is not None
    lo, hi = _article_rows(old, article_id)
    offsets = np.asarray(old.bm25.fwd_offsets[lo : hi + 1], dtype=np.int64)
    a, z = int(offsets[0]), int(offsets[-1])
    return (
        offsets - a,
        np.asarray(old.bm25.fwd_terms[a:z], dtype=np.int32),
        np.asarray(old.bm25.fwd_tfs[a:z], dtype=np.uint16),
    )


def _bm25(terms: list[str], forward: list[tuple[I64, I32, TF]], params: BuildParams) -> CompactBM25:
    """Join per-article forward arrays and build the BM25 index."""
    offsets_parts = [np.zeros(1, dtype=np.int64)]
    base = 0
    for offsets, _, _ in forward:
        offsets_parts.append(offsets[1:] + base)
        base += int(offsets[-1])
    return CompactBM25.from_forward(
        terms,
        np.concatenate(offsets_parts),
        np.concatenate([f[1] for f in forward]),
        np.concatenate([f[2] for f in forward]),
        k1=params.k1,
        b=params.b,
        epsilon=params.epsilon,
        idf_mode="lucene" if params.idf_mode == "lucene" else "okapi",
    )
