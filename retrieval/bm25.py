"""rank-bm25's BM25Okapi scoring over compact numpy postings instead of a dict per chunk."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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
        counts = np.diff(fwd_offsets)
        doc_ids = np.repeat(np.arange(self.corpus_size, dtype=np.int32), counts)
        # Chunk lengths as differences of a running sum (np.add.at is slow on tens of millions).
        running = np.concatenate(([0], np.cumsum(fwd_tfs, dtype=np.int64)))
        lengths = running[fwd_offsets[1:]] - running[fwd_offsets[:-1]]
        del running
        self.doc_len = lengths
        self.avgdl = int(lengths.sum()) / self.corpus_size
        order = np.argsort(fwd_terms, kind="stable")
        df = np.bincount(fwd_terms, minlength=len(self.terms))
        self.post_offsets = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        self.post_docs = doc_ids[order]
        self.post_tfs = fwd_tfs[order]
        del order, doc_ids
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
        used, first = np.unique(fwd_terms, return_index=True)
        used = used[np.argsort(first, kind="stable")]
        remap = np.full(len(terms), -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        self = cls.__new__(cls)
        self.k1, self.b, self.epsilon, self.idf_mode = k1, b, epsilon, idf_mode
        self.terms = [terms[t] for t in used.tolist()]
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.idf = {}
        nd = self._build_from_forward(fwd_offsets, remap[fwd_terms], fwd_tfs)
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
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        scores = self.get_scores(query, weights)
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
