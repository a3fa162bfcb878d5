"""Answers already made: the same question on the same index generation costs nothing again.

``AnswerCache`` is a bounded LRU keyed by the normalised question (and quiz options), the
index generation and the model. A reload makes a new generation, so old answers are never
served for it (``clear`` also frees them at once). Identical questions arriving while the
first is still being answered wait for that answer instead of generating their own: in a
group, the same question asked twice in a minute costs one generation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.answering import Answer
from retrieval.snapshot import Snapshot

__all__ = ["AnswerCache", "CacheKey", "Source", "generation_of", "normalise_question"]

Source = Literal["generated", "cached", "joined"]

_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^[\s\"'“”‘’«»(\[]+|[\s?!.,;:\"'“”‘’«»)\]…]+$")


def normalise_question(text: str) -> str:
    """Return the question as a cache key: NFKC, case-folded, spaces and end marks collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _EDGE.sub("", _SPACE.sub(" ", folded))


def generation_of(snap: Snapshot) -> tuple[float, int, int]:
    """Identify an index generation (the same after a restart, new after any reload)."""
    return (snap.built_at, len(snap.articles), snap.n_chunks)


@dataclass(frozen=True)
class CacheKey:
    """What makes two questions the same question."""

    question: str  # normalised
    choices: tuple[str, ...]  # normalised quiz options, in the order given
    generation: tuple[float, int, int]  # the index generation: built_at, articles, chunks
    model: str

    @classmethod
    def of(
        cls,
        question: str,
        choices: Sequence[str] | None,
        *,
        generation: tuple[float, int, int],
        model: str,
    ) -> CacheKey:
        """Build the key of a question asked against an index generation and a model."""
        options = tuple(normalise_question(c) for c in choices or ())
        return cls(normalise_question(question), options, generation, model)


class AnswerCache:
    """A bounded LRU of answers with in-flight coalescing; use it from one event loop."""

    def __init__(self, capacity: int) -> None:
        """Keep up to ``capacity`` answers (0 turns caching and coalescing off)."""
        if capacity < 0:
            raise ValueError(f"capacity must be 0 or more, got {capacity}")
        self.capacity = capacity
        self._answers: OrderedDict[CacheKey, Answer] = OrderedDict()
        self._inflight: dict[CacheKey, asyncio.Future[Answer]] = {}
        self.hits = 0
        self.joins = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: CacheKey) -> Answer | None:
        """Return the stored answer for ``key`` (now the most recently used), or None."""
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: CacheKey, answer: Answer) -> None:
        """Store ``answer``, dropping the least recently used one beyond the capacity."""
        if self.capacity == 0:
            return
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)

    def clear(self) -> None:
        """Forget every stored answer (after a reload); answers in flight still finish."""
        self._answers.clear()

    async def answer(
        self,
        key: CacheKey,
        question: str,
        compute: Callable[[], Awaitable[Answer]],
        *,
        keep: Callable[[Answer], bool] = lambda _: True,
    ) -> tuple[Answer, Source]:
        """Return the answer to ``question``: stored, joined to the same one in flight, or new.

        ``compute`` makes a new answer; ``keep`` says whether it may be stored (not, say, one
        made while the model was unavailable). A joined or stored answer carries this
        asker's own wording of the question.
        """
        stored = self.get(key)
        if stored is not None:
            self.hits += 1
            return _asked(stored, question), "cached"
        running = self._inflight.get(key)
        if running is not None:
            self.joins += 1
            return _asked(await asyncio.shield(running), question), "joined"
        if self.capacity == 0:
            self.misses += 1
            return await compute(), "generated"
        return await self._compute(key, compute, keep), "generated"

    async def _compute(
        self,
        key: CacheKey,
        compute: Callable[[], Awaitable[Answer]],
        keep: Callable[[Answer], bool],
    ) -> Answer:
        self.misses += 1
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await compute()
        except BaseException as exc:
            # Those waiting get the same failure (each asker then gets the usual apology).
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # retrieved: asyncio must not log it when nobody waited
            else:
                future.cancel()
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(answer)
        if keep(answer):
            self.put(key, answer)
        return answer


def _asked(answer: Answer, question: str) -> Answer:
    """Return ``answer`` as the answer to this wording of the question."""
    return answer if answer.question == question else dataclasses.replace(answer, question=question)
