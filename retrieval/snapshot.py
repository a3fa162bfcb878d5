"""An immutable, searchable index generation and its on-disk form (numpy + JSON, no pickle)."""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.analysis import ANALYZER_VERSION, LANGS, Lang
from retrieval.articles import ArticleList, StoredArticles, StoredRef
from retrieval.bm25 import ARRAY_NAMES, CompactBM25
from retrieval.chunking import Chunk
from retrieval.documents import Article, Skipped
from retrieval.errors import IndexFormatError

# 2: articles carry path, ISO date and source; 3: CRC-32 of every file; 4: languages and date
# range in meta.json (articles are read on demand)
FORMAT_VERSION = 4
# Lucene's idf: on FacQA, RealTime QA and the cross-lingual dev set it ranks exactly as
# rank-bm25's Okapi idf (R@5 0.907 / 0.868 / 0.824 both), but it never goes to zero or below,
# which Okapi's does on small corpora (a term in 1 of 2 chunks scores 0: nothing is found).
DEFAULT_IDF = "lucene"
I32 = npt.NDArray[np.int32]
_LANGS: dict[str, Lang] = {lang[0]: lang for lang in LANGS}


@dataclass(frozen=True)
class FileEntry:
    """Fingerprint of one corpus file and the articles it produced."""

    size: int
    mtime_ns: int
    sha256: str
    article_ids: tuple[str, ...]
    skipped: tuple[Skipped, ...] = ()
    dates: tuple[str | None, str | None] = (None, None)  # earliest and latest article date


@dataclass(frozen=True)
class BuildParams:
    """Everything that changes index contents; a persisted index with other params is rebuilt."""

    chunk_chars: int
    overlap_chars: int
    idf_mode: str = DEFAULT_IDF
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    analyzer_version: int = ANALYZER_VERSION
    format_version: int = FORMAT_VERSION


@dataclass(frozen=True)
class Snapshot:
    """One index generation: articles, chunk spans and BM25 (``bm25`` is None when empty)."""

    params: BuildParams
    articles: Sequence[Article]  # a tuple when just built; read on demand when loaded
    languages: tuple[Lang, ...]
    chunks: I32  # shape (n, 3): article index, start, end
    bm25: CompactBM25 | None
    files: Mapping[str, FileEntry]
    skipped: tuple[Skipped, ...]
    built_at: float
    article_index: Mapping[str, int] = field(default_factory=dict)
    date_range: tuple[str | None, str | None] | None = None  # known without reading articles

    @property
    def n_chunks(self) -> int:
        """Return how many chunks are indexed."""
        return int(self.chunks.shape[0])

    def chunk(self, i: int) -> Chunk:
        """Return chunk number ``i`` as a ``Chunk`` (its text is an exact article span)."""
        a, start, end = (int(x) for x in self.chunks[i])
        article = self.articles[a]
        n = i - int(np.searchsorted(self.chunks[:, 0], a, side="left"))
        return Chunk(f"{article.id}#{n}", article.id, start, end, article.text[start:end])

    def article(self, article_id: str) -> Article | None:
        """Return the article with ``article_id`` or None when it is not in this generation."""
        i = self.article_index.get(article_id)
        return None if i is None else self.articles[i]

    def dates(self) -> tuple[str | None, str | None]:
        """Return the earliest and latest article dates (as given in the corpus)."""
        if self.date_range is not None:
            return self.date_range
        return date_range(a.date for a in self.articles)


def date_range(dates: Iterable[str | None]) -> tuple[str | None, str | None]:
    """Return the earliest and latest of ``dates`` that parse (as given), or (None, None)."""
    parsed = [(when, d) for d in dates if d and (when := parse_date(d))]
    if not parsed:
        return None, None
    parsed.sort()
    return parsed[0][1], parsed[-1][1]


# Date shapes seen in news feeds; day-first only when month-first cannot be right.
_DATE_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y %H:%M",
                 "%d/%m/%Y", "%d-%m-%Y")  # fmt: skip


def parse_date(text: str) -> datetime | None:
    """Parse an article date string (ISO 8601 or a common feed format); None if unknown."""
    text = text.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = None
        for fmt in _DATE_FORMATS:
            try:
                when = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    return None if when is None else when.replace(tzinfo=None)


def make_snapshot(
    params: BuildParams,
    articles: Sequence[Article],
    languages: list[Lang],
    chunks: I32,
    bm25: CompactBM25 | None,
    files: Mapping[str, FileEntry],
    skipped: list[Skipped],
    built_at: float,
    *,
    ids: Sequence[str] | None = None,
    date_range: tuple[str | None, str | None] | None = None,
) -> Snapshot:
    """Assemble a ``Snapshot`` and its article lookup table (``ids``: the articles' ids, when
    the articles are stored rather than in memory)."""
    if ids is None:
        ids = [a.id for a in articles]
    return Snapshot(
        params=params,
        articles=tuple(articles) if isinstance(articles, list) else articles,
        languages=tuple(languages),
        chunks=chunks,
        bm25=bm25,
        files=dict(files),
        skipped=tuple(skipped),
        built_at=built_at,
        article_index={article_id: i for i, article_id in enumerate(ids)},
        date_range=date_range,
    )


def _article_record(article: Article, lang: Lang) -> dict[str, Any]:
    record = asdict(article)
    record["metadata"] = dict(article.metadata)
    record["lang"] = lang
    return record


def crc32_file(path: Path) -> str:
    """Return the CRC-32 of a file as 8 hex digits (about 1 GB/s: cheap on every start)."""
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def _verify(directory: Path, checksums: dict[str, str]) -> None:
    """Raise ``IndexFormatError`` unless every file of the generation has its recorded CRC."""
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


