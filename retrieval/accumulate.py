"""Collect a reload's articles in corpus order and make the next generation's segments.

Unchanged articles stay where they are: in the last generation's base segment (not copied,
not re-inverted) or, from its delta, copied into the new delta by their forward rows.
Changed and added articles are analysed into the new delta. When the delta and the base's
deleted chunks together pass ``MERGE_FRACTION`` of the base, everything is merged into one
new base instead, so a query never scans much more than one index of the corpus.
"""

from __future__ import annotations

import mmap
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.analysis import analyze, detect_language
from retrieval.articles import StoredRef
from retrieval.bm25 import I32, I64, TF, forward_from_tokens
from retrieval.chunking import chunk_spans
from retrieval.documents import Article, Skipped
from retrieval.errors import IndexWriteError
from retrieval.merge import Part, merge_segment
from retrieval.segment import Segment, build_segment
from retrieval.segmented import Runs, SegmentedArticles
from retrieval.snapshot import BuildParams, FileEntry, Snapshot, assemble, date_range

# A delta (plus the base's deleted chunks) larger than this share of the base is merged.
MERGE_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class _Fresh:
    """An article read just now, with its language letter, chunk spans and forward index."""

    article: Article
    code: str
    spans: I32  # (n, 3); the article column is filled in when a segment is made
    forward: tuple[I64, I32, TF]

    @property
    def n_chunks(self) -> int:
        return len(self.spans)


@dataclass(frozen=True, slots=True)
class _Kept:
    """Unchanged articles ``local ..`` of the last generation's segment ``seg``."""

    seg: int
    local: int
    ids: tuple[str, ...]
    n_chunks: int


_Piece = _Fresh | _Kept


class Accumulator:
    """Collect articles file by file (fresh ones analysed, unchanged ones kept in place)."""

    def __init__(
        self, params: BuildParams, old: Snapshot | None, *, scratch: Path | None = None
    ) -> None:
        """Start from ``old``; a merged base is written into ``scratch`` when one is given."""
        self.params = params
        self.scratch = scratch
        self.old = old if old is not None and old.segments else None
        segments = self.old.segments if self.old else ()
        self.terms: list[str] = [t for seg in segments for t in seg.terms]
        # Every term of the old segments (deleted chunks' too): copies of their own dicts.
        self.vocab = dict(segments[0].vocab) if segments else {}
        for seg in segments[1:]:
            self.vocab.update(seg.vocab)
        self.pieces: list[_Piece] = []
        self.entries: dict[str, FileEntry] = {}
        self.skipped: list[Skipped] = []
        self._seen: dict[str, str] = {}

    def add(self, rel: str, entry: FileEntry, articles: tuple[Article, ...] | None) -> None:
        """Add one file: ``articles`` read just now, or None when ``entry``'s are unchanged.

        A duplicate id is skipped with a reason.
        """
        skipped = list(entry.skipped)
        ids = entry.article_ids if articles is None else tuple(a.id for a in articles)
        if articles is None and self._seen.keys().isdisjoint(ids):
            self._seen.update(dict.fromkeys(ids, rel))
            self._keep(ids)
            kept = list(ids)
        else:
            kept = []
            for n, article_id in enumerate(ids):
                if article_id in self._seen:
                    where = self._seen[article_id]
                    skipped.append(
                        Skipped(rel, f"duplicate id '{article_id}' (already in {where})")
                    )
                    continue
                self._seen[article_id] = rel
                kept.append(article_id)
                if articles is None:
                    self._keep((article_id,))
                else:
                    self.pieces.append(self._analyse(articles[n]))
        dates = entry.dates
        if articles is not None:
            ok = set(kept)
            dates = date_range(a.date for a in articles if a.id in ok)
        self.entries[rel] = replace(
            entry, article_ids=tuple(kept), skipped=tuple(skipped), dates=dates
        )
        self.skipped.extend(skipped)

    def _keep(self, ids: tuple[str, ...]) -> None:
        """Keep consecutive old articles ``ids`` where they are (one piece per run)."""
        old = self.old
        if not ids or old is None:
            return
        assert isinstance(old.articles, SegmentedArticles)
        i0 = old.article_index[ids[0]]
        if old.article_index[ids[-1]] != i0 + len(ids) - 1:
            raise AssertionError("a file's articles are not consecutive in the last generation")
        done = 0
        for s, a, c in old.articles.runs(i0, i0 + len(ids)):
            seg = old.segments[s]
            chunks = int(seg.rows[a + c] - seg.rows[a])
            self.pieces.append(_Kept(s, a, ids[done : done + c], chunks))
            done += c

    def _analyse(self, article: Article) -> _Fresh:
        lang = detect_language(f"{article.title}\n{article.text[:3000]}")
        params = self.params
        cut = chunk_spans(
            article.text, target_chars=params.chunk_chars, overlap_chars=params.overlap_chars
        )
        spans = np.array([(0, c.start, c.end) for c in cut], dtype=np.int32).reshape(-1, 3)
        texts = (article.text[c.start : c.end] for c in cut)
        forward = forward_from_tokens((analyze(t, lang) for t in texts), self.vocab, self.terms)
        return _Fresh(article, lang[0], spans, forward)

    def snapshot(self, *, merge_fraction: float = MERGE_FRACTION) -> Snapshot:
        """Assemble the new generation: the old base and a new delta, or one merged base."""
        if self._fits(merge_fraction):
            segments, runs = self._incremental()
        else:
            segments, runs = self._merged()
        return assemble(
            self.params, segments, runs, self.entries, self.skipped, time.time(),
            # From each file's range: no unchanged article is read for it.
            date_range=date_range(d for e in self.entries.values() for d in e.dates),
        )  # fmt: skip

    def _fits(self, fraction: float) -> bool:
        """Tell whether a delta beside the old base stays within ``fraction`` of the base."""
        if self.old is None or self.old.segments[0].n_chunks == 0:
            return False
        base = self.old.segments[0].n_chunks
        kept = sum(p.n_chunks for p in self.pieces if isinstance(p, _Kept) and p.seg == 0)
        delta = sum(p.n_chunks for p in self.pieces if not (isinstance(p, _Kept) and p.seg == 0))
        return delta + (base - kept) <= fraction * base

    def _incremental(self) -> tuple[tuple[Segment, ...], Runs]:
        assert self.old is not None
        base = self.old.segments[0]
        delta: list[_Piece] = []
        runs: list[list[int]] = []
        in_delta = 0
        for piece in self.pieces:
            count = len(piece.ids) if isinstance(piece, _Kept) else 1
            if isinstance(piece, _Kept) and piece.seg == 0:
                run = [0, piece.local, count]
            else:
                run = [1, in_delta, count]
                in_delta += count
                delta.append(piece)
            if runs and runs[-1][0] == run[0] and runs[-1][1] + runs[-1][2] == run[1]:
                runs[-1][2] += run[2]
            else:
                runs.append(run)
        segments = (base, self._segment(delta, term_base=len(base.terms))) if delta else (base,)
        return segments, np.array(runs, dtype=np.int64).reshape(-1, 3)

    def _merged(self) -> tuple[tuple[Segment, ...], Runs]:
        n = sum(len(p.ids) if isinstance(p, _Kept) else 1 for p in self.pieces)
        if n == 0:
            return (), np.zeros((0, 3), dtype=np.int64)
        return (self._segment(self.pieces, term_base=0),), np.array([[0, 0, n]], dtype=np.int64)

    def _segment(self, pieces: list[_Piece], *, term_base: int) -> Segment:
        """Make one segment of ``pieces`` (kept ones copied by their forward rows)."""
        items, codes, parts = self._parts(pieces)
        old = self.old.segments if self.old is not None else ()
        mapped = [arr for seg in old for arr in (seg.fwd_offsets, seg.fwd_terms, seg.fwd_tfs)]
        if term_base == 0 and self.scratch is not None:
            try:
                return merge_segment(items, codes, parts, self.terms, self.scratch, release=mapped)
            except OSError as exc:
                raise IndexWriteError(
                    f"cannot write a new index generation in {self.scratch.parent}: "
                    f"{exc.strerror or exc}"
                ) from exc
        chunks = np.concatenate([np.zeros((0, 3), dtype=np.int32), *(p[0] for p in parts)])
        joined = _join([p[1] for p in parts])
        parts.clear()
        if term_base == 0:
            _drop_pages(*mapped)
        return build_segment(items, codes, chunks, joined, self.terms, term_base=term_base)

    def _parts(self, pieces: list[_Piece]) -> tuple[list[Article | StoredRef], str, list[Part]]:
        """Return the articles, language letters and (spans, forward rows) of ``pieces``."""
        items: list[Article | StoredRef] = []
        codes: list[str] = []
        parts: list[Part] = []
        for piece in pieces:
            a = len(items)
            if isinstance(piece, _Fresh):
                items.append(piece.article)
                codes.append(piece.code)
                spans = piece.spans.copy()
                spans[:, 0] = a
                parts.append((spans, piece.forward))
                continue
            assert self.old is not None
            seg = self.old.segments[piece.seg]
            items.extend(seg.item(piece.local + k, i) for k, i in enumerate(piece.ids))
            codes.append(seg.languages[piece.local : piece.local + len(piece.ids)])
            spans, rows = _rows(seg, piece.local, len(piece.ids))
            spans[:, 0] += a - piece.local
            parts.append((spans, rows))
        return items, "".join(codes), parts


