"""List the files of a corpus: only regular files inside a corpus root, the rest reported."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.documents import SUPPORTED_SUFFIXES, Skipped, display_relpath, root_prefixes

ListDir = Callable[[Path], list[str]]

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _list_dir(path: Path) -> list[str]:
    """Return the entry names of a directory, sorted."""
    return sorted(os.listdir(path))


def _oserror_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _special_kind(mode: int) -> str:
    """Name a file type that is neither a regular file nor a directory."""
    return next((name for test, name in _KINDS if test(mode)), "an unknown file type")


def _follow(path: Path, real_roots: Sequence[Path]) -> tuple[Path, os.stat_result] | str:
    """Resolve a symbolic link to (target, its stat), or return why it is not followed."""
    try:
        target = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        return "dangling symbolic link (its target does not exist)"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"symbolic link cannot be resolved: {_oserror_reason(exc)}"
    if not any(target == root or target.is_relative_to(root) for root in real_roots):
        # The target is not named: the report reaches chat admins, and the path is the leak.
        return "symbolic link pointing outside the corpus"
    try:
        return target, target.stat()
    except OSError as exc:
        return f"symbolic link target cannot be read: {_oserror_reason(exc)}"


def _classify(path: Path, real_roots: Sequence[Path]) -> tuple[str, Path] | str:
    """Return ("file" | "dir", path to read) for an entry, or why it is skipped."""
    try:
        st = path.lstat()
    except OSError as exc:
        return _oserror_reason(exc)
    is_link = stat.S_ISLNK(st.st_mode)
    if is_link:
        followed = _follow(path, real_roots)
        if isinstance(followed, str):
            return followed
        path, st = followed
    if stat.S_ISDIR(st.st_mode):
        # Linked directories are not walked: they could repeat the corpus or loop.
        return "symbolic link to a directory (not followed)" if is_link else ("dir", path)
    if not stat.S_ISREG(st.st_mode):
        return f"not a regular file ({_special_kind(st.st_mode)})"
    return "file", path


def scan_corpus(
    roots: list[Path], *, list_dir: ListDir = _list_dir
) -> tuple[dict[str, Path], list[Skipped]]:
    """List corpus files as {relpath: path to read}; every other entry is reported once.

    Hidden names (``.git``, ``.env``) are ignored. Only regular files whose resolved path is
    inside a corpus root are listed; symbolic links out of the roots, loops, dangling links,
    FIFOs, sockets, devices, unreadable directories and unsupported types are skipped with
    a reason. ``list_dir`` is the one place that reads directories (tests inject faults).
    """
    files: dict[str, Path] = {}
    skipped: list[Skipped] = []
    real_roots = [Path(os.path.realpath(root)) for root in roots]
    for root, prefix in zip(roots, root_prefixes(roots), strict=True):
        # Depth-first in path order (the order files load in), on an explicit stack:
        # directory depth is corpus data and must not meet the recursion limit.
        stack: list[tuple[Path, str] | None] = [None]
        while stack:
            entry = stack.pop()
            directory, rel_dir = (root, "") if entry is None else entry
            if entry is not None:
                kind = _classify(directory, real_roots)
                if isinstance(kind, str):
                    skipped.append(Skipped(prefix + rel_dir, kind))
                    continue
                if kind[0] == "file":
                    _add_file(files, skipped, prefix + rel_dir, kind[1])
                    continue
            try:
                names = list_dir(directory)
            except OSError as exc:
                where = (prefix + rel_dir).rstrip("/") or str(root)
                skipped.append(Skipped(where, f"directory cannot be read: {_oserror_reason(exc)}"))
                continue
            base = f"{rel_dir}/" if rel_dir else ""
            stack.extend(
                (directory / name, base + display_relpath(name))
                for name in reversed(names)
                if name[:1] != "."
            )
    return files, skipped


def _add_file(files: dict[str, Path], skipped: list[Skipped], rel: str, path: Path) -> None:
    """List a regular file of a supported type, or report its type."""
    suffix = Path(rel).suffix
    if suffix.lower() in SUPPORTED_SUFFIXES:
        files[rel] = path
    else:
        skipped.append(Skipped(rel, f"unsupported file type '{suffix}'"))
