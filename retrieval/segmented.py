"""BM25 over the segments of a generation, scored as one index of the whole corpus.

A generation lists its articles as runs ``(segment, first article, count)`` in corpus order
(files in scan order, each file's articles in order): the order a build from scratch gives
them. An article of a segment that no run covers is deleted (a tombstone): a changed file's
old version in the base. Chunks are numbered in corpus order too, so ranks, ties and chunk
ids are those of a single index built from scratch; every score uses the statistics of the
live chunks of all segments together (N, average length, document frequency of each term),
computed with the same expressions as ``CompactBM25`` so the scores are the same floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.articles import LazyArticles
from retrieval.bm25 import F64, I32, I64, IdfMode, best_of
from retrieval.documents import Article
from retrieval.segment import Segment

Runs = npt.NDArray[np.int64]  # (r, 3): segment, first article in it, count


@dataclass(frozen=True)
class Layout:
    """Where each article and chunk of the corpus order lives."""

    article_segment: npt.NDArray[np.int16]
    article_local: I32
    chunks: I32  # (n, 3) in corpus order: article index (corpus order), start, end
    positions: tuple[I64, ...]  # per segment: each chunk's corpus position, n if deleted


def layout(segments: Sequence[Segment], runs: Runs) -> Layout:
    """Place the runs' articles and chunks in corpus order."""
    n_chunks = sum(int(s.rows[a + c] - s.rows[a]) for s, a, c in _runs(segments, runs))
    positions = tuple(np.full(seg.n_chunks, n_chunks, dtype=np.int64) for seg in segments)
    parts: list[I32] = [np.zeros((0, 3), dtype=np.int32)]
    locals_: list[I32] = [np.zeros(0, dtype=np.int32)]
    article, chunk = 0, 0
    for (s, a, c), seg in zip(runs.tolist(), _runs(segments, runs), strict=True):
        r0, r1 = int(seg[0].rows[a]), int(seg[0].rows[a + c])
        part = np.array(seg[0].chunks[r0:r1], dtype=np.int32)
        part[:, 0] += article - a
        parts.append(part)
        positions[s][r0:r1] = np.arange(chunk, chunk + r1 - r0)
        locals_.append(np.arange(a, a + c, dtype=np.int32))
        article, chunk = article + c, chunk + r1 - r0
    return Layout(
        np.repeat(runs[:, 0], runs[:, 2]).astype(np.int16) if len(runs) else _EMPTY16,
        np.concatenate(locals_),
        np.concatenate(parts),
        positions,
    )


_EMPTY16 = np.zeros(0, dtype=np.int16)


def _runs(segments: Sequence[Segment], runs: Runs) -> Iterator[tuple[Segment, int, int]]:
    for s, a, c in runs.tolist():
        if not 0 <= s < len(segments) or a < 0 or c < 0 or a + c > len(segments[s].articles):
            raise ValueError(f"run {(s, a, c)} lies outside the segments")
        yield segments[s], a, c


def runs_of(pairs: Sequence[tuple[int, int]]) -> Runs:
    """Return the runs of a list of (segment, article) pairs in corpus order."""
    out: list[list[int]] = []
    for s, a in pairs:
        if out and out[-1][0] == s and out[-1][1] + out[-1][2] == a:
            out[-1][2] += 1
        else:
            out.append([s, a, 1])
    return np.array(out, dtype=np.int64).reshape(-1, 3)


