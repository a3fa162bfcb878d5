"""rank-bm25's BM25Okapi scoring over compact numpy postings instead of a dict per chunk."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

IdfMode = Literal["okapi", "lucene"]
F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
TF = npt.NDArray[np.uint16]
_TF_MAX = np.iinfo(np.uint16).max

# Array names persisted by ``arrays()`` and accepted by ``from_arrays()``.
ARRAY_NAMES = (
    "fwd_offsets", "fwd_terms", "fwd_tfs", "post_offsets", "post_docs", "post_tfs",
    "doc_len", "idf_array",
)  # fmt: skip


def forward_from_tokens(
    docs: Iterable[Sequence[str]], vocab: dict[str, int], terms: list[str]
) -> tuple[I64, I32, TF]:
    """Count each document's terms into forward arrays, growing ``vocab``/``terms`` in place."""
    offsets = array("q", [0])
    term_ids = array("i")
    tfs = array("H")
    setdefault = vocab.setdefault
    for doc in docs:
        counts = Counter(doc)
        known = len(vocab)
        # One C-level pass per document, not Python statements per term: setdefault numbers a
        # new term len(vocab) when first met, the same first-occurrence order as before.
        ids = [setdefault(term, len(vocab)) for term in counts]
        if len(vocab) > known:
            terms.extend(term for term, tid in zip(counts, ids, strict=True) if tid >= known)
        term_ids.extend(ids)
        if len(doc) > _TF_MAX:
            tfs.extend(min(count, _TF_MAX) for count in counts.values())
        else:
            tfs.extend(counts.values())
        offsets.append(len(term_ids))
    return (
        np.frombuffer(offsets, dtype=np.int64).copy(),
        np.frombuffer(term_ids, dtype=np.int32).copy(),
        np.frombuffer(tfs, dtype=np.uint16).copy(),
    )


# Postings handled at a time while inverting: temporaries stay a few MB, not 8 bytes a posting.
_BLOCK = 1 << 18


def invert(
    fwd_offsets: I64,
    fwd_terms: I32,
    fwd_tfs: TF,
    n_terms: int,
    *,
    release: Callable[[], None] | None = None,
) -> tuple[I64, I32, TF, I64]:
    """Return (post_offsets, post_docs, post_tfs, doc_len) of forward arrays, block by block.

    The same postings as a stable sort of all term ids (each term's chunks in order), built
    in one pass over blocks of whole chunks with a write cursor per term. ``release`` is
    called after each block (to drop the pages of memory-mapped forward arrays).
    """
    parts: list[tuple[I32, TF]] = []
    post_offsets, doc_len = invert_in_parts(
        fwd_offsets, fwd_terms, fwd_tfs, n_terms, emit=lambda d, t: parts.append((d, t)),
        max_postings=len(fwd_terms), release=release,
    )  # fmt: skip
    ((post_docs, post_tfs),) = parts or [(np.zeros(0, dtype=np.int32), np.zeros(0, np.uint16))]
    return post_offsets, post_docs, post_tfs, doc_len


def invert_in_parts(
    fwd_offsets: I64,
    fwd_terms: I32,
    fwd_tfs: TF,
    n_terms: int,
    *,
    emit: Callable[[I32, TF], None],
    max_postings: int,
    release: Callable[[], None] | None = None,
) -> tuple[I64, I64]:
    """Invert forward arrays a range of terms at a time; return (post_offsets, doc_len).

    Each range holds at most ``max_postings`` postings (a term with more is a range of its
    own); its post_docs and post_tfs go to ``emit`` in term order, so end to end they are
    ``invert``'s arrays while only one range is ever in memory.
    """
    df = np.zeros(n_terms, dtype=np.int64)
    for a in range(0, len(fwd_terms), _BLOCK):
        df += np.bincount(fwd_terms[a : a + _BLOCK], minlength=n_terms)
        if release is not None:
            release()
    post_offsets = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
    doc_len = np.empty(len(fwd_offsets) - 1, dtype=np.int64)
    lo, first = 0, True
    while lo < n_terms or first:
        # The last term whose postings still fit, but at least one term.
        limit = int(post_offsets[lo]) + max(max_postings, 1)
        hi = max(int(np.searchsorted(post_offsets, limit, side="right")) - 1, lo + 1)
        hi = min(hi, n_terms)
        docs, tfs = _fill(
            fwd_offsets, fwd_terms, fwd_tfs, post_offsets, (lo, hi), n_terms,
            doc_len=doc_len if first else None, release=release,
        )  # fmt: skip
        emit(docs, tfs)
        del docs, tfs
        lo, first = hi, False
    return post_offsets, doc_len


