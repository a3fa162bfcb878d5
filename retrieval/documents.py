"""Load and validate corpus files into ``Article`` values (one bad file never stops the rest)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.dates import dateline_date, dateline_source, iso_date, url_source
from retrieval.htmltext import html_to_text

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})
DEFAULT_MAX_BYTES = 10_000_000
_TITLE_MAX_CHARS = 150
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_KNOWN_FIELDS = ("id", "title", "url", "date", "source", "text")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Article:
    """One news article; ``text`` is kept whole so every citation is an exact span of it.

    ``date`` is an ISO date (``2023-09-11``) or None; ``source`` is the publication
    ("Bisnis.com") or None; ``path`` is the corpus file it came from.
    """

    id: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None
    path: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not loaded, with a one-line reason."""

    path: str
    reason: str


@dataclass(frozen=True)
class FileLoad:
    """What one file yielded: its articles and the records skipped inside it."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class Fingerprint:
    """Size, modification time and content hash of one corpus file, from the read itself."""

    size: int
    mtime_ns: int
    sha256: str


# The content hash of a file that could not be read (it is read again once it can be).
UNREADABLE = "unreadable"


def path_id(relpath: str) -> str:
    """Derive a stable article id from a corpus-relative path."""
    return relpath[: -len(Path(relpath).suffix)] if Path(relpath).suffix else relpath


def _decode(data: bytes) -> str:
    """Decode UTF-8 text (BOM allowed) or raise ``ValueError`` with a short reason."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split Markdown front matter (``---`` / ``key: value`` lines / ``---``) from the body."""
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    fields: dict[str, str] = {}
    for line in m.group(1).split("\n"):
        kv = _FRONT_KEY_RE.match(line)
        if kv:
            fields[kv.group(1).lower()] = kv.group(2).strip("'\"")
    return fields, text[m.end() :]


def _plain_article(relpath: str, text: str, *, markdown: bool) -> Article:
    """Build an article from plain text: title from a heading or a short first line."""
    front, text = _front_matter(text) if markdown else ({}, text)
    first, _, _ = text.lstrip("\n").partition("\n")
    heading = _HEADING_RE.match(first) if markdown else None
    title = front.get("title", "")
    if not title and heading:
        title = heading.group(1)
    elif not title and _looks_like_title(first) and "\n" in text.strip():
        title = first.strip()
    url = front.get("url") or None
    metadata = {k: v for k, v in front.items() if k not in _KNOWN_FIELDS}
    return Article(
        id=path_id(relpath),
        title=title,
        text=text,
        url=url,
        date=iso_date(front.get("date")) or _lead_date(text),
        path=relpath,
        metadata=metadata,
        source=front.get("source") or dateline_source(text) or url_source(url),
    )


def _lead_date(text: str) -> str | None:
    found = dateline_date(text)
    return found.isoformat() if found else None


def _looks_like_title(line: str) -> bool:
    """Tell whether a first line reads as a headline: short, no dateline, no final stop."""
    line = line.strip()
    return (
        0 < len(line) <= _TITLE_MAX_CHARS
        and not _is_dateline(line)
        and (len(line) <= 80 or not line.endswith((".", "!", "?", '"', "”")))
    )


def _is_dateline(line: str) -> bool:
    """Tell whether a first line is a ``Source, CITY -`` dateline that opens the body."""
    dateline = re.match(r"^[\w.]+,\s+[A-Z][A-Z ]+\s+[-–—]", line)
    return bool(dateline) or dateline_source(line) is not None


