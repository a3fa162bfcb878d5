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
from retrieval.bm25 import IdfMode
from retrieval.chunking import Chunk
from retrieval.documents import Article, Skipped
from retrieval.errors import IndexFormatError
from retrieval.segment import Segment, read_segment, segment_info, write_segment
from retrieval.segmented import Runs, SegmentedArticles, SegmentedBM25, layout

# 2: articles carry path, ISO date and source; 3: CRC-32 of every file; 4: languages and date
# range in meta.json (articles are read on demand); 5: segments (a base, a delta, runs)
FORMAT_VERSION = 5
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
    articles: Sequence[Article]  # corpus order; stored ones are read on demand
    languages: tuple[Lang, ...]
    chunks: I32  # shape (n, 3): article index, start, end (corpus order)
    bm25: SegmentedBM25 | None
    files: Mapping[str, FileEntry]
    skipped: tuple[Skipped, ...]
    built_at: float
    article_index: Mapping[str, int] = field(default_factory=dict)
    date_range: tuple[str | None, str | None] | None = None  # known without reading articles
    segments: tuple[Segment, ...] = ()  # the base, then (after small reloads) a delta
    runs: Runs = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))

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


def assemble(
    params: BuildParams,
    segments: Sequence[Segment],
    runs: Runs,
    files: Mapping[str, FileEntry],
    skipped: Sequence[Skipped],
    built_at: float,
    *,
    date_range: tuple[str | None, str | None] | None = None,
) -> Snapshot:
    """Assemble a ``Snapshot`` of ``segments`` whose articles ``runs`` lists in corpus order
    (the articles of ``files``, in order)."""
    where = layout(segments, runs)
    ids = [article_id for entry in files.values() for article_id in entry.article_ids]
    if len(ids) != len(where.article_local):
        raise ValueError(f"{len(where.article_local)} articles for {len(ids)} ids")
    codes = "".join(segments[s].languages[a : a + c] for s, a, c in runs.tolist())
    bm25 = None
    if where.chunks.shape[0]:
        mode: IdfMode = "lucene" if params.idf_mode == "lucene" else "okapi"
        bm25 = SegmentedBM25(
            segments, where, k1=params.k1, b=params.b, epsilon=params.epsilon, idf_mode=mode
        )
    return Snapshot(
        params=params,
        articles=SegmentedArticles(segments, where),
        languages=tuple(map(_LANGS.__getitem__, codes)),
        chunks=where.chunks,
        bm25=bm25,
        files=dict(files),
        skipped=tuple(skipped),
        built_at=built_at,
        article_index=dict(zip(ids, range(len(ids)), strict=True)),
        date_range=date_range,
        segments=tuple(segments),
        runs=runs,
    )


def article_record(article: Article, code: str) -> dict[str, Any]:
    """Return the stored JSON record of an article (``code``: its language letter)."""
    record = asdict(article)
    record["metadata"] = dict(article.metadata)
    record["lang"] = _LANGS[code]
    return record


def crc32_file(path: Path) -> str:
    """Return the CRC-32 of a file as 8 hex digits (about 1 GB/s: cheap on every start)."""
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def write_snapshot(snap: Snapshot, directory: Path) -> None:
    """Write ``snap`` into a new directory (fsynced files; the caller renames it into place).

    The base segment is at the top of the directory, a delta segment in ``delta/``; a
    segment the last generation already had is hard-linked, not written again.
    """
    directory.mkdir(parents=True)
    known: dict[str, str] = {}
    infos = []
    for sub, seg in zip(_SEGMENT_DIRS, snap.segments, strict=False):
        linked = write_segment(seg, directory / sub, source=seg.home)
        known.update({f"{sub}/{name}" if sub else name: crc for name, crc in linked.items()})
        infos.append({"dir": sub, **segment_info(seg)})
    written = sorted(p for p in directory.rglob("*") if p.is_file())
    for path in written:
        if path.relative_to(directory).as_posix() not in known:
            fsync_path(path)
    checksums = {
        rel: known.get(rel) or crc32_file(directory / rel)
        for rel in (p.relative_to(directory).as_posix() for p in written)
    }
    meta = {
        "format_version": FORMAT_VERSION,
        "params": asdict(snap.params),
        "bm25": snap.bm25.params() if snap.bm25 is not None else None,
        "segments": infos,
        "runs": snap.runs.tolist(),
        "files": {k: _entry_record(v) for k, v in snap.files.items()},
        "skipped": [asdict(s) for s in snap.skipped],
        "built_at": snap.built_at,
        "dates": list(snap.dates()),  # read on load instead of every article
        "checksums": checksums,
    }
    # meta.json is written last: a directory without it is an unfinished build.
    text = json.dumps(meta, ensure_ascii=False)
    (directory / "meta.json").write_text(text, encoding="utf-8", errors="backslashreplace")
    fsync_path(directory / "meta.json")


def _entry_record(entry: FileEntry) -> dict[str, Any]:
    """Return ``asdict(entry)`` without its deep copy (200k article ids: ~0.5 s a reload)."""
    return {
        "size": entry.size,
        "mtime_ns": entry.mtime_ns,
        "sha256": entry.sha256,
        "article_ids": entry.article_ids,
        "skipped": [asdict(s) for s in entry.skipped],
        "dates": entry.dates,
    }


# Where each segment's files go in a generation directory: the base, then the delta.
_SEGMENT_DIRS = ("", "delta")


def fsync_path(path: Path) -> None:
    """Flush ``path``'s data to disk (a generation is durable before it is named)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_snapshot(
    directory: Path, *, expected: BuildParams, reuse: Sequence[Segment] = ()
) -> Snapshot:
    """Load a persisted snapshot (arrays memory-mapped); raise ``IndexFormatError`` if unusable.

    A segment of ``reuse`` (already open, verified) whose files these are is not read again.
    """
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
    # (An empty corpus has no segment, so no file to check.)
    if not isinstance(checksums, dict) or not (checksums or meta.get("segments") == []):
        raise IndexFormatError(f"index at {directory} has no checksums")
    try:
        return _read_body(directory, meta, params, checksums, reuse)
    except (OSError, EOFError, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise IndexFormatError(f"index at {directory} is corrupt: {exc}") from None


def _read_body(
    directory: Path,
    meta: dict[str, Any],
    params: BuildParams,
    checksums: dict[str, str],
    reuse: Sequence[Segment],
) -> Snapshot:
    segments = []
    for info in meta["segments"]:
        sub = str(info["dir"])
        if sub not in _SEGMENT_DIRS:
            raise ValueError(f"unknown segment directory {sub!r}")
        prefix = f"{sub}/" if sub else ""
        own = {
            rel[len(prefix) :]: crc
            for rel, crc in checksums.items()
            if rel.startswith(prefix) and ("/" not in rel[len(prefix) :])
        }
        segments.append(read_segment(directory / sub, info, own, reuse=reuse))
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
    runs = np.array(meta["runs"], dtype=np.int64).reshape(-1, 3)
    skipped = [Skipped(**s) for s in meta["skipped"]]
    first, last = meta["dates"]
    snap = assemble(
        params, segments, runs, files, skipped, float(meta["built_at"]), date_range=(first, last)
    )
    if (snap.bm25 is None) != (meta["bm25"] is None):
        raise ValueError("BM25 and chunk table disagree on the number of chunks")
    return snap