def _fill(
    fwd_offsets: I64,
    fwd_terms: I32,
    fwd_tfs: TF,
    post_offsets: I64,
    terms_range: tuple[int, int],
    n_terms: int,
    *,
    doc_len: I64 | None,
    release: Callable[[], None] | None,
) -> tuple[I32, TF]:
    """Return the postings of terms ``lo .. hi-1`` (filling ``doc_len`` on the way if given)."""
    lo, hi = terms_range
    base = int(post_offsets[lo])
    cursor = post_offsets[lo:hi] - base
    post_docs = np.empty(int(post_offsets[hi]) - base, dtype=np.int32)
    post_tfs = np.empty(len(post_docs), dtype=np.uint16)
    everything = lo == 0 and hi == n_terms
    n_docs, d = len(fwd_offsets) - 1, 0
    while d < n_docs:
        end = int(np.searchsorted(fwd_offsets, fwd_offsets[d] + _BLOCK, side="right")) - 1
        e = min(max(end, d + 1), n_docs)
        bounds = fwd_offsets[d : e + 1]
        a, z = int(bounds[0]), int(bounds[-1])
        terms, tfs = fwd_terms[a:z], fwd_tfs[a:z]
        if doc_len is not None:
            # Chunk lengths as differences of a running sum (np.add.at is slow on tens of
            # millions).
            running = np.concatenate(([0], np.cumsum(tfs, dtype=np.int64)))
            doc_len[d:e] = running[bounds[1:] - a] - running[bounds[:-1] - a]
        docs = np.repeat(np.arange(d, e, dtype=np.int32), np.diff(bounds))
        if not everything:
            keep = np.flatnonzero((terms >= lo) & (terms < hi))
            terms, tfs, docs = terms[keep], tfs[keep], docs[keep]
        if len(terms):
            order = np.argsort(terms, kind="stable")
            ordered = terms[order] - lo
            starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
            sizes = np.diff(np.append(starts, len(ordered)))
            rank = np.arange(len(ordered)) - np.repeat(starts, sizes)
            where = cursor[ordered] + rank
            post_docs[where] = docs[order]
            post_tfs[where] = tfs[order]
            cursor[ordered[starts]] += sizes
        if release is not None:
            release()
        d = e
    return post_docs, post_tfs


def _first_seen(term_ids: I32, n_terms: int) -> I64:
    """Return the term ids that occur, in order of first occurrence (block by block)."""
    return first_seen_in([term_ids], n_terms)


def first_seen_in(
    parts: Iterable[I32], n_terms: int, *, release: Callable[[], None] | None = None
) -> I64:
    """Return the term ids that occur in ``parts`` (end to end), by first occurrence.

    ``release`` is called after each block (to drop the pages of memory-mapped parts).
    """
    seen = np.zeros(n_terms, dtype=bool)
    found: list[I64] = [np.zeros(0, dtype=np.int64)]
    for term_ids in parts:
        for a in range(0, len(term_ids), _BLOCK):
            block = term_ids[a : a + _BLOCK]
            # Only the ids not seen before, in block order: after the first blocks, few.
            fresh = block[~seen[block]]
            if len(fresh):
                ids, at = np.unique(fresh, return_index=True)
                found.append(ids[np.argsort(at, kind="stable")].astype(np.int64))
                seen[ids] = True
            if release is not None:
                release()
    return np.concatenate(found)


