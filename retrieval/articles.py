"""The articles of a persisted generation, read from ``articles.jsonl`` when asked for.

At 200k articles their texts and objects cost about 250 MB of RAM; a search needs a handful
of them. ``StoredArticles`` keeps only the line offsets (8 bytes an article) and reads one
line with ``pread`` on demand, so the pages never count against the process either.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import numpy as np
import numpy.typing as npt

from retrieval.documents import Article

_BLOCK = 1 << 24
_CACHED = 1024  # recently read articles (an answer reads the same few several times)


def line_offsets(path: Path) -> npt.NDArray[np.int64]:
    """Return the start of every line of ``path`` and, last, the file size."""
    starts = [np.zeros(1, dtype=np.int64)]
    position = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            starts.append(ends.astype(np.int64) + position + 1)
            position += len(block)
    offsets = np.concatenate(starts)
    if offsets[-1] != position:  # no newline after the last line
        offsets = np.append(offsets, position)
    return offsets


def article_from_record(record: dict[str, object]) -> Article:
    """Build an ``Article`` from its stored JSON record (the language is kept apart)."""
    record.pop("lang", None)
    return Article(**record)  # type: ignore[arg-type]


class LazyArticles(Sequence[Article]):
    """A sequence of articles built when asked for: subclasses say how long it is and how
    to build article ``i`` (0 <= i < len); indexing, negative indices and slices are here."""

    def _article(self, i: int) -> Article:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> Article: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Article]: ...

    def __getitem__(self, i: int | slice) -> Article | Sequence[Article]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"article index {i} out of range")
        return self._article(i % n)


class _Articles(LazyArticles):
    """Lazy articles equal to any equal sequence."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class StoredArticles(_Articles):
    """A read-only sequence of the articles in one ``articles.jsonl``, loaded on demand."""

    def __init__(self, path: Path) -> None:
        """Index the lines of ``path`` and keep it open (a later unlink leaves it readable)."""
        self._offsets = line_offsets(path)
        self._fd = os.open(path, os.O_RDONLY)
        self._load = functools.lru_cache(maxsize=_CACHED)(self._read)

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _article(self, i: int) -> Article:
        return self._load(i)

    def __iter__(self) -> Iterator[Article]:
        return (self._load(i) for i in range(len(self)))

    def line(self, i: int) -> bytes:
        """Return article ``i``'s stored JSON line, newline included (copied by reloads)."""
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        line = os.pread(self._fd, end - start, start)
        return line if line.endswith(b"\n") else line + b"\n"

    def lines(self, i0: int, i1: int) -> Iterator[bytes]:
        """Yield the stored lines of articles ``i0 .. i1-1`` as a few large reads."""
        start, stop = int(self._offsets[i0]), int(self._offsets[i1])
        for at in range(start, stop, _BLOCK):
            block = os.pread(self._fd, min(_BLOCK, stop - at), at)
            yield block
        if stop > start and i1 == len(self) and not self.line(i1 - 1).endswith(b"\n"):
            yield b"\n"  # the file's last line had none

    def _read(self, i: int) -> Article:
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        return article_from_record(json.loads(os.pread(self._fd, end - start, start)))


@dataclass(frozen=True, slots=True)
class StoredRef:
    """An unchanged article of the last generation, left on disk while a reload runs."""

    store: StoredArticles
    index: int
    id: str


class ArticleList(_Articles):
    """A new generation's articles: fresh ones in memory, unchanged ones still on disk."""

    def __init__(self, items: list[Article | StoredRef]) -> None:
        """Keep the items in order."""
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def _article(self, i: int) -> Article:
        item = self._items[i]
        return item.store[item.index] if isinstance(item, StoredRef) else item

    def items(self) -> list[Article | StoredRef]:
        """Return the items as kept (so a writer can copy stored lines without parsing)."""
        return self._items
