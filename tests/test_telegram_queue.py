"""The answer queue (places in line, slots) and per-user limits, with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.queue import AnswerQueue, Refusal, UserLimits, UserTurn


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


def turn(limits: UserLimits, user_id: int) -> UserTurn:
    """Admit a question that must be taken."""
    taken = limits.admit(user_id)
    assert isinstance(taken, UserTurn), taken
    return taken


async def test_a_users_questions_are_answered_in_turn_and_their_line_is_bounded() -> None:
    limits = UserLimits(per_minute=10, per_user=2, clock=Clock())
    first, second = turn(limits, 1), turn(limits, 1)
    assert (first.ahead, second.ahead, limits.pending(1)) == (0, 1, 2)
    assert limits.admit(1) == Refusal("full")
    await asyncio.wait_for(first.ready(), 1)
    other = turn(limits, 2)  # other users are not affected
    await asyncio.wait_for(other.ready(), 1)
    waiting = asyncio.create_task(second.ready())
    await asyncio.sleep(0)
    assert not waiting.done()  # the first question is still being answered
    with first:
        pass
    await asyncio.wait_for(waiting, 1)
    third = turn(limits, 1)  # a place in the line is free again
    assert third.ahead == 1
    third.done()  # a question given up while waiting leaves the line
    second.done()
    second.done()  # twice does nothing
    assert limits.pending(1) == 0 and limits.pending(2) == 1


async def test_user_limits_n_per_minute() -> None:
    clock = Clock()
    limits = UserLimits(per_minute=2, clock=clock)
    turn(limits, 1).done()
    clock.now += 10
    turn(limits, 1).done()
    clock.now += 5
    assert limits.admit(1) == Refusal("rate", 45)  # the first question leaves the window at 60 s
    assert isinstance(limits.admit(2), UserTurn)  # other users are not affected
    clock.now += 45
    assert isinstance(limits.admit(1), UserTurn)


async def test_user_limits_forget_idle_users() -> None:
    clock = Clock()
    limits = UserLimits(per_minute=1, clock=clock)
    turns = [turn(limits, user) for user in range(100)]
    clock.now += 61
    for taken in turns:
        taken.done()
    assert limits._asked == {} and limits._lines == {}
    with pytest.raises(ValueError, match="per_minute must be at least 1"):
        UserLimits(per_minute=0)
    with pytest.raises(ValueError, match="per_user must be at least 1"):
        UserLimits(per_minute=1, per_user=0)
