"""Run Warta's real Telegram application against the fake Bot API, for end-to-end tests.

``running_bot`` builds the state and application with the production functions
(``load_state``, ``build_application``, ``run``) — only the language model is a fake — and
stops the bot on exit, which waits for every update being handled.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import i18n
from bot.llm import Generation, Generator, Prompt, TokenCallback
from bot.settings import Settings
from bot.telegram.app import App, build_application, load_state, run
from bot.telegram.state import BotState
from retrieval.builder import Progress, ReloadReport
from retrieval.store import CorpusIndex
from tests.builders import env_without_warta
from tests.fakebotapi import BotMessage, FakeBotAPI, FakeChat, FakeUser
from tests.fakes import FakeGenerator

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ADMIN_ID = 4242
SEED_QUESTION = "Dengan apa Kim Jong-un berangkat ke Rusia?"
SEED_OUTPUT = "kereta api lapis baja"
SEED_ANSWER = "Kereta api lapis baja [1]."
ABSTAIN = {i18n.text("abstain", "id"), i18n.text("abstain", "en")}


class GatedGenerator(FakeGenerator):
    """A FakeGenerator that waits for the test to open ``gate``.

    It waits before generating, or with ``pause_after=n`` after streaming ``n`` pieces.
    """

    def __init__(self, *outputs: str, pause_after: int | None = None) -> None:
        super().__init__(*outputs)
        self.pause_after = pause_after
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Semaphore(0)

    async def started(self, *, timeout: float = 10) -> None:
        """Wait until a generation reached the gate."""
        if not await asyncio.to_thread(self.entered.acquire, True, timeout):
            raise TimeoutError("no generation started")

    def _wait(self) -> None:
        self.entered.release()
        if not self.gate.wait(timeout=30):
            raise TimeoutError("the test never opened the generator gate")

    def generate(
        self, prompt: Prompt, *, max_tokens: int, on_token: TokenCallback | None = None
    ) -> Generation:
        if self.pause_after is None:
            self._wait()
            return super().generate(prompt, max_tokens=max_tokens, on_token=on_token)
        seen = [0]

        def pausing(piece: str) -> None:
            if on_token is not None:
                on_token(piece)
            seen[0] += 1
            if seen[0] == self.pause_after:
                self._wait()

        return super().generate(prompt, max_tokens=max_tokens, on_token=pausing)


class GatedIndex(CorpusIndex):
    """A CorpusIndex whose reloads pause after the first file until the test opens ``gate``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def reload(self, *, progress: Progress | None = None) -> ReloadReport:
        first = [True]

        def gated(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            if first[0]:
                first[0] = False
                self.entered.set()
                if not self.gate.wait(timeout=30):
                    raise TimeoutError("the test never opened the reload gate")

        return super().reload(progress=gated)


def is_final(message: BotMessage) -> bool:
    """Tell whether a bot message is a finished answer (cited, or an abstention)."""
    return bool(message.buttons) or message.text in ABSTAIN


@dataclass
class Harness:
    """A running bot, the fake Telegram it talks to and handles to observe both."""

    api: FakeBotAPI
    state: BotState
    generator: Any  # a FakeGenerator unless the test passed a real one
    settings: Settings
    corpus: Path
    app: App

    def say(self, chat: FakeChat, text: str, *, user: FakeUser | None = None, **kw: Any) -> int:
        """Push a text message; return its message_id."""
        update_id = self.api.send_text(chat, user or chat.user, text, **kw)
        return self.message_id(update_id)

    def message_id(self, update_id: int) -> int:
        """Return the message_id of a pushed, still pending update."""
        for update in self.api.pending_updates:
            if update["update_id"] == update_id:
                kind = "message" if "message" in update else "edited_message"
                return int(update[kind]["message_id"])
        raise AssertionError(f"update {update_id} is not pending")

    def replies(self, chat: FakeChat, message_id: int) -> list[BotMessage]:
        """Return the bot's messages replying to ``message_id`` in ``chat``."""
        return [m for m in self.api.messages(chat) if m.reply_to_message_id == message_id]

    async def answer(self, chat: FakeChat, message_id: int, *, timeout: float = 10) -> BotMessage:
        """Wait for the finished answer to ``message_id``; return its last page."""

        def done() -> list[BotMessage]:
            return [m for m in self.replies(chat, message_id) if is_final(m)]

        return (await self.api.wait_for(done, timeout=timeout))[-1]

    async def reply_text(self, chat: FakeChat, message_id: int, *, timeout: float = 10) -> str:
        """Wait for the first reply to ``message_id``; return its text."""
        replies = await self.api.wait_for(lambda: self.replies(chat, message_id), timeout=timeout)
        return replies[0].text or ""

    async def reply_with(
        self, chat: FakeChat, message_id: int, marker: str, *, timeout: float = 10
    ) -> str:
        """Wait until a reply to ``message_id`` contains ``marker``; return its text."""

        def found() -> list[str]:
            texts = [m.text or "" for m in self.replies(chat, message_id)]
            return [text for text in texts if marker in text]

        return (await self.api.wait_for(found, timeout=timeout))[0]

    async def ask(self, chat: FakeChat, text: str, *, user: FakeUser | None = None) -> BotMessage:
        """Ask a question and wait for its finished answer."""
        return await self.answer(chat, self.say(chat, text, user=user))


def write_corpus(root: Path, articles: Mapping[str, str | bytes]) -> Path:
    """Copy the seed corpus into ``root`` and add ``articles`` (file name → content)."""
    shutil.copytree(SEEDS, root)
    for name, content in articles.items():
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    outputs: Sequence[str] = (),
    articles: Mapping[str, str | bytes] | None = None,
    generator: Generator | None = None,
    index_class: type[CorpusIndex] = CorpusIndex,
    api: FakeBotAPI | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """Run the bot on a seed corpus (plus ``articles``) against a fake Bot API."""
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        write_corpus(corpus, articles or {})
    async with _api(api) as fake:
        values: dict[str, Any] = {
            "telegram_token": fake.token,
            "telegram_base_url": fake.base_url,
            "telegram_base_file_url": fake.base_file_url,
            "corpus_dir": [corpus],
            "data_dir": tmp_path / "data",
            "admin_ids": [ADMIN_ID],
            # Tests ask the same question again on purpose; the cache's own tests turn it on.
            "answer_cache_size": 0,
            # One scripted reading per question: a fake model's words come one per read.
            "read_sentences": 1,
        }
        settings = Settings(**{**values, **overrides})
        model = generator if generator is not None else FakeGenerator()
        if isinstance(model, FakeGenerator):
            model.enqueue(*outputs)
        index = index_class(
            list(settings.corpus_dir),
            settings.data_dir,
            chunk_chars=settings.chunk_chars,
            overlap_chars=settings.chunk_overlap_chars,
            max_file_bytes=settings.max_file_bytes,
        )
        state = load_state(settings, generator=model, index=index)
        app = build_application(state)
        stop = asyncio.Event()
        task = asyncio.create_task(run(app, state, stop=stop))

        try:
            # app.running turns true with no request to the fake to wake wait_for: poll it.
            async with asyncio.timeout(15):
                while not (task.done() or app.running):
                    await asyncio.sleep(0.01)
            if task.done():
                task.result()  # raise the startup error
            yield Harness(fake, state, model, settings, corpus, app)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=30)


@asynccontextmanager
async def _api(api: FakeBotAPI | None) -> AsyncIterator[FakeBotAPI]:
    """Use the given running fake, or run a new one for the duration."""
    if api is not None:
        yield api
        return
    async with FakeBotAPI() as fake:
        yield fake


def serve_env(api: FakeBotAPI, *, corpus: Path, data: Path, model: Path) -> dict[str, str]:
    """Return the environment of a `warta serve` subprocess talking to ``api`` (no other WARTA_)."""
    env = env_without_warta(os.environ)
    env.update(
        WARTA_TELEGRAM_TOKEN=api.token,
        WARTA_TELEGRAM_BASE_URL=api.base_url,
        WARTA_TELEGRAM_BASE_FILE_URL=api.base_file_url,
        WARTA_CORPUS_DIR=str(corpus),
        WARTA_DATA_DIR=str(data),
        WARTA_MODEL_PATH=str(model),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env