class SegmentedArticles(LazyArticles):
    """The articles of a generation in corpus order, each read from its segment."""

    def __init__(self, segments: Sequence[Segment], where: Layout) -> None:
        """Keep the segments and where each article lives."""
        self.segments = tuple(segments)
        self._segment = where.article_segment
        self._local = where.article_local

    def __len__(self) -> int:
        return len(self._local)

    def _article(self, i: int) -> Article:
        s, a = self.locate(i)
        return self.segments[s].articles[a]

    def locate(self, i: int) -> tuple[int, int]:
        """Return the segment and the index in it of article ``i``."""
        return int(self._segment[i]), int(self._local[i])

    def runs(self, i0: int, i1: int) -> list[tuple[int, int, int]]:
        """Return articles ``i0 .. i1-1`` as runs (segment, first index in it, count)."""
        segs, locs = self._segment[i0:i1], self._local[i0:i1]
        breaks = np.flatnonzero((segs[1:] != segs[:-1]) | (locs[1:] != locs[:-1] + 1)) + 1
        starts = [0, *breaks.tolist()]
        ends = [*breaks.tolist(), i1 - i0]
        return [(int(segs[a]), int(locs[a]), b - a) for a, b in zip(starts, ends, strict=True)]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class SegmentedBM25:
    """Score the live chunks of several segments as one BM25 index of the corpus order."""

    def __init__(
        self,
        segments: Sequence[Segment],
        where: Layout,
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        idf_mode: IdfMode = "okapi",
    ) -> None:
        """Compute the global statistics; ``where`` places each segment's chunks."""
        self.k1, self.b, self.epsilon, self.idf_mode = k1, b, epsilon, idf_mode
        self.segments = tuple(segments)
        self.corpus_size = int(where.chunks.shape[0])
        if self.corpus_size < 1:
            raise ValueError("cannot index an empty corpus")
        self.terms: list[str] = [t for seg in segments for t in seg.terms]
        df = np.zeros(len(self.terms), dtype=np.int64)
        total = 0
        for seg, pos in zip(segments, where.positions, strict=True):
            live = pos < self.corpus_size
            df[: seg.n_terms] += np.diff(seg.post_offsets) - _dead_df(seg, live)
            total += int(np.asarray(seg.doc_len)[live].sum())
        self.avgdl = total / self.corpus_size
        self.idf_array, self.average_idf = _idf(df, self.corpus_size, idf_mode, epsilon)
        self.vocab = _vocab(segments, self.terms, df)
        self._parts = [
            # Same expression (and order of operations) as CompactBM25 / rank-bm25.
            (seg, pos, k1 * (1 - b + b * seg.doc_len / self.avgdl), _is_identity(pos))
            for seg, pos in zip(segments, where.positions, strict=True)
        ]

    def get_scores(self, query: Sequence[str], weights: Sequence[float] | None = None) -> F64:
        """Score every chunk (corpus order) for ``query``, optionally weighting each term."""
        # One slot past the end takes the deleted chunks' (zero) scores.
        scores = np.zeros(self.corpus_size + 1, dtype=np.float64)
        k1p1 = self.k1 + 1
        for i, term in enumerate(query):
            tid = self.vocab.get(term)
            if tid is None:
                continue
            idf = self.idf_array[tid]
            for seg, pos, norm, identity in self._parts:
                if tid >= seg.n_terms:
                    continue
                a, z = int(seg.post_offsets[tid]), int(seg.post_offsets[tid + 1])
                docs = seg.post_docs[a:z]
                tf = seg.post_tfs[a:z].astype(np.float64)
                contribution = idf * (tf * k1p1 / (tf + norm[docs]))
                if weights is not None:
                    contribution *= weights[i]
                scores[docs if identity else pos[docs]] += contribution
        return scores[:-1]

    def top_k(
        self, query: Sequence[str], k: int, weights: Sequence[float] | None = None
    ) -> tuple[I64, F64]:
        """Return the ids and scores of the ``k`` best chunks with a positive score."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        return best_of(self.get_scores(query, weights), k)

    def params(self) -> dict[str, float | str]:
        """Return the scoring parameters."""
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "idf_mode": self.idf_mode}


def _dead_df(seg: Segment, live: npt.NDArray[np.bool_]) -> I64:
    """Count each term's postings in the chunks of ``seg`` that no run covers."""
    dead = np.flatnonzero(~live)
    if len(dead) == 0:
        return np.zeros(seg.n_terms, dtype=np.int64)
    starts = np.asarray(seg.fwd_offsets[dead], dtype=np.int64)
    sizes = np.asarray(seg.fwd_offsets[dead + 1], dtype=np.int64) - starts
    # Positions of the dead chunks' postings in the forward arrays, without a loop.
    at = np.repeat(starts - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    at += np.arange(int(sizes.sum()))
    return np.bincount(np.asarray(seg.fwd_terms)[at], minlength=seg.n_terms).astype(np.int64)


def _idf(df: I64, n: int, mode: IdfMode, epsilon: float) -> tuple[F64, float]:
    """Return each term's idf (0 for a term no live chunk has) and the average idf.

    Python floats and ``math.log``, as CompactBM25 and rank-bm25 compute them. The average
    (Okapi's floor for negative idfs) does not depend on the order of the terms (rank-bm25
    adds them in order of first occurrence: within a few ulps of its sum).
    """
    idf = np.zeros(len(df), dtype=np.float64)
    ids = np.flatnonzero(df > 0)
    # Each distinct document frequency once (most terms share a few small ones), then looked
    # up per term: the same floats as computing every term's, in a fraction of the time.
    freqs, per_term = np.unique(df[ids], return_inverse=True)
    if mode == "lucene":
        values = [math.log(1 + (n - f + 0.5) / (f + 0.5)) for f in freqs.tolist()]
    else:
        values = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in freqs.tolist()]
    table = np.array(values, dtype=np.float64)
    counts = np.bincount(per_term, minlength=len(values)).tolist()
    # The sum of all terms' idfs from the distinct values and their counts: the same float
    # whatever order the segments number the terms in.
    total = math.fsum(v * c for v, c in zip(values, counts, strict=True))
    average = total / len(ids) if len(ids) else 0.0
    if mode != "lucene":
        table = np.where(table >= 0, table, epsilon * average)
    idf[ids] = table[per_term]
    return idf, average


def _vocab(segments: Sequence[Segment], terms: list[str], df: I64) -> Mapping[str, int]:
    """Map each term that some live chunk has to its id, without copying the base's dict."""
    gone = frozenset(terms[t] for t in np.flatnonzero(df == 0).tolist())
    if len(segments) == 1 and not gone:
        return segments[0].vocab
    return _Vocab([seg.vocab for seg in reversed(segments)], gone)


class _Vocab(Mapping[str, int]):
    """The segments' term dicts looked up in turn, less the terms no live chunk has."""

    def __init__(self, maps: list[dict[str, int]], gone: frozenset[str]) -> None:
        self._maps, self._gone = maps, gone

    def get(self, term: str, default: int | None = None) -> int | None:  # type: ignore[override]
        if term in self._gone:
            return default
        for terms in self._maps:
            tid = terms.get(term)
            if tid is not None:
                return tid
        return default

    def __getitem__(self, term: str) -> int:
        tid = self.get(term)
        if tid is None:
            raise KeyError(term)
        return tid

    def __iter__(self) -> Iterator[str]:
        for terms in self._maps:
            yield from (t for t in terms if t not in self._gone)

    def __len__(self) -> int:
        return sum(len(terms) for terms in self._maps) - len(self._gone)


def _is_identity(pos: I64) -> bool:
    return bool(len(pos) == 0 or (pos[0] == 0 and np.array_equal(pos, np.arange(len(pos)))))