def compact_terms(term_ids: I32, n_terms: int, *, keep: int = 0) -> tuple[I32, I64]:
    """Renumber the term ids from ``keep`` up by first occurrence, dropping unused ones.

    Ids below ``keep`` stay as they are (a delta segment shares the base's numbering).
    Return the renumbered ids (in place when writable) and the old ids of the new numbers
    ``keep``, ``keep + 1``, ….
    """
    used = _first_seen(term_ids, n_terms)
    extra = used[used >= keep]
    remap = np.arange(n_terms, dtype=np.int32)
    remap[extra] = np.arange(keep, keep + len(extra), dtype=np.int32)
    return _renumber(term_ids, remap), extra


def _renumber(term_ids: I32, remap: I32) -> I32:
    """Map term ids through ``remap``, in place when the array is ours to change."""
    if not term_ids.flags.writeable:
        return remap[term_ids]
    for a in range(0, len(term_ids), _BLOCK):
        term_ids[a : a + _BLOCK] = remap[term_ids[a : a + _BLOCK]]
    return term_ids


class CompactBM25(BM25Okapi):  # type: ignore[misc]
    """BM25Okapi with term → postings arrays; scores equal rank-bm25's for the same corpus.

    Only the storage differs: ``_initialize`` builds a forward index (chunk → term ids, tfs)
    and an inverted one (term → chunk ids, tfs) as numpy arrays, and ``get_scores`` touches
    only the postings of the query terms. ``_calc_idf`` is rank-bm25's own (or Lucene's idf).
    """

    def __init__(
        self,
        corpus: Iterable[Sequence[str]],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        idf_mode: IdfMode = "okapi",
    ) -> None:
        self.idf_mode: IdfMode = idf_mode
        super().__init__(corpus, k1=k1, b=b, epsilon=epsilon)

    # -- building -----------------------------------------------------------------------
    def _initialize(self, corpus: Iterable[Sequence[str]]) -> dict[str, int]:
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        fwd = forward_from_tokens(corpus, self.vocab, self.terms)
        return self._build_from_forward(*fwd)

    def _build_from_forward(self, fwd_offsets: I64, fwd_terms: I32, fwd_tfs: TF) -> dict[str, int]:
        """Invert forward arrays into postings; return {term: df} in first-occurrence order."""
        self.fwd_offsets, self.fwd_terms, self.fwd_tfs = fwd_offsets, fwd_terms, fwd_tfs
        self.corpus_size = len(fwd_offsets) - 1
        if self.corpus_size < 1:
            raise ValueError("cannot index an empty corpus")
        inverted = invert(fwd_offsets, fwd_terms, fwd_tfs, len(self.terms))
        self.post_offsets, self.post_docs, self.post_tfs, self.doc_len = inverted
        self.avgdl = int(self.doc_len.sum()) / self.corpus_size
        df = np.diff(self.post_offsets)
        return {term: f for term, f in zip(self.terms, df.tolist(), strict=True) if f > 0}

    def _calc_idf(self, nd: dict[str, int]) -> None:
        if self.idf_mode == "okapi":
            super()._calc_idf(nd)
        else:
            # Lucene's idf never goes negative, so terms in most chunks still count a little.
            n = self.corpus_size
            self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in nd.items()}
            self.average_idf = sum(self.idf.values()) / len(self.idf)
        idf = np.zeros(len(self.terms), dtype=np.float64)
        n = len(self.idf)
        ids = np.fromiter((self.vocab[word] for word in self.idf), dtype=np.int64, count=n)
        idf[ids] = np.fromiter(self.idf.values(), dtype=np.float64, count=n)
        # Scoring reads idf_array; the dict costs ~60 bytes a term (12 MB for 200k terms) and
        # an index loaded from disk has none either.
        self.idf = {}
        self._finish(idf)

    def _finish(self, idf: F64) -> None:
        self.idf_array = idf
        # Same expression (and order of operations) as rank-bm25's get_scores.
        self._norm = self.k1 * (1 - self.b + self.b * self.doc_len / self.avgdl)
        self.doc_freqs: list[dict[str, int]] = []

    @classmethod
    def from_forward(
        cls,
        terms: list[str],
        fwd_offsets: I64,
        fwd_terms: I32,
        fwd_tfs: TF,
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        idf_mode: IdfMode = "okapi",
    ) -> CompactBM25:
        """Build from forward arrays (term ids into ``terms``), compacting unused terms."""
        # Renumber terms by first occurrence so idf sums add up in rank-bm25's order.
        used = _first_seen(fwd_terms, len(terms))
        remap = np.full(len(terms), -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        self = cls.__new__(cls)
        self.k1, self.b, self.epsilon, self.idf_mode = k1, b, epsilon, idf_mode
        self.terms = [terms[t] for t in used.tolist()]
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.idf = {}
        nd = self._build_from_forward(fwd_offsets, _renumber(fwd_terms, remap), fwd_tfs)
        self._calc_idf(nd)
        return self

    # -- persistence --------------------------------------------------------------------
    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Return the arrays that ``from_arrays`` needs (besides terms and parameters)."""
        return {name: cast(npt.NDArray[np.generic], getattr(self, name)) for name in ARRAY_NAMES}

    def params(self) -> dict[str, float | str]:
        """Return the scoring parameters."""
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "idf_mode": self.idf_mode}

    @classmethod
    def from_arrays(
        cls,
        terms: list[str],
        arrays: Mapping[str, npt.NDArray[np.generic]],
        params: Mapping[str, float | str],
    ) -> CompactBM25:
        """Rebuild an index from persisted arrays (memory-mapped ones stay mapped)."""
        self = cls.__new__(cls)
        self.k1 = float(params["k1"])
        self.b = float(params["b"])
        self.epsilon = float(params["epsilon"])
        self.idf_mode = cast(IdfMode, str(params["idf_mode"]))
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        for name in ARRAY_NAMES:
            setattr(self, name, arrays[name])
        self.corpus_size = len(self.doc_len)
        self.avgdl = int(np.asarray(self.doc_len).sum()) / self.corpus_size
        self.idf = {}
        self._finish(self.idf_array)
        return self

    # -- scoring ------------------------------------------------------------------------
    def get_scores(self, query: Sequence[str], weights: Sequence[float] | None = None) -> F64:
        """Score every chunk for ``query`` (optionally weighting each query term)."""
        scores = np.zeros(self.corpus_size, dtype=np.float64)
        k1p1 = self.k1 + 1
        for i, term in enumerate(query):
            tid = self.vocab.get(term)
            if tid is None:
                continue
            a, z = int(self.post_offsets[tid]), int(self.post_offsets[tid + 1])
            docs = self.post_docs[a:z]
            tf = self.post_tfs[a:z].astype(np.float64)
            contribution = self.idf_array[tid] * (tf * k1p1 / (tf + self._norm[docs]))
            if weights is not None:
                contribution *= weights[i]
            scores[docs] += contribution
        return scores

    def get_batch_scores(self, query: Sequence[str], doc_ids: Sequence[int]) -> list[float]:
        """Score the chunks ``doc_ids`` only (rank-bm25's API)."""
        return [float(x) for x in self.get_scores(query)[np.asarray(doc_ids, dtype=np.int64)]]

    def top_k(
        self, query: Sequence[str], k: int, weights: Sequence[float] | None = None
    ) -> tuple[I64, F64]:
        """Return the ids and scores of the ``k`` best chunks with a positive score."""
        return best_of(self.get_scores(query, weights), k)


def best_of(scores: F64, k: int) -> tuple[I64, F64]:
    """Return the ids and scores of the ``k`` best entries of ``scores`` that are positive."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > k:
        cand_scores = scores[candidates]
        kth = -np.partition(-cand_scores, k - 1)[k - 1]
        # Of the chunks tied at the k-th best score, keep the first in chunk order (as the
        # ranking below does), not whichever ones a partition happens to leave in front.
        above = candidates[cand_scores > kth]
        tied = candidates[cand_scores == kth][: k - len(above)]
        candidates = np.concatenate((above, tied))
    # Highest score first; ties by chunk order so results are deterministic.
    order = np.lexsort((candidates, -scores[candidates]))
    best = candidates[order].astype(np.int64)
    return best, scores[best]
