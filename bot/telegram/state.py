"""The bot's application state: heavy objects loaded once, limits, counters, last reload."""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.answer_cache import AnswerCache
from bot.answering import Answerer
from bot.conversation import Memory
from bot.feedback import FEEDBACK_DB, FeedbackStore
from bot.llm.health import HealthReport
from bot.llm.remote import RemoteGenerator
from bot.settings import Settings
from bot.telegram.feedback import Feedback
from bot.telegram.queue import AnswerQueue, UserLimits
from bot.telegram.sources import SourceKeys
from bot.telegram.streaming import Drafts
from retrieval.builder import ReloadReport
from retrieval.store import CorpusIndex

_KEPT = 1000  # recent latencies kept for the percentiles


@dataclass
class Stats:
    """Counters for /stats: uptime, answers and their recent latencies and queue waits."""

    started: float = field(default_factory=time.monotonic)
    answered: int = 0
    latencies_s: deque[float] = field(default_factory=lambda: deque(maxlen=_KEPT))
    waits_s: deque[float] = field(default_factory=lambda: deque(maxlen=_KEPT))

    def record(self, *, latency_s: float, wait_s: float) -> None:
        """Count one answered question."""
        self.answered += 1
        self.latencies_s.append(latency_s)
        self.waits_s.append(wait_s)

    def p50_s(self) -> float | None:
        """Return the median latency of recent answers, or None before the first."""
        return statistics.median(self.latencies_s) if self.latencies_s else None

    def uptime_s(self) -> float:
        """Return the seconds since the bot started."""
        return time.monotonic() - self.started


@dataclass(frozen=True)
class ReloadRecord:
    """The outcome of the last reload: its report, or the reason it failed."""

    finished_at: datetime
    report: ReloadReport | None
    error: str | None = None


@dataclass
class BotState:
    """Everything the handlers share; built once by ``serve`` (or a test) and passed in."""

    settings: Settings
    index: CorpusIndex
    answerer: Answerer
    queue: AnswerQueue
    limits: UserLimits
    sources: SourceKeys
    feedback: Feedback
    drafts: Drafts
    memory: Memory
    answer_cache: AnswerCache = field(default_factory=lambda: AnswerCache(0))
    stats: Stats = field(default_factory=Stats)
    last_reload: ReloadRecord | None = None
    # Set on the event loop by /reload and uploads, so a second one is refused at once.
    reloading: bool = False

    @classmethod
    def create(cls, settings: Settings, index: CorpusIndex, answerer: Answerer) -> BotState:
        """Build the state with the queue and limits from settings."""
        return cls(
            settings=settings,
            index=index,
            answerer=answerer,
            # A model in process answers one at a time whatever the setting says.
            queue=AnswerQueue(
                min(settings.max_concurrent_answers, answerer.generator.capabilities.parallel)
            ),
            answer_cache=AnswerCache(settings.answer_cache_size),
            limits=UserLimits(
                per_minute=settings.user_questions_per_minute,
                per_user=settings.user_pending_questions,
            ),
            sources=SourceKeys(settings.data_dir / "telegram" / "source_keys.json"),
            feedback=Feedback(FeedbackStore(settings.data_dir / FEEDBACK_DB)),
            drafts=Drafts(enabled=settings.stream_drafts),
            memory=Memory(
                window_s=settings.followup_window_s, max_chats=settings.conversation_chats
            ),
        )

    @property
    def model_health(self) -> HealthReport | None:
        """Return the model server's health, or None for a model in process."""
        generator = self.answerer.generator
        return generator.health.report() if isinstance(generator, RemoteGenerator) else None

    @property
    def model_available(self) -> bool:
        """Tell whether the model answers (always, in process; a server: its last request)."""
        health = self.model_health
        return health is None or health.available

    @property
    def model_name(self) -> str:
        """Return the name of the model writing the answers."""
        return self.answerer.generator.name

    def is_admin(self, user_id: int | None) -> bool:
        """Tell whether a numeric user id is one of the configured admins."""
        return user_id is not None and user_id in self.settings.admin_ids

    def is_allowed(self, user_id: int | None, chat_id: int | None) -> bool:
        """Tell whether the allow-list (empty: everyone) lets this user or chat in."""
        allowed = self.settings.allowed_ids
        if not allowed or self.is_admin(user_id):
            return True
        return (user_id is not None and user_id in allowed) or (
            chat_id is not None and chat_id in allowed
        )
