"""The live index of one corpus: persisted generations, atomic swap, one reload at a time."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retrieval.accumulate import MERGE_FRACTION
from retrieval.builder import Progress, ReloadReport, build, same_stat
from retrieval.documents import DEFAULT_MAX_BYTES
from retrieval.errors import (
    CorpusError,
    IndexBusyError,
    IndexFormatError,
    IndexWriteError,
    ReloadInProgressError,
)
from retrieval.scanning import scan_corpus
from retrieval.snapshot import DEFAULT_IDF, BuildParams, Snapshot, read_snapshot, write_snapshot

log = logging.getLogger(__name__)

_CURRENT = "CURRENT"


def corpus_key(roots: list[Path]) -> str:
    """Name the index directory of a corpus (stable for the same set of directories)."""
    resolved = sorted(str(r.resolve()) for r in roots)
    digest = hashlib.sha256("\n".join(resolved).encode()).hexdigest()[:12]
    name = "+".join(Path(r).name for r in resolved)[:40] or "corpus"
    return f"{name}-{digest}"


class CorpusIndex:
    """Serve searches from the current snapshot while reloads build the next one beside it."""

    def __init__(
        self,
        roots: list[Path],
        data_dir: Path,
        *,
        chunk_chars: int = 600,
        overlap_chars: int = 120,
        idf_mode: str = DEFAULT_IDF,
        max_file_bytes: int = DEFAULT_MAX_BYTES,
        merge_fraction: float = MERGE_FRACTION,
    ) -> None:
        if not roots:
            raise CorpusError("no corpus directory given")
        for root in roots:
            if not root.is_dir():
                raise CorpusError(f"corpus directory {root} does not exist or is not a directory")
        self.roots = list(roots)
        self.params = BuildParams(chunk_chars, overlap_chars, idf_mode)
        self.max_file_bytes = max_file_bytes
        self.merge_fraction = merge_fraction
        self.directory = data_dir / "indexes" / corpus_key(self.roots)
        self._snapshot: Snapshot | None = None
        self._reload_lock = threading.Lock()
        self.last_report: ReloadReport | None = None
        self.load_error: str | None = None

    @property
    def snapshot(self) -> Snapshot:
        """Return the generation serving searches now (load or build it on first use)."""
        snap = self._snapshot
        if snap is None:
            self.open()
            snap = self._snapshot
            assert snap is not None
        return snap

    @property
    def reloading(self) -> bool:
        """Tell whether a reload is running in this process."""
        return self._reload_lock.locked()

    def load(self) -> bool:
        """Load the persisted index without building; tell whether there was a usable one.

        When there was none, ``load_error`` says why (None: no index was built yet).
        """
        snap = self._load_persisted()
        if snap is not None:
            self._snapshot = snap
        return snap is not None

    def open(self, *, sync: bool = True) -> ReloadReport | None:
        """Load the persisted index (rebuild it when missing/corrupt/old); sync with the corpus.

        A reader never waits for or fails on a writer: while another process rebuilds, or
        when the index directory cannot be written, the last generation keeps serving (and
        without one this process builds its own, in memory).
        """
        if self.load():
            assert self._snapshot is not None
            if not (sync and self._stale(self._snapshot)):
                return None
        else:
            log.info("building the index of %s in %s", self.roots, self.directory)
        try:
            return self.reload()
        except (IndexBusyError, IndexWriteError) as exc:
            return self._serve_unsaved(exc)

    def _serve_unsaved(self, reason: Exception) -> ReloadReport | None:
        """Keep the last generation when this process cannot save a new one (else build one)."""
        if self._snapshot is not None:
            log.warning("%s; serving the last index generation", reason)
            return None
        log.warning("%s; building the index in memory for this process", reason)
        snap, report = build(self.roots, self.params, max_file_bytes=self.max_file_bytes)
        self._snapshot, self.last_report = snap, report
        return report

    def _load_persisted(self) -> Snapshot | None:
        self.load_error = None
        name = self._current()
        for _attempt in range(2):
            if name is None:
                log.debug("no index at %s yet", self.directory)
                return None
            try:
                return read_snapshot(self.directory / name, expected=self.params)
            except IndexFormatError as exc:
                # A writer may have swapped in a new generation and deleted this one meanwhile.
                again = self._current()
                if again != name:
                    name = again
                    continue
                self.load_error = str(exc)
                log.warning("rebuilding the index: %s", exc)
                return None
        return None

    def _current(self) -> str | None:
        """Return the generation CURRENT names, or None when there is none (or it is unreadable)."""
        try:
            return (self.directory / _CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self.load_error = f"cannot read {self.directory / _CURRENT}: {exc}"
            log.warning("rebuilding the index: %s", self.load_error)
            return None

    def _stale(self, snap: Snapshot) -> bool:
        """Tell cheaply (stat only) whether the corpus differs from ``snap``'s fingerprints."""
        files, _ = scan_corpus(self.roots)
        if set(files) != set(snap.files):
            return True
        for rel, path in files.items():
            try:
                st = path.stat()
            except OSError:
                return True
            if not same_stat(snap.files[rel], path, st):
                return True
        return False

    def reload(self, *, progress: Progress | None = None, rebuild: bool = False) -> ReloadReport:
        """Re-scan the corpus, build the next generation beside this one and swap it in.

        ``rebuild`` analyses every file again instead of reusing the last generation.
        """
        if not self._reload_lock.acquire(blocking=False):
            raise ReloadInProgressError("a reload is already running; try again when it ends")
        try:
            with self._process_lock():
                snap, report = build(
                    self.roots,
                    self.params,
                    old=None if rebuild else self._snapshot,
                    max_file_bytes=self.max_file_bytes,
                    progress=progress,
                    merge_fraction=self.merge_fraction,
                    # A merged base streams its arrays to disk here; the generation links them.
                    scratch=self.directory / f".merge-{time.time_ns()}.tmp",
                )
                if snap is not self._snapshot:
                    written = self._persist(snap)
                    # Serve the generation as written, memory-mapped: the forward index (read
                    # only by the next reload) stays on disk instead of in RAM, and the files
                    # are proven readable before the swap. The base segment, when it is the
                    # last generation's (linked, already verified), is not read again.
                    old = self._snapshot.segments if self._snapshot is not None else ()
                    reuse = (*old, *snap.segments)
                    del snap  # its lookup tables go before the generation's own are made
                    self._snapshot = read_snapshot(written, expected=self.params, reuse=reuse)
                self.last_report = report
                return report
        finally:
            self._reload_lock.release()

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """Hold a file lock so two processes never write the same index at once."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory / "reload.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise IndexWriteError(
                f"cannot write the index in {self.directory} ({exc.strerror or exc}); "
                "reloads are not saved"
            ) from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusyError(
                    f"another process is rebuilding the index in {self.directory}"
                ) from None
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _persist(self, snap: Snapshot) -> Path:
        """Write ``snap`` as a new generation, point CURRENT at it atomically; return its path."""
        name = f"gen-{time.time_ns()}"
        try:
            tmp = self.directory / f".{name}.tmp"
            write_snapshot(snap, tmp)
            os.replace(tmp, self.directory / name)
            pointer = self.directory / f".{_CURRENT}.tmp"
            pointer.write_text(name, encoding="utf-8")
            with open(pointer, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer, self.directory / _CURRENT)
        except OSError as exc:
            raise IndexWriteError(
                f"cannot write a new index generation in {self.directory}: {exc.strerror or exc}"
            ) from exc
        self._cleanup(keep=name)
        return self.directory / name

    def _cleanup(self, *, keep: str) -> None:
        """Delete older generations and leftovers of crashed builds (mapped files stay valid)."""
        for path in self.directory.iterdir():
            if path.is_dir() and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)
