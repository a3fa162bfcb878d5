"""The line in front of the model, and the per-user limits on questions.

``AnswerQueue`` admits a fixed number of answers at once (the model is the bottleneck); the
rest wait in arrival order and can be told their place. ``UserLimits`` answers each user's
questions in turn (a bounded line per user) and N questions per minute. Neither touches
Telegram.
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
    """Why a user's question is not taken: too many of theirs waiting, or too many a minute."""

    reason: Literal["full", "rate"]
    retry_after_s: int = 0


class UserTurn:
    """One question's turn among its user's questions, which are answered one after another.

    Use it as a context manager: leaving it (answered, failed or cancelled) lets the user's
    next question go.
    """

    def __init__(self, limits: UserLimits, user_id: int, ahead: int) -> None:
        """Hold the limits, the user and how many of their questions are before this one."""
        self._limits = limits
        self.user_id = user_id
        self.ahead = ahead
        self._ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.finished = False

    async def ready(self) -> None:
        """Wait until the user's earlier questions are finished."""
        await self._ready

    def start(self) -> None:
        """Let this question go (its user's earlier ones are finished)."""
        if not self._ready.done():
            self._ready.set_result(None)

    def done(self) -> None:
        """Finish this question (or give up waiting); calling it again does nothing."""
        if not self.finished:
            self.finished = True
            self._limits.finish(self)

    def __enter__(self) -> UserTurn:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.done()


class UserLimits:
    """Answer each user's questions in turn, at most ``per_user`` waiting or running, and take
    at most ``per_minute`` questions a minute from a user."""

    def __init__(
        self,
        *,
        per_minute: int,
        per_user: int = 3,
        window_s: float = 60.0,
        clock: Clock = time.monotonic,
    ) -> None:
        """Set the limits; ``clock`` is injectable for tests."""
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        if per_user < 1:
            raise ValueError(f"per_user must be at least 1, got {per_user}")
        self.per_minute = per_minute
        self.per_user = per_user
        self.window_s = window_s
        self._clock = clock
        self._lines: dict[int, deque[UserTurn]] = {}
        self._asked: dict[int, deque[float]] = {}

    def pending(self, user_id: int) -> int:
        """Return how many of the user's questions are waiting or being answered."""
        return len(self._lines.get(user_id, ()))

    def admit(self, user_id: int) -> UserTurn | Refusal:
        """Take a question from ``user_id`` (its turn comes after their earlier ones), or say
        why not."""
        line = self._lines.get(user_id, deque())
        if len(line) >= self.per_user:
            return Refusal("full")
        now = self._clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window_s:
            asked.popleft()
        if len(asked) >= self.per_minute:
            return Refusal("rate", max(1, math.ceil(asked[0] + self.window_s - now)))
        asked.append(now)
        turn = UserTurn(self, user_id, ahead=len(line))
        line.append(turn)
        self._lines[user_id] = line
        if len(line) == 1:
            turn.start()
        return turn

    def finish(self, turn: UserTurn) -> None:
        """Remove a finished (or abandoned) turn and let the user's next question go."""
        line = self._lines.get(turn.user_id)
        if line is None or turn not in line:
            return
        line.remove(turn)
        if line:
            line[0].start()
            return
        del self._lines[turn.user_id]
        asked = self._asked.get(turn.user_id)
        # Forget idle users so the table does not grow with every user ever seen.
        if asked is not None and (not asked or asked[-1] <= self._clock() - self.window_s):
            del self._asked[turn.user_id]
