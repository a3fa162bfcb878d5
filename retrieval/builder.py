"""Build a new index generation from the corpus, reusing unchanged files of the last one."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.accumulate import MERGE_FRACTION, Accumulator
from retrieval.documents import UNREADABLE, Article, Skipped, display_path, read_file
from retrieval.scanning import scan_corpus
from retrieval.snapshot import BuildParams, FileEntry, Snapshot

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReloadReport:
    """What a reload changed: files added/updated/removed, skipped with reasons, totals."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    articles: int
    chunks: int
    seconds: float
    changed: bool

    def summary(self) -> str:
        """Return a one-line summary."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped; {self.articles} articles, {self.chunks} chunks "
            f"in {self.seconds:.2f} s"
        )

    def lines(self) -> list[str]:
        """Return the full report, one line per fact, skipped files with their reasons."""
        out = [self.summary()]
        out += [f"  added: {display_path(p)}" for p in self.added]
        out += [f"  updated: {display_path(p)}" for p in self.updated]
        out += [f"  removed: {display_path(p)}" for p in self.removed]
        out += [f"  skipped: {display_path(s.path)}: {s.reason}" for s in self.skipped]
        return out


def same_stat(entry: FileEntry, path: Path, st: os.stat_result) -> bool:
    """Tell from ``stat`` alone whether ``path`` is still the file ``entry`` fingerprints."""
    if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
        return False
    # Fixing a file's permissions leaves its mtime alone: retry it once it is readable.
    return entry.sha256 != UNREADABLE or not os.access(path, os.R_OK)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class _Plan:
    """Per-file decisions of one reload."""

    reuse: dict[str, FileEntry]
    parse: dict[str, Path]
    added: list[str]
    updated: list[str]
    removed: list[str]


def _plan(files: dict[str, Path], old: Snapshot | None) -> _Plan:
    """Decide which files are unchanged (size+mtime, else content hash) and which to parse."""
    plan = _Plan({}, {}, [], [], [])
    previous = dict(old.files) if old else {}
    for rel, path in files.items():
        entry = previous.get(rel)
        if entry is None:
            plan.added.append(rel)
            plan.parse[rel] = path
            continue
        try:
            st = path.stat()
            same = same_stat(entry, path, st)
            if not same and st.st_size == entry.size and _sha256(path) == entry.sha256:
                entry = replace(entry, mtime_ns=st.st_mtime_ns)
                same = True
        except OSError:
            same = False
        if same:
            plan.reuse[rel] = entry
        else:
            plan.updated.append(rel)
            plan.parse[rel] = path
    plan.removed = sorted(set(previous) - set(files))
    return plan


@dataclass(frozen=True)
class _FileRead:
    """One file's outcome: its fingerprint (with what was skipped inside it) and its articles
    (None: unchanged, still in the last generation)."""

    entry: FileEntry  # article_ids are filled in by the accumulator
    articles: tuple[Article, ...] | None


def _read(rel: str, path: Path, plan: _Plan, old: Snapshot | None, *, max_bytes: int) -> _FileRead:
    """Take an unchanged file's articles from ``old``, or read it (or say why not)."""
    entry = plan.reuse.get(rel)
    if entry is not None and old is not None:
        return _FileRead(entry, None)
    fingerprint, loaded = read_file(path, rel, max_bytes=max_bytes)
    entry = FileEntry(fingerprint.size, fingerprint.mtime_ns, fingerprint.sha256, (),
                      loaded.skipped)  # fmt: skip
    return _FileRead(entry, loaded.articles)


def build(
    roots: list[Path],
    params: BuildParams,
    *,
    old: Snapshot | None = None,
    max_file_bytes: int,
    progress: Progress | None = None,
    merge_fraction: float = MERGE_FRACTION,
    scratch: Path | None = None,
) -> tuple[Snapshot, ReloadReport]:
    """Scan ``roots`` and build a new snapshot; unchanged files reuse ``old``'s analysis.

    Unchanged articles stay in ``old``'s base segment; the rest go to a delta segment, until
    it outgrows ``merge_fraction`` of the base and everything is merged into a new base
    (written into the new directory ``scratch`` when given, else built in memory).
    """
    t0 = time.perf_counter()
    if old is not None and old.params != params:
        old = None
    files, skipped = scan_corpus(roots)
    plan = _plan(files, old)
    if old is not None and not plan.parse and not plan.removed and plan.reuse == dict(old.files):
        # Nothing changed: keep serving the same generation.
        report = ReloadReport(
            (), (), (), old.skipped, len(old.articles), old.n_chunks,
            time.perf_counter() - t0, changed=False,
        )  # fmt: skip
        return old, report
    for rel, entry in list(plan.reuse.items()):
        # A file that lost an article to a duplicate id is parsed again: the other copy may
        # be gone or changed, and its old skip reason may no longer hold.
        if any(s.reason.startswith("duplicate id ") for s in entry.skipped):
            del plan.reuse[rel]
            plan.parse[rel] = files[rel]
    acc = Accumulator(params, old, scratch=scratch)
    acc.skipped.extend(skipped)
    for n, (rel, path) in enumerate(files.items(), start=1):
        read = _read(rel, path, plan, old, max_bytes=max_file_bytes)
        acc.add(rel, read.entry, read.articles)
        if progress is not None:
            progress(n, len(files))
    snap = acc.snapshot(merge_fraction=merge_fraction)
    # A file that yielded no article is reported once, as skipped, not also as added.
    yielded = {rel for rel, entry in snap.files.items() if entry.article_ids}
    report = ReloadReport(
        added=tuple(rel for rel in plan.added if rel in yielded),
        updated=tuple(rel for rel in plan.updated if rel in yielded),
        removed=tuple(plan.removed),
        skipped=snap.skipped,
        articles=len(snap.articles),
        chunks=snap.n_chunks,
        seconds=time.perf_counter() - t0,
        changed=bool(plan.added or plan.updated or plan.removed) or old is None,
    )
    return snap, report
