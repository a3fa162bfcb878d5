"""One immutable segment of an index generation: articles, chunk spans, forward and postings.

A generation is a big base segment plus, after small reloads, a delta segment holding the
changed and added articles (see ``retrieval.segmented``). A segment never changes once
built: the next generation links its files instead of writing them again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from retrieval.articles import ArticleList, StoredArticles, StoredRef
from retrieval.bm25 import I32, I64, TF, compact_terms, invert
from retrieval.documents import Article
from retrieval.errors import IndexFormatError

# The arrays of a segment, each persisted as NAME.npy.
SEGMENT_ARRAYS = (
    "chunks", "fwd_offsets", "fwd_terms", "fwd_tfs", "post_offsets", "post_docs", "post_tfs",
    "doc_len",
)  # fmt: skip
SEGMENT_FILES = ("articles.jsonl", "terms.txt", *(f"{name}.npy" for name in SEGMENT_ARRAYS))
Identity = tuple[tuple[str, int, int], ...]  # (file, device, inode) of a segment read from disk


@dataclass(frozen=True, eq=False)
class Segment:
    """Articles (in this segment's order), their chunk spans and BM25 postings.

    Term ids below ``term_base`` are the base segment's; ``terms`` names the ids from
    ``term_base`` on (all of them in a base segment, the new ones in a delta).
    """

    articles: Sequence[Article]  # ArticleList when built, StoredArticles when read
    languages: str  # one letter an article: "i" (id) or "e" (en)
    chunks: I32  # (n, 3): article index in this segment, start, end
    fwd_offsets: I64
    fwd_terms: I32
    fwd_tfs: TF
    post_offsets: I64
    post_docs: I32
    post_tfs: TF
    doc_len: I64
    terms: Sequence[str]
    term_base: int = 0
    rows: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vocab: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)  # when read from disk
    identity: Identity = ()
    home: Path | None = None  # the directory it was read from (its files are linked from there)

    def __post_init__(self) -> None:
        if len(self.rows) == 0:
            # Chunk rows of article a are rows[a]:rows[a + 1] (contiguous and sorted).
            column = np.ascontiguousarray(self.chunks[:, 0])
            rows = np.searchsorted(column, np.arange(len(self.articles) + 1), side="left")
            object.__setattr__(self, "rows", rows.astype(np.int64))
        if not self.vocab:
            vocab = {t: self.term_base + i for i, t in enumerate(self.terms)}
            object.__setattr__(self, "vocab", vocab)

    @property
    def n_terms(self) -> int:
        """Return how many term ids this segment's postings cover (base ones included)."""
        return self.term_base + len(self.terms)

    @property
    def n_chunks(self) -> int:
        """Return how many chunks this segment holds."""
        return int(self.chunks.shape[0])

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Return the persisted arrays by name."""
        return {name: getattr(self, name) for name in SEGMENT_ARRAYS}

    def item(self, a: int, article_id: str) -> Article | StoredRef:
        """Return article ``a`` as a new generation keeps it: on disk when it is stored."""
        if isinstance(self.articles, StoredArticles):
            return StoredRef(self.articles, a, article_id)
        if isinstance(self.articles, ArticleList):
            return self.articles.items()[a]
        return self.articles[a]


def build_segment(
    items: list[Article | StoredRef],
    languages: str,
    chunks: I32,
    forward: tuple[I64, I32, TF],
    terms: Sequence[str],
    *,
    term_base: int = 0,
) -> Segment:
    """Invert forward arrays (term ids into ``terms``) into a segment; unused ids from
    ``term_base`` on are dropped, the rest renumbered by first occurrence."""
    fwd_offsets, fwd_terms, fwd_tfs = forward
    fwd_terms, extra = compact_terms(fwd_terms, len(terms), keep=term_base)
    own = [terms[t] for t in extra.tolist()]
    n_terms = term_base + len(own)
    post_offsets, post_docs, post_tfs, doc_len = invert(fwd_offsets, fwd_terms, fwd_tfs, n_terms)
    return Segment(
        ArticleList(items), languages, chunks, fwd_offsets, fwd_terms, fwd_tfs,
        post_offsets, post_docs, post_tfs, doc_len, own, term_base,
    )  # fmt: skip


def segment_info(seg: Segment) -> dict[str, object]:
    """Describe ``seg`` for the generation's meta.json (what reading it back checks)."""
    return {
        "articles": len(seg.articles),
        "languages": seg.languages,
        "term_base": seg.term_base,
        "n_terms": len(seg.terms),
        "shapes": {name: list(arr.shape) for name, arr in seg.arrays().items()},
    }


def write_segment(seg: Segment, directory: Path, *, source: Path | None) -> dict[str, str]:
    """Put ``seg``'s files into ``directory``; return the checksums already known.

    A segment read from ``source`` is hard-linked from there (its files never change), so a
    reload writes only what is new; otherwise every file is written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if source is not None and seg.checksums and _link_all(source, directory):
        return dict(seg.checksums)
    items = seg.articles.items() if isinstance(seg.articles, ArticleList) else seg.articles
    write_articles(items, seg.languages, directory / "articles.jsonl")
    (directory / "terms.txt").write_text("\n".join(seg.terms), encoding="utf-8")
    for name, arr in seg.arrays().items():
        np.save(directory / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
    return {}


def _link_all(source: Path, directory: Path) -> bool:
    """Hard-link the segment files of ``source`` into ``directory``; False if not possible."""
    try:
        for name in SEGMENT_FILES:
            os.link(source / name, directory / name)
    except OSError:
        for name in SEGMENT_FILES:
            (directory / name).unlink(missing_ok=True)
        return False
    return True


def write_articles(items: Sequence[Article | StoredRef], languages: str, path: Path) -> None:
    """Write articles.jsonl: one JSON record a line, stored ones copied as they are."""
    from retrieval.snapshot import article_record

    # errors="backslashreplace": a lone surrogate (an undecodable file name, a JSON "\\udce9")
    # can only sit inside a JSON string, where its \\udce9 escape reads back as the same text.
    with open(path, "w", encoding="utf-8", errors="backslashreplace") as fh:
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, StoredRef):  # unchanged: its lines are copied, never parsed
                j = _run_end(items, i)
                fh.flush()
                for block in item.store.lines(item.index, item.index + j - i):
                    fh.buffer.write(block)
                i = j
                continue
            fh.write(json.dumps(article_record(item, languages[i]), ensure_ascii=False) + "\n")
            i += 1
    if len(items) != len(languages):
        raise ValueError(f"{len(items)} articles, {len(languages)} language letters")


def _run_end(items: Sequence[Article | StoredRef], i: int) -> int:
    """Return the end of the run of stored lines from ``items[i]`` (same file, in order)."""
    first = items[i]
    assert isinstance(first, StoredRef)
    j = i + 1
    while j < len(items):
        item = items[j]
        if not (isinstance(item, StoredRef) and item.store is first.store):
            break
        if item.index != first.index + (j - i):
            break
        j += 1
    return j


def read_segment(
    directory: Path, info: dict[str, object], checksums: dict[str, str], *, reuse: Sequence[Segment]
) -> Segment:
    """Open the segment in ``directory`` (arrays memory-mapped) after checking its files.

    A segment of ``reuse`` whose files are these very files (same inodes, same checksums)
    was verified when it was opened and is returned as it is.
    """
    identity = identity_of(directory)
    for seg in reuse:
        if identity and seg.identity == identity and seg.checksums == checksums:
            return replace(seg, home=directory)
    verify(directory, checksums)
    shapes = info["shapes"]
    assert isinstance(shapes, dict)
    arrays = {}
    for name in SEGMENT_ARRAYS:
        arr = np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if list(arr.shape) != shapes[name]:
            raise ValueError(f"{name}.npy has shape {list(arr.shape)}, expected {shapes[name]}")
        arrays[name] = arr
    text = (directory / "terms.txt").read_text(encoding="utf-8")
    terms = text.split("\n") if text else []
    if len(terms) != info["n_terms"]:
        raise ValueError(f"terms.txt has {len(terms)} terms, expected {info['n_terms']}")
    articles = StoredArticles(directory / "articles.jsonl")
    languages = str(info["languages"])
    if not len(articles) == len(languages) == info["articles"]:
        raise ValueError(f"{len(articles)} stored articles for {info['articles']} ids")
    term_base = info["term_base"]
    assert isinstance(term_base, int)
    seg = Segment(
        articles, languages, **arrays, terms=terms, term_base=term_base,
        checksums=dict(checksums), identity=identity, home=directory,
    )  # fmt: skip
    _check_shape(seg)
    return seg


def _check_shape(seg: Segment) -> None:
    """Raise ``ValueError`` when the arrays cannot belong together."""
    n = seg.n_chunks
    if n and int(seg.chunks[:, 0].max()) >= len(seg.articles):
        raise ValueError("chunk table points past the article list")
    if not len(seg.doc_len) == len(seg.fwd_offsets) - 1 == n:
        raise ValueError("BM25 and chunk table disagree on the number of chunks")
    if len(seg.post_offsets) != seg.n_terms + 1:
        raise ValueError("postings and terms disagree on the number of terms")


def identity_of(directory: Path) -> Identity:
    """Return the (file, device, inode) triples of a segment directory's files."""
    out = []
    for name in SEGMENT_FILES:
        try:
            st = os.stat(directory / name)
        except OSError:
            return ()
        out.append((name, st.st_dev, st.st_ino))
    return tuple(out)


def verify(directory: Path, checksums: dict[str, str]) -> None:
    """Raise ``IndexFormatError`` unless every listed file has its recorded CRC."""
    from retrieval.snapshot import crc32_file

    for name, expected in checksums.items():
        try:
            actual = crc32_file(directory / name)
        except OSError as exc:
            raise IndexFormatError(f"index at {directory} is corrupt: {exc}") from None
        if actual != expected:
            raise IndexFormatError(
                f"index at {directory} is corrupt: {name} has checksum {actual}, "
                f"expected {expected}"
            )
