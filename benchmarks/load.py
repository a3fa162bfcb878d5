"""Load-test the Telegram bot with the real model (run: python -m benchmarks.load).

50 users (``--users``) each ask 3 questions (``--questions``) one after another, all users at
once, through the fake Telegram Bot API on 127.0.0.1, while bursts of flood-control 429s are
injected into sendMessage and editMessageText. The bot runs on the production path
(``load_state`` with the real default model, ``build_application``, ``run`` in polling mode).
Prints answers delivered, lost (must be 0), duplicated (must be 0), time to answer p50/p95,
queue wait p50/p95 and the 429s the bot rode through. The corpus is FacQA (Apache-2.0, read
from ../shared/data/facqa at run time) plus the seed article; the questions are FacQA's.
Numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from benchmarks.paths import FACQA, REPO, SEED_QUESTIONS
from bot.settings import Settings
from bot.telegram.app import build_application, load_state, run
from bot.telegram.logs import configure_logging
from bot.telegram.state import BotState
from tests.fakebotapi import FakeBotAPI, FakeChat
from tests.telegram_harness import is_final


@dataclass
class Outcome:
    """What happened to one question."""

    chat: FakeChat
    message_id: int
    asked_at: float
    answered_at: float | None = None
    finals: int = 0


@dataclass
class Run:
    """All questions of the run, the 429s the bot received and its other API errors."""

    outcomes: list[Outcome] = field(default_factory=list)
    injected: int = 0
    other_errors: int = 0
    cited: int = 0


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def questions(count: int, facqa: Path) -> list[str]:
    """Return ``count`` questions: FacQA validation questions, else the seed questions."""
    path = facqa / "questions-valid.jsonl"
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line)["question"] for line in lines if line.strip()]
    else:
        found = list(SEED_QUESTIONS)
    return [found[i % len(found)] for i in range(count)]


def write_corpus(root: Path, facqa: Path) -> None:
    """Copy the seed corpus and (if present) the FacQA passages into ``root``."""
    shutil.copytree(REPO / "seeds", root)
    if (facqa / "corpus.jsonl").is_file():
        shutil.copy(facqa / "corpus.jsonl", root / "facqa.jsonl")


async def user(api: FakeBotAPI, chat: FakeChat, asks: list[str], out: Run, timeout: float) -> None:
    """Ask questions one after another, each once the previous one is answered."""
    for text in asks:
        update_id = api.send_text(chat, chat.user, text)
        pending = [u for u in api.pending_updates if u["update_id"] == update_id]
        outcome = Outcome(chat, pending[0]["message"]["message_id"], time.monotonic())
        out.outcomes.append(outcome)

        def answered(o: Outcome = outcome) -> bool:
            finals = [
                m
                for m in api.messages(o.chat)
                if m.reply_to_message_id == o.message_id and is_final(m)
            ]
            if finals and o.answered_at is None:
                o.answered_at = time.monotonic()
            return bool(finals)

        try:
            await api.wait_for(answered, timeout=timeout)
        except TimeoutError:
            return  # counted as lost


async def flood(api: FakeBotAPI, *, every: float, stop: asyncio.Event) -> None:
    """Inject two 429s into each sending method every ``every`` seconds.

    A new burst waits until the previous one was hit, so bursts never pile up beyond what
    the rate limiter's retries absorb.
    """
    injected = dict.fromkeys(("sendMessage", "editMessageText"), 0)
    while not stop.is_set():
        for method in injected:
            hit = sum(1 for r in api.rejected if r.method == method and r.status == 429)
            if hit == injected[method]:
                api.inject_429(method, count=2, retry_after=1)
                injected[method] += 2
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def bench(args: argparse.Namespace, workdir: Path) -> tuple[Run, BotState, float]:
    """Run the bot against the fake and the simulated users; return what happened."""
    corpus = workdir / "corpus"
    write_corpus(corpus, args.facqa)
    asks = questions(args.users * args.questions, args.facqa)
    out = Run()
    async with FakeBotAPI() as api:
        settings = Settings(
            telegram_token=SecretStr(api.token),
            telegram_base_url=api.base_url,
            telegram_base_file_url=api.base_file_url,
            corpus_dir=[corpus],
            data_dir=args.data_dir or workdir / "data",
            model_path=args.model,
            user_questions_per_minute=max(5, args.questions),
        )
        undo = configure_logging(settings)
        state = load_state(settings)  # the real model, as `warta serve` loads it
        app = build_application(state)
        stop = asyncio.Event()
        bot = asyncio.create_task(run(app, state, stop=stop))
        await api.wait_for_call("getUpdates", timeout=60)
        chats = [api.private_chat(10_000 + i, language_code="id") for i in range(args.users)]
        flooding = asyncio.Event()
        flooder = asyncio.create_task(flood(api, every=args.flood_every, stop=flooding))
        started = time.monotonic()
        per_user = [asks[i :: args.users] for i in range(args.users)]
        await asyncio.gather(
            *(user(api, c, q, out, args.timeout) for c, q in zip(chats, per_user, strict=True))
        )
        elapsed = time.monotonic() - started
        flooding.set()
        await flooder
        stop.set()
        await bot
        undo()
        for o in out.outcomes:
            finals = [
                m
                for m in api.messages(o.chat)
                if m.reply_to_message_id == o.message_id and is_final(m)
            ]
            o.finals = len(finals)
            out.cited += sum(1 for m in finals if m.buttons)
        out.injected = sum(1 for r in api.rejected if r.status == 429)
        out.other_errors = sum(1 for r in api.rejected if r.status != 429)
    return out, state, elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the load benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3, help="questions per user")
    parser.add_argument("--model", type=Path, default=os.environ.get("WARTA_MODEL_PATH") or None)
    parser.add_argument("--data-dir", type=Path, help="where the default model is assembled")
    parser.add_argument("--facqa", type=Path, default=FACQA)
    parser.add_argument("--flood-every", type=float, default=10.0, help="seconds between bursts")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per question, seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="warta-load-") as tmp:
        out, state, elapsed = asyncio.run(bench(args, Path(tmp)))
    times = [o.answered_at - o.asked_at for o in out.outcomes if o.answered_at is not None]
    waits = list(state.stats.waits_s)
    delivered = sum(1 for o in out.outcomes if o.finals >= 1)
    lost = sum(1 for o in out.outcomes if o.finals == 0)
    duplicated = sum(o.finals - 1 for o in out.outcomes if o.finals > 1)
    model = f"{state.model_name}, {state.settings.max_concurrent_answers} answer(s) at a time"
    print(f"users x questions:      {args.users} x {args.questions} = {len(out.outcomes)}")
    print(f"model:                  {model}")
    print(f"corpus:                 {len(state.index.snapshot.articles)} articles")
    print(f"answers delivered:      {delivered} ({out.cited} cited, {delivered - out.cited} "
          "abstained)")  # fmt: skip
    print(f"lost:                   {lost}")
    print(f"duplicated:             {duplicated}")
    print(f"429s ridden through:    {out.injected} (other API errors: {out.other_errors})")
    print(f"time to answer p50/p95: {percentile(times, 50):.1f} s / {percentile(times, 95):.1f} s")
    print(f"queue wait p50/p95:     {percentile(waits, 50):.1f} s / {percentile(waits, 95):.1f} s")
    serving = [total - wait for total, wait in zip(state.stats.latencies_s, waits, strict=True)]
    print(
        f"answering p50/p95:      {percentile(serving, 50):.1f} s / "
        f"{percentile(serving, 95):.1f} s (after the queue: model, edits, 429 waits)"
    )
    print(f"wall time:              {elapsed:.1f} s ({len(times) / elapsed:.2f} answers/s)")
    return 0 if lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