def _rows(seg: Segment, a: int, count: int) -> tuple[I32, tuple[I64, I32, TF]]:
    """Copy the chunk spans and forward rows of articles ``a .. a+count-1`` of ``seg``."""
    r0, r1 = int(seg.rows[a]), int(seg.rows[a + count])
    spans = np.array(seg.chunks[r0:r1], dtype=np.int32)
    offsets = np.asarray(seg.fwd_offsets[r0 : r1 + 1], dtype=np.int64)
    start, stop = int(offsets[0]), int(offsets[-1])
    return spans, (
        offsets - start,
        np.asarray(seg.fwd_terms[start:stop], dtype=np.int32),
        np.asarray(seg.fwd_tfs[start:stop], dtype=np.uint16),
    )


def _join(forward: list[tuple[I64, I32, TF]]) -> tuple[I64, I32, TF]:
    """Join forward arrays end to end."""
    offsets_parts = [np.zeros(1, dtype=np.int64)]
    base = 0
    for offsets, _, _ in forward:
        offsets_parts.append(offsets[1:] + base)
        base += int(offsets[-1])
    empty_terms, empty_tfs = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16)
    return (
        np.concatenate(offsets_parts),
        np.concatenate([empty_terms, *(f[1] for f in forward)]),
        np.concatenate([empty_tfs, *(f[2] for f in forward)]),
    )


def _drop_pages(*arrays: object) -> None:
    """Let go of the pages a merge read from the old generation's mapped arrays.

    They are file-backed and read-only, so MADV_DONTNEED only unmaps them (a later read
    faults them back from the page cache); without it they stay in this process's RSS while
    the new postings are built.
    """
    for arr in arrays:
        mapped = getattr(arr, "_mmap", None)  # numpy.memmap's mapping
        if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            mapped.madvise(mmap.MADV_DONTNEED)