def write_snapshot(snap: Snapshot, directory: Path) -> None:
    """Write ``snap`` into a new directory (fsynced files; the caller renames it into place)."""
    directory.mkdir(parents=True)
    # errors="backslashreplace": a lone surrogate (an undecodable file name, a JSON "\\udce9")
    # can only sit inside a JSON string, where its \\udce9 escape reads back as the same text.
    with open(directory / "articles.jsonl", "w", encoding="utf-8", errors="backslashreplace") as fh:
        items = snap.articles.items() if isinstance(snap.articles, ArticleList) else snap.articles
        for item, lang in zip(items, snap.languages, strict=True):
            if isinstance(item, StoredRef):  # unchanged: its line is copied, never parsed
                fh.write(item.store.line(item.index).decode("utf-8"))
            else:
                fh.write(json.dumps(_article_record(item, lang), ensure_ascii=False) + "\n")
    arrays: dict[str, npt.NDArray[np.generic]] = {"chunks": snap.chunks}
    terms: list[str] = []
    if snap.bm25 is not None:
        arrays.update(snap.bm25.arrays())
        terms = snap.bm25.terms
    (directory / "terms.txt").write_text("\n".join(terms), encoding="utf-8")
    for name, arr in arrays.items():
        np.save(directory / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
    meta = {
        "format_version": FORMAT_VERSION,
        "params": asdict(snap.params),
        "bm25": snap.bm25.params() if snap.bm25 is not None else None,
        "shapes": {name: list(arr.shape) for name, arr in arrays.items()},
        "n_terms": len(terms),
        "files": {k: asdict(v) for k, v in snap.files.items()},
        "skipped": [asdict(s) for s in snap.skipped],
        "built_at": snap.built_at,
        # Read on load instead of every article: languages as one letter each, date range.
        "languages": "".join(lang[0] for lang in snap.languages),
        "dates": list(snap.dates()),
    }
    # meta.json is written last: a directory without it is an unfinished build.
    for path in directory.iterdir():
        _fsync(path)
    meta["checksums"] = {p.name: crc32_file(p) for p in sorted(directory.iterdir())}
    text = json.dumps(meta, ensure_ascii=False)
    (directory / "meta.json").write_text(text, encoding="utf-8", errors="backslashreplace")
    _fsync(directory / "meta.json")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_snapshot(directory: Path, *, expected: BuildParams) -> Snapshot:
    """Load a persisted snapshot (arrays memory-mapped); raise ``IndexFormatError`` if unusable."""
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexFormatError(f"index at {directory} is incomplete (no meta.json)") from None
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"index metadata at {directory} is unreadable: {exc}") from None
    # Valid JSON that is not an object (or lacks keys) is as unusable as invalid JSON.
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if version != FORMAT_VERSION:
        raise IndexFormatError(f"index format version {version} is not {FORMAT_VERSION}")
    try:
        params = BuildParams(**meta["params"])
    except (TypeError, KeyError) as exc:
        raise IndexFormatError(f"index parameters are unreadable: {exc}") from None
    if params != expected:
        raise IndexFormatError("index was built with other settings or another analyzer version")
    checksums = meta.get("checksums")
    if not isinstance(checksums, dict) or not checksums:
        raise IndexFormatError(f"index at {directory} has no checksums")
    _verify(directory, checksums)
    try:
        return _read_body(directory, meta, params)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise IndexFormatError(f"index at {directory} is corrupt: {exc}") from None


def _read_body(directory: Path, meta: dict[str, Any], params: BuildParams) -> Snapshot:
    shapes: dict[str, list[int]] = meta["shapes"]
    arrays = {}
    for name, shape in shapes.items():
        arr = np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if list(arr.shape) != shape:
            raise ValueError(f"{name}.npy has shape {list(arr.shape)}, expected {shape}")
        arrays[name] = arr
    terms_text = (directory / "terms.txt").read_text(encoding="utf-8")
    terms = terms_text.split("\n") if terms_text else []
    if len(terms) != meta["n_terms"]:
        raise ValueError(f"terms.txt has {len(terms)} terms, expected {meta['n_terms']}")
    files = {
        k: FileEntry(
            size=v["size"],
            mtime_ns=v["mtime_ns"],
            sha256=v["sha256"],
            article_ids=tuple(v["article_ids"]),
            skipped=tuple(Skipped(**s) for s in v["skipped"]),
            dates=(v["dates"][0], v["dates"][1]),
        )
        for k, v in meta["files"].items()
    }
    articles = StoredArticles(directory / "articles.jsonl")
    languages: list[Lang] = [_LANGS[code] for code in meta["languages"]]
    chunks = arrays["chunks"]
    # Articles are stored in file order, each file's kept ids in order: no line is parsed here.
    ids = [article_id for entry in files.values() for article_id in entry.article_ids]
    if not len(ids) == len(languages) == len(articles):
        raise ValueError(f"{len(articles)} stored articles for {len(ids)} ids")
    if chunks.shape[0] and int(chunks[:, 0].max()) >= len(articles):
        raise ValueError("chunk table points past the article list")
    bm25 = None
    if meta["bm25"] is not None:
        bm25 = CompactBM25.from_arrays(terms, {n: arrays[n] for n in ARRAY_NAMES}, meta["bm25"])
        if bm25.corpus_size != chunks.shape[0]:
            raise ValueError("BM25 and chunk table disagree on the number of chunks")
    skipped = [Skipped(**s) for s in meta["skipped"]]
    first, last = meta["dates"]
    return make_snapshot(
        params, articles, languages, chunks, bm25, files, skipped, float(meta["built_at"]),
        ids=ids, date_range=(first, last),
    )  # fmt: skip