def _record_article(relpath: str, record: object, where: str) -> Article:
    """Validate one JSON record and build its article (raise ``ValueError`` when invalid)."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: missing or empty 'text'")
    raw_id = record.get("id")
    if raw_id is None or str(raw_id).strip() == "":
        article_id = f"{path_id(relpath)}:{where.split()[-1]}"
    elif isinstance(raw_id, str | int):
        article_id = str(raw_id).strip()
    else:
        raise ValueError(f"{where}: 'id' must be a string or a number")
    strings = {}
    for key in ("title", "url", "date", "source"):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise ValueError(f"{where}: '{key}' must be a string")
        strings[key] = None if value is None or value == "" else str(value)
    metadata = {k: v for k, v in record.items() if k not in _KNOWN_FIELDS}
    text = text.replace("\r\n", "\n")
    date = iso_date(strings["date"])
    if strings["date"] and date != strings["date"]:
        metadata["date_raw"] = strings["date"]
    return Article(
        id=article_id,
        title=strings["title"] or "",
        text=text,
        url=strings["url"],
        date=date or _lead_date(text),
        path=relpath,
        metadata=metadata,
        source=strings["source"] or dateline_source(text) or url_source(strings["url"]),
    )


def _json_records(relpath: str, text: str) -> Iterator[tuple[str, object] | Skipped]:
    """Yield (where, record) from .json/.jsonl text, or ``Skipped`` for a malformed line."""
    if relpath.endswith(".jsonl"):
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                yield f"line {lineno}", json.loads(line)
            except json.JSONDecodeError as exc:
                yield Skipped(f"{relpath}:{lineno}", f"malformed JSON: {exc.msg}")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc.msg} (line {exc.lineno})") from None
    records = data if isinstance(data, list) else [data]
    for n, record in enumerate(records):
        yield (f"item {n}" if isinstance(data, list) else "object"), record


def parse_file(relpath: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FileLoad:
    """Parse one corpus file's bytes; raise ``ValueError`` when the whole file is unusable."""
    suffix = Path(relpath).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(f"unsupported file type '{suffix or relpath}'")
    if len(data) > max_bytes:
        raise ValueError(f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    text = _decode(data)
    if not text.strip():
        raise ValueError("empty file")
    if suffix in (".txt", ".md"):
        return FileLoad((_plain_article(relpath, text, markdown=suffix == ".md"),), ())
    if suffix in (".html", ".htm"):
        title, body = html_to_text(text)
        if not body.strip():
            raise ValueError("no readable text in the HTML")
        article = Article(
            id=path_id(relpath),
            title=title,
            text=body,
            date=_lead_date(body),
            path=relpath,
            source=dateline_source(body),
        )
        return FileLoad((article,), ())
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for item in _json_records(relpath, text):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        where, record = item
        try:
            articles.append(_record_article(relpath, record, where))
        except ValueError as exc:
            skipped.append(Skipped(relpath, str(exc)))
    if not articles:
        reasons = "; ".join(s.reason for s in skipped[:3]) or "no records"
        raise ValueError(f"no valid article ({reasons})")
    return FileLoad(tuple(articles), tuple(skipped))


def load_file(path: Path, relpath: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FileLoad:
    """Read and parse one corpus file; an unusable file becomes a single ``Skipped``."""
    return read_file(path, relpath, max_bytes=max_bytes)[1]


def read_file(
    path: Path, relpath: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Fingerprint, FileLoad]:
    """Read one corpus file once: its fingerprint and its articles come from the same bytes.

    An unreadable file (permissions, I/O error, vanished) gets the hash ``UNREADABLE``.
    """
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size > max_bytes:
                fingerprint = Fingerprint(st.st_size, st.st_mtime_ns, "")
                reason = f"file is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit"
                return fingerprint, FileLoad((), (Skipped(relpath, reason),))
            data = fh.read()
    except OSError as exc:
        skip = FileLoad((), (Skipped(relpath, exc.strerror or str(exc)),))
        try:
            st = path.stat()
        except OSError:
            return Fingerprint(-1, -1, UNREADABLE), skip
        return Fingerprint(st.st_size, st.st_mtime_ns, UNREADABLE), skip
    fingerprint = Fingerprint(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())
    try:
        return fingerprint, parse_file(relpath, data, max_bytes=max_bytes)
    except ValueError as exc:
        return fingerprint, FileLoad((), (Skipped(relpath, str(exc)),))


def display_relpath(rel: str) -> str:
    """Return a corpus-relative path that is valid text: undecodable bytes become ``\\xNN``.

    File names that are not UTF-8 (``caf\\xe9.txt`` from a Windows zip) arrive as lone
    surrogates, which no UTF-8 writer accepts; the escaped form is printable and stable.
    """
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def root_prefixes(roots: list[Path]) -> list[str]:
    """Return each root's id prefix: its name, or more of its path where names collide.

    A single root has no prefix. ``a/news`` and ``b/news`` become ``a/news/`` and ``b/news/``.
    """
    if len(roots) <= 1:
        return [""] * len(roots)
    parts = [display_relpath(r.resolve().as_posix()).strip("/").split("/") for r in roots]
    distinct = {tuple(p) for p in parts}
    for depth in range(1, max(len(p) for p in parts) + 1):
        names = ["/".join(p[-depth:]) for p in parts]
        if len(set(names)) == len(distinct):
            return [f"{name}/" for name in names]
    return ["/".join(p) + "/" for p in parts]


def scan_corpus(roots: list[Path]) -> tuple[dict[str, Path], list[Skipped]]:
    """List corpus files as {relpath: path}; unsupported and hidden files are reported."""
    files: dict[str, Path] = {}
    skipped: list[Skipped] = []
    for root, prefix in zip(roots, root_prefixes(roots), strict=True):
        for path in sorted(root.rglob("*")):
            rel = display_relpath(path.relative_to(root).as_posix())
            if any(part.startswith(".") for part in Path(rel).parts) or not path.is_file():
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append(Skipped(prefix + rel, f"unsupported file type '{path.suffix}'"))
                continue
            files[prefix + rel] = path
    return files, skipped
