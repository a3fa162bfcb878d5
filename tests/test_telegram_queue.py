"""The answer queue (places in line, slots) and per-user limits, with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.queue import AnswerQueue, Refusal, UserLimits


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_one_slot_admits_in_arrival_order_and_tells_places() -> None:
    clock = Clock()
    queue = AnswerQueue(1, clock=clock)
    first, second, third = queue.join(), queue.join(), queue.join()
    assert [first.position, second.position, third.position] == [0, 1, 2]
    assert (queue.running, queue.waiting) == (1, 2)
    await asyncio.wait_for(first.admitted(), 1)

    clock.now += 3
    first.release()
    await asyncio.wait_for(second.admitted(), 1)
    assert [second.position, third.position] == [0, 1]
    assert second.waited_s == 3.0
    assert not third._future.done()  # still waiting: one slot only

    second.release()
    second.release()  # releasing twice frees one slot only
    await asyncio.wait_for(third.admitted(), 1)
    assert (queue.running, queue.waiting) == (1, 0)
    third.release()
    assert (queue.running, queue.waiting) == (0, 0)


async def test_two_slots_run_two_answers_at_once() -> None:
    queue = AnswerQueue(2)
    tickets = [queue.join() for _ in range(3)]
    assert [t.position for t in tickets] == [0, 0, 1]
    with tickets[1]:
        pass  # leaving the block releases the ticket
    await asyncio.wait_for(tickets[2].admitted(), 1)
    assert queue.running == 2


async def test_a_waiter_that_gives_up_leaves_the_line() -> None:
    queue = AnswerQueue(1)
    running, quitter, patient = queue.join(), queue.join(), queue.join()
    waiting = asyncio.ensure_future(quitter.admitted())
    await asyncio.sleep(0)
    waiting.cancel()
    quitter.release()
    assert patient.position == 1
    running.release()
    await asyncio.wait_for(patient.admitted(), 1)
    assert queue.running == 1


async def test_a_cancelled_admitted_waiter_gives_its_slot_back_on_release() -> None:
    queue = AnswerQueue(1)
    running, next_one, last = queue.join(), queue.join(), queue.join()
    running.release()  # next_one is admitted while nobody awaits it
    assert next_one.position == 0 and queue.running == 1
    next_one.release()
    await asyncio.wait_for(last.admitted(), 1)


def test_slots_must_be_positive() -> None:
    with pytest.raises(ValueError, match="slots must be at least 1, got 0"):
        AnswerQueue(0)


def test_user_limits_one_in_flight_and_n_per_minute() -> None:
    clock = Clock()
    limits = UserLimits(per_minute=2, clock=clock)
    assert limits.admit(1) is None
    assert limits.admit(1) == Refusal("busy")
    assert limits.admit(2) is None  # other users are not affected
    limits.done(1)
    clock.now += 10
    assert limits.admit(1) is None
    limits.done(1)
    clock.now += 5
    assert limits.admit(1) == Refusal("rate", 45)  # the first question leaves the window at 60 s
    clock.now += 45
    assert limits.admit(1) is None


def test_user_limits_forget_idle_users() -> None:
    clock = Clock()
    limits = UserLimits(per_minute=1, clock=clock)
    for user in range(100):
        assert limits.admit(user) is None
    clock.now += 61
    for user in range(100):
        limits.done(user)
    assert limits._asked == {}
    with pytest.raises(ValueError, match="per_minute must be at least 1"):
        UserLimits(per_minute=0)
