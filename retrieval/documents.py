"""Load and validate corpus files into ``Article`` values (one bad file never stops the rest)."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from retrieval.binarydocs import parse_docx, parse_pdf
from retrieval.dates import dateline_date, dateline_source, iso_date, url_source
from retrieval.htmltext import extract_html

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf", ".docx"})
DEFAULT_MAX_BYTES = 10_000_000
_TITLE_MAX_CHARS = 150
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_KNOWN_FIELDS = ("id", "title", "url", "date", "source", "text")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
# A dateline opens the body: "Bisnis.com, JAKARTA -", "JAKARTA, 11 September 2023 -",
# "Jakarta, Kompas.com -", "JAKARTA (ANTARA) -", "WASHINGTON, Sept 11 (Reuters) -".
_WORD = r"[\w.()/'’]+"
_DATELINE_RE = re.compile(
    rf"^\s*(?:[\w.]+(?:\s[\w.]+){{0,2}},\s+{_WORD}(?:\s{_WORD}){{0,4}}"
    r"|[A-Z][A-Z.]+(?:\s[A-Z][A-Z.]+){0,2}\s*\([^()\n]{1,40}\))"
    r"\s+[-–—]+\s+\S"
)
# Records nest a few levels at most; deeper ones would meet the recursion limit downstream.
MAX_JSON_DEPTH = 64
_TOO_DEEP = "JSON nested too deeply to parse"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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


def display_path(relpath: str) -> str:
    """Escape control and format characters (newline, ESC, bidi) so a path prints as one line."""
    if relpath.isprintable():
        return relpath
    out = []
    for ch in relpath:
        if ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _decode(data: bytes) -> str:
    """Decode UTF-8 text, or UTF-16/32 with a BOM, or raise ``ValueError`` with a reason."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ValueError(f"not valid {codec.upper()} (byte {exc.start})") from None
            return text.replace("\r\n", "\n").replace("\r", "\n")
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
    return bool(_DATELINE_RE.match(line)) or dateline_source(line) is not None


def _nested_deeper(value: object, limit: int) -> bool:
    """Tell whether a JSON value nests lists/objects more than ``limit`` levels deep."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return False


def _record_article(relpath: str, record: object, where: str) -> Article:
    """Validate one JSON record and build its article (raise ``ValueError`` when invalid)."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if _nested_deeper(record, MAX_JSON_DEPTH):
        raise ValueError(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
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


def _html_article(relpath: str, html: str) -> Article:
    """Build an article from an HTML page's main text and metadata (raise if it has none)."""
    page = extract_html(html)
    if not page.text.strip():
        raise ValueError("no readable text in the HTML")
    metadata: dict[str, Any] = {"author": page.author} if page.author else {}
    if page.notes:
        metadata["notes"] = list(page.notes)
    return Article(
        id=path_id(relpath),
        title=page.title,
        text=page.text,
        url=page.url,
        date=page.date,
        path=relpath,
        metadata=metadata,
        source=page.source,
    )


def _paged_article(relpath: str, data: bytes, suffix: str) -> Article:
    """Build an article from a PDF or DOCX; ``metadata["pages"]`` holds page start offsets."""
    if not data.strip():
        raise ValueError("empty file")
    doc = parse_pdf(data) if suffix == ".pdf" else parse_docx(data)
    metadata: dict[str, Any] = {"pages": list(doc.pages)} if doc.pages else {}
    if doc.notes:
        metadata["notes"] = list(doc.notes)
    first = doc.text.partition("\n")[0].strip()
    title = doc.title or (first if _looks_like_title(first) else "")
    return Article(
        id=path_id(relpath),
        title=title,
        text=doc.text,
        date=_lead_date(doc.text) or doc.date,
        path=relpath,
        metadata=metadata,
        source=dateline_source(doc.text),
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
            except RecursionError:
                yield Skipped(f"{relpath}:{lineno}", _TOO_DEEP)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
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
    if suffix in (".pdf", ".docx"):
        return FileLoad((_paged_article(relpath, data, suffix),), ())
    text = _decode(data)
    if not text.strip():
        raise ValueError("empty file")
    if suffix in (".txt", ".md"):
        return FileLoad((_plain_article(relpath, text, markdown=suffix == ".md"),), ())
    if suffix in (".html", ".htm"):
        return FileLoad((_html_article(relpath, text),), ())
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


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file without following a final symbolic link or blocking on a FIFO.

    The scan checked what ``path`` is; this checks again on the open descriptor, so a file
    swapped for a link, a pipe or a device in between is refused (``ValueError``), not read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if os.path.islink(path):
            raise ValueError("symbolic link (not followed)") from None
        raise
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise ValueError("not a regular file")
    return handle


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
        with open_regular(path) as fh:
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
    except ValueError as exc:  # not a regular file any more: read again once it is one
        return Fingerprint(-1, -1, UNREADABLE), FileLoad((), (Skipped(relpath, str(exc)),))
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
