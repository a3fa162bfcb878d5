"""Write a merged base segment straight to disk, piece by piece.

A merge joins every live article into one new base. Built in memory it would hold the
joined forward arrays (~130 MB at 200k articles) and the new postings at once, beside the
generation still serving. Here the forward arrays are streamed to their files (renumbered
on the way), read back memory-mapped while the postings are inverted (their pages dropped
block by block), and the postings built a range of terms at a time and written after one
another: at most ``POSTINGS_IN_RAM`` of them are in memory. The directory is a complete
segment, which the new generation hard-links.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from retrieval.articles import StoredArticles, StoredRef
from retrieval.bm25 import I32, I64, TF, first_seen_in, invert_in_parts
from retrieval.documents import Article
from retrieval.segment import SEGMENT_FILES, Segment, identity_of, write_articles
from retrieval.snapshot import fsync_path

Part = tuple[I32, tuple[I64, I32, TF]]  # chunk spans (article column final), forward rows
_BLOCK = 1 << 20
# Postings inverted at a time: 4M (24 MB) in memory, six passes over the forward arrays at
# 200k articles (22M postings) instead of 132 MB at once.
POSTINGS_IN_RAM = 1 << 22


class _NpyWriter:
    """Write one .npy file whose shape is known up front, a part at a time."""

    def __init__(self, path: Path, dtype: type[np.generic], shape: tuple[int, ...]) -> None:
        self.fh: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close())
        self.dtype = np.dtype(dtype)
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": shape}  # fmt: skip
        np.lib.format.write_array_header_1_0(self.fh, header)

    def write(self, arr: npt.NDArray[np.generic]) -> None:
        self.fh.write(np.ascontiguousarray(arr, dtype=self.dtype).data)  # no copy

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


def merge_segment(
    items: list[Article | StoredRef],
    languages: str,
    parts: Sequence[Part],
    terms: Sequence[str],
    directory: Path,
    *,
    release: Iterable[object] = (),
) -> Segment:
    """Write the segment of ``parts`` (forward term ids into ``terms``) into ``directory``.

    ``release``: memory-mapped arrays the parts are read from, whose pages are dropped as
    the parts are copied.
    """
    directory.mkdir(parents=True)
    mapped = list(release)
    # One article's rows are tiny: read a few thousand articles' at a time (joined anew on
    # each pass, so only one batch is ever copied).
    used = first_seen_in(
        (p[1][1] for p in _batches(parts)), len(terms), release=lambda: _drop_pages(*mapped)
    )
    remap = np.full(len(terms), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    _write_forward(parts, remap, directory, release=mapped)
    fwd = {
        name: np.load(directory / f"{name}.npy", mmap_mode="r")
        for name in ("fwd_offsets", "fwd_terms", "fwd_tfs")
    }
    n_postings = len(fwd["fwd_terms"])
    docs_out = _NpyWriter(directory / "post_docs.npy", np.int32, (n_postings,))
    tfs_out = _NpyWriter(directory / "post_tfs.npy", np.uint16, (n_postings,))

    def emit(docs: I32, tfs: TF) -> None:
        docs_out.write(docs)
        tfs_out.write(tfs)

    post_offsets, doc_len = invert_in_parts(
        fwd["fwd_offsets"], fwd["fwd_terms"], fwd["fwd_tfs"], len(used), emit=emit,
        max_postings=POSTINGS_IN_RAM, release=lambda: _drop_pages(fwd["fwd_terms"], fwd["fwd_tfs"]),
    )  # fmt: skip
    docs_out.close()
    tfs_out.close()
    _save(directory / "post_offsets.npy", post_offsets)
    _save(directory / "doc_len.npy", doc_len)
    del post_offsets, doc_len
    own = [terms[t] for t in used.tolist()]
    (directory / "terms.txt").write_text("\n".join(own), encoding="utf-8")
    write_articles(items, languages, directory / "articles.jsonl")
    for name in ("terms.txt", "articles.jsonl"):
        fsync_path(directory / name)
    return _open(directory, languages, own)


def _batches(parts: Sequence[Part]) -> Iterable[Part]:
    """Join runs of small consecutive parts into parts of about ``_BLOCK`` postings."""
    pending: list[Part] = []
    size = 0
    for part in parts:
        if len(part[1][1]) >= _BLOCK:
            if pending:
                yield _joined(pending)
                pending, size = [], 0
            yield part
            continue
        pending.append(part)
        size += len(part[1][1])
        if size >= _BLOCK:
            yield _joined(pending)
            pending, size = [], 0
    if pending:
        yield _joined(pending)


def _joined(parts: list[Part]) -> Part:
    if len(parts) == 1:
        return parts[0]
    spans = np.concatenate([p[0] for p in parts])
    sizes = np.concatenate([np.diff(p[1][0]) for p in parts])
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    terms = np.concatenate([p[1][1] for p in parts])
    tfs = np.concatenate([p[1][2] for p in parts])
    return spans, (offsets, terms, tfs)


def _write_forward(
    parts: Sequence[Part], remap: I32, directory: Path, *, release: Iterable[object]
) -> None:
    """Stream the parts' chunk spans and forward rows (term ids renumbered) to their files."""
    n_chunks = sum(len(p[0]) for p in parts)
    n_postings = sum(len(p[1][1]) for p in parts)
    chunks = _NpyWriter(directory / "chunks.npy", np.int32, (n_chunks, 3))
    offsets = _NpyWriter(directory / "fwd_offsets.npy", np.int64, (n_chunks + 1,))
    term_ids = _NpyWriter(directory / "fwd_terms.npy", np.int32, (n_postings,))
    tfs = _NpyWriter(directory / "fwd_tfs.npy", np.uint16, (n_postings,))
    offsets.write(np.zeros(1, dtype=np.int64))
    base, since_drop = 0, 0
    mapped = list(release)
    for spans, (offs, ids, counts) in _batches(parts):
        chunks.write(spans)
        offsets.write(np.asarray(offs[1:], dtype=np.int64) + base)
        base += int(offs[-1])
        for a in range(0, len(ids), _BLOCK):
            term_ids.write(remap[ids[a : a + _BLOCK]])
            tfs.write(counts[a : a + _BLOCK])
            since_drop += min(_BLOCK, len(ids) - a)
            if since_drop >= _BLOCK:  # the old pages read so far leave the RSS
                _drop_pages(*mapped)
                since_drop = 0
    _drop_pages(*mapped)
    for writer in (chunks, offsets, term_ids, tfs):
        writer.close()


def _save(path: Path, arr: npt.NDArray[np.generic]) -> None:
    np.save(path, arr, allow_pickle=False)
    fsync_path(path)


def _open(directory: Path, languages: str, terms: list[str]) -> Segment:
    """Map the written arrays and fingerprint the files (the generation links them)."""
    from retrieval.snapshot import crc32_file

    arrays = {
        name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        for name in ("chunks", "fwd_offsets", "fwd_terms", "fwd_tfs", "post_offsets",
                     "post_docs", "post_tfs", "doc_len")
    }  # fmt: skip
    return Segment(
        StoredArticles(directory / "articles.jsonl"), languages, **arrays, terms=terms,
        checksums={name: crc32_file(directory / name) for name in SEGMENT_FILES},
        identity=identity_of(directory), home=directory,
    )  # fmt: skip


def _drop_pages(*arrays: object) -> None:
    """Let go of the pages read from file-backed maps (a later read faults them back)."""
    for arr in arrays:
        mapped = getattr(arr, "_mmap", None)  # numpy.memmap's mapping
        if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            mapped.madvise(mmap.MADV_DONTNEED)
