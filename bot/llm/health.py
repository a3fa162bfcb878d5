"""Whether the model server answers: fail fast while it is down, try it again by itself."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import ModelUnavailable

__all__ = ["Health", "HealthReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthReport:
    """What /stats shows about the model server."""

    available: bool
    since: datetime | None  # when it became unavailable (None while available)
    reason: str  # the last failure, "" while available
    failures: int  # failed requests since it became unavailable


class Health:
    """A circuit breaker: after a failure, requests fail at once until ``recovery_s`` passed.

    Then the next request tries the server again (and a failure closes the door for another
    ``recovery_s``); its success marks the server available. So a dead server costs one
    timeout per ``recovery_s``, not one per question, and recovery needs nobody.
    """

    def __init__(self, *, recovery_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Start available; ``clock`` is injectable for tests."""
        if recovery_s < 0:
            raise ValueError(f"recovery_s must be 0 or more, got {recovery_s}")
        self.recovery_s = recovery_s
        self._clock = clock
        self._lock = threading.Lock()
        self._since: datetime | None = None
        self._reason = ""
        self._failures = 0
        self._retry_at = 0.0

    def check(self) -> None:
        """Raise ModelUnavailable while the server is known down and not due for a retry."""
        with self._lock:
            if self._since is None or self._clock() >= self._retry_at:
                return
            reason, retry_in = self._reason, self._retry_at - self._clock()
        raise ModelUnavailable(f"{reason} (trying again in {retry_in:.0f} s)")

    def failed(self, reason: str) -> None:
        """Record a failed request: the server is unavailable for the next ``recovery_s``."""
        with self._lock:
            first = self._since is None
            if first:
                self._since = datetime.now(UTC)
            self._reason = reason
            self._failures += 1
            self._retry_at = self._clock() + self.recovery_s
        if first:
            log.warning(
                "model unavailable: %s; answering from the sources, retrying every %.0f s",
                reason,
                self.recovery_s,
            )

    def succeeded(self) -> None:
        """Record a successful request: the server is available again."""
        with self._lock:
            since, failures = self._since, self._failures
            self._since, self._reason, self._failures = None, "", 0
        if since is not None:
            down_s = (datetime.now(UTC) - since).total_seconds()
            log.warning("model available again after %.0f s (%d failed requests)", down_s, failures)

    @property
    def available(self) -> bool:
        """Tell whether the last request succeeded (no failure recorded since)."""
        with self._lock:
            return self._since is None

    def report(self) -> HealthReport:
        """Return the current state."""
        with self._lock:
            return HealthReport(self._since is None, self._since, self._reason, self._failures)
