"""Feeds and the stories already seen, kept in one JSON file in the data directory."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from retrieval.errors import WartaError

STATE_FILE = "ingest/state.json"
LOCK_FILE = "ingest/poll.lock"
MAX_BACKOFF_S = 24 * 3600.0


class PollBusyError(WartaError):
    """Another poll (in this process or another one) is running."""


@dataclass
class Feed:
    """One subscribed feed and how its polls went."""

    id: int
    url: str
    title: str = ""
    added_at: float = 0.0
    last_poll: float | None = None
    last_ok: float | None = None
    last_status: str = "never polled"
    items: int = 0  # articles added from this feed, in all
    errors: int = 0  # consecutive failed polls
    etag: str | None = None
    last_modified: str | None = None
    next_poll: float = 0.0  # not polled before this (backoff after errors)

    def failed(self, reason: str, *, now: float, interval_s: float) -> None:
        """Record a failed poll and back off: interval × 2^(errors-1), at most a day."""
        self.errors += 1
        self.last_poll = now
        self.last_status = f"error: {reason}"
        self.next_poll = now + min(interval_s * 2 ** (self.errors - 1), MAX_BACKOFF_S)

    def succeeded(self, status: str, *, now: float) -> None:
        """Record a poll that worked."""
        self.errors = 0
        self.last_poll = self.last_ok = now
        self.last_status = status
        self.next_poll = 0.0


@dataclass
class IngestState:
    """Feeds, and every story added (canonical URL and text hash → file, time added)."""

    feeds: list[Feed] = field(default_factory=list)
    seen_urls: dict[str, list[object]] = field(default_factory=dict)
    seen_hashes: dict[str, list[object]] = field(default_factory=dict)
    next_id: int = 1

    def feed(self, feed_id: int) -> Feed | None:
        """Return the feed with ``feed_id``, or None."""
        return next((f for f in self.feeds if f.id == feed_id), None)

    def remember(self, url: str, digest: str, file: str, *, now: float) -> None:
        """Mark a story as added, so neither its URL nor its text is added again."""
        self.seen_urls[url] = [file, now]
        self.seen_hashes[digest] = [file, now]

    def forget_before(self, cutoff: float) -> None:
        """Drop seen entries older than ``cutoff`` (feeds have long dropped those items)."""
        for seen in (self.seen_urls, self.seen_hashes):
            for key in [k for k, (_, when) in seen.items() if float(when) < cutoff]:  # type: ignore[arg-type]
                del seen[key]


def load_state(data_dir: Path) -> IngestState:
    """Read the state file (a missing file is an empty state; a broken one is an error)."""
    path = data_dir / STATE_FILE
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return IngestState()
    except (OSError, ValueError) as exc:
        raise WartaError(f"feed state {path} is unreadable: {exc}") from None
    names = {f.name for f in fields(Feed)}
    try:
        feeds = [Feed(**{k: v for k, v in f.items() if k in names}) for f in raw["feeds"]]
        return IngestState(feeds, dict(raw["seen_urls"]), dict(raw["seen_hashes"]),
                           int(raw["next_id"]))  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise WartaError(f"feed state {path} is malformed: {exc}") from None


def save_state(data_dir: Path, state: IngestState) -> None:
    """Write the state atomically (temporary file, fsync, rename)."""
    path = data_dir / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "feeds": [asdict(f) for f in state.feeds],
        "seen_urls": state.seen_urls,
        "seen_hashes": state.seen_hashes,
        "next_id": state.next_id,
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def poll_lock(data_dir: Path) -> Iterator[None]:
    """Hold the poll lock (across processes: the bot and a cron `warta feed poll`)."""
    path = data_dir / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PollBusyError("a feed poll is already running") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def now() -> float:
    """Return the wall-clock time (seconds since the epoch) for state timestamps."""
    return time.time()
