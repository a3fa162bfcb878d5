"""The line in front of the model, and the per-user limits on questions.

``AnswerQueue`` admits a fixed number of answers at once (the model is the bottleneck); the
rest wait in arrival order and can be told their place. ``UserLimits`` keeps each user to one
question in flight and N questions per minute. Neither touches Telegram.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

Clock = Callable[[], float]


class Ticket:
    """One answer's place in an ``AnswerQueue``; use it as a context manager to release it."""

    def __init__(self, queue: AnswerQueue, future: asyncio.Future[None], joined: float) -> None:
        """Hold the queue, the future that is resolved on admission, and the join time."""
        self._queue = queue
        self._future = future
        self.joined = joined
        self.admitted_at: float | None = None
        self.released = False

    @property
    def position(self) -> int:
        """Return the place in line (1 = next to be admitted), or 0 once admitted."""
        return self._queue.place(self)

    @property
    def waited_s(self) -> float:
        """Return how long the ticket waited for admission (so far, if still waiting)."""
        end = self.admitted_at if self.admitted_at is not None else self._queue.clock()
        return end - self.joined

    async def admitted(self) -> None:
        """Wait until this ticket may run."""
        await self._future

    def grant(self, now: float) -> None:
        """Mark the ticket admitted at ``now`` and wake its waiter."""
        self.admitted_at = now
        # A waiter cancelled meanwhile still holds the slot until it releases in its finally.
        if not self._future.done():
            self._future.set_result(None)

    def release(self) -> None:
        """Give the slot back (or leave the line); calling it again does nothing."""
        if not self.released:
            self.released = True
            self._queue.leave(self)

    def __enter__(self) -> Ticket:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class AnswerQueue:
    """Admit at most ``slots`` answers at once; the others wait first come, first served."""

    def __init__(self, slots: int, *, clock: Clock = time.monotonic) -> None:
        """Create an empty queue with ``slots`` concurrent answers."""
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        self.slots = slots
        self.clock = clock
        self._waiting: deque[Ticket] = deque()
        self._running: set[Ticket] = set()

    @property
    def running(self) -> int:
        """Return how many answers are running."""
        return len(self._running)

    @property
    def waiting(self) -> int:
        """Return how many answers are waiting."""
        return len(self._waiting)

    def join(self) -> Ticket:
        """Take a ticket: admitted at once when a slot is free and nobody waits."""
        ticket = Ticket(self, asyncio.get_running_loop().create_future(), self.clock())
        self._waiting.append(ticket)
        self._admit()
        return ticket

    def place(self, ticket: Ticket) -> int:
        """Return the ticket's place in line (1-based), or 0 when it is not waiting."""
        try:
            return self._waiting.index(ticket) + 1
        except ValueError:
            return 0

    def leave(self, ticket: Ticket) -> None:
        """Remove a ticket (running or waiting) and admit the next ones."""
        self._running.discard(ticket)
        if ticket in self._waiting:
            self._waiting.remove(ticket)
        self._admit()

    def _admit(self) -> None:
        while self._waiting and len(self._running) < self.slots:
            ticket = self._waiting.popleft()
            self._running.add(ticket)
            ticket.grant(self.clock())


@dataclass(frozen=True)
class Refusal:
    """Why a user's question is not taken now: one in flight, or too many this minute."""

    reason: Literal["busy", "rate"]
    retry_after_s: int = 0


class UserLimits:
    """Allow each user one question in flight and ``per_minute`` questions per minute."""

    def __init__(
        self, *, per_minute: int, window_s: float = 60.0, clock: Clock = time.monotonic
    ) -> None:
        """Set the limits; ``clock`` is injectable for tests."""
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self.window_s = window_s
        self._clock = clock
        self._in_flight: set[int] = set()
        self._asked: dict[int, deque[float]] = {}

    def admit(self, user_id: int) -> Refusal | None:
        """Take a question from ``user_id`` (return None) or say why not."""
        if user_id in self._in_flight:
            return Refusal("busy")
        now = self._clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window_s:
            asked.popleft()
        if len(asked) >= self.per_minute:
            return Refusal("rate", max(1, math.ceil(asked[0] + self.window_s - now)))
        asked.append(now)
        self._in_flight.add(user_id)
        return None

    def done(self, user_id: int) -> None:
        """Mark the user's question as finished."""
        self._in_flight.discard(user_id)
        asked = self._asked.get(user_id)
        # Forget idle users so the table does not grow with every user ever seen.
        if asked is not None and (not asked or asked[-1] <= self._clock() - self.window_s):
            del self._asked[user_id]
