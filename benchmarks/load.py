"""Load-test the Telegram bot: in-process model vs model servers (python -m benchmarks.load).

Simulated users (``--users``) each ask ``--questions`` questions one after another, all users
at once, through the fake Telegram Bot API on 127.0.0.1, while bursts of flood-control 429s
are injected into sendMessage and editMessageText. The bot runs on the production path
(``load_state``, ``build_application``, ``run`` in polling mode), each run in its own
process so its peak RSS is its own. Side by side in one run, for each question mix
(``distinct``: every question asked once; ``repeat30``: 30 % repeat an earlier question):

- ``in-process``: the default model in the bot's process (one answer at a time);
- ``server-1``: llama-cpp-python's OpenAI-compatible server, one process (1 slot);
- ``server-2``: two server processes (1 thread each) behind a least-busy proxy (2 slots),
  with ``WARTA_MAX_CONCURRENT_ANSWERS=2``.

Prints, per run: answers delivered, lost (must be 0), duplicated (must be 0), time to answer
p50/p95, answers per minute, generations (cache hits and joined in-flight questions cost
none), the bot's peak RSS and the servers' RSS. The corpus is FacQA (Apache-2.0, read from
../shared/data/facqa at run time) plus the seed article; the questions are FacQA's. Numbers
depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from pydantic import SecretStr

from benchmarks.paths import FACQA, REPO, SEED_QUESTIONS
from bot.llm.gguf import ensure_model
from bot.settings import Settings
from bot.telegram.app import build_application, load_state, run
from bot.telegram.logs import configure_logging
from bot.telegram.state import BotState
from tests.fakebotapi import FakeBotAPI, FakeChat
from tests.llm_server import free_port, llm_server
from tests.telegram_harness import is_final


@dataclass
class Outcome:
    """What happened to one question."""

    chat: FakeChat
    message_id: int
    text: str
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


def questions(count: int, facqa: Path, *, repeat: float = 0.0) -> list[str]:
    """Return ``count`` questions (FacQA's, else the seeds'); ``repeat`` of them ask again.

    A repeat is an earlier question of the list, asked by another user a little later: the
    answer cache (or the same question still in flight) should answer it without the model.
    """
    path = facqa / "questions-valid.jsonl"
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line)["question"] for line in lines if line.strip()]
    else:
        found = list(SEED_QUESTIONS)
    out: list[str] = []
    fresh = 0
    for i in range(count):
        # Spread the repeats evenly; each asks again what was asked up to 5 places earlier.
        if i and int((i + 1) * repeat) > int(i * repeat):
            out.append(out[i - min(i, 5)])
        else:
            out.append(found[fresh % len(found)])
            fresh += 1
    return out


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
        message_id = pending[0]["message"]["message_id"]
        outcome = Outcome(chat, message_id, text, time.monotonic())
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


@dataclass(frozen=True)
class Backend:
    """Where the bot's model is, for one configuration of the run."""

    name: str
    slots: int
    llm_url: str | None = None
    llm_model: str | None = None

    def overrides(self) -> dict[str, object]:
        """Return the settings that select this backend."""
        if self.llm_url is None:
            return {}
        return {
            "llm_url": self.llm_url,
            "llm_model": self.llm_model,
            "model_chat_format": "completion",
            "max_concurrent_answers": self.slots,
        }


async def bench(
    args: argparse.Namespace, workdir: Path, backend: Backend, asks: list[str]
) -> tuple[Run, BotState, float]:
    """Run the bot against the fake and the simulated users; return what happened."""
    corpus = workdir / "corpus"
    write_corpus(corpus, args.facqa)
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
            **backend.overrides(),  # type: ignore[arg-type]
        )
        undo = configure_logging(settings)
        state = load_state(settings)  # the model as `warta serve` loads it
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
        count_finals(api, out)
    return out, state, elapsed


def count_finals(api: FakeBotAPI, out: Run) -> None:
    """Count each question's final answers and the API errors the bot met."""
    for o in out.outcomes:
        finals = [
            m for m in api.messages(o.chat) if m.reply_to_message_id == o.message_id and is_final(m)
        ]
        o.finals = len(finals)
        out.cited += sum(1 for m in finals if m.buttons)
    out.injected = sum(1 for r in api.rejected if r.status == 429)
    out.other_errors = sum(1 for r in api.rejected if r.status != 429)


def figures(out: Run, state: BotState, elapsed: float) -> dict[str, object]:
    """Return one run's figures as plain values."""
    times = [o.answered_at - o.asked_at for o in out.outcomes if o.answered_at is not None]
    waits = list(state.stats.waits_s)
    cache = state.answer_cache
    return {
        "questions": len(out.outcomes),
        "distinct": len({o.text for o in out.outcomes}),
        "model": state.model_name,
        "slots": state.queue.slots,
        "articles": len(state.index.snapshot.articles),
        "delivered": sum(1 for o in out.outcomes if o.finals >= 1),
        "cited": out.cited,
        "lost": sum(1 for o in out.outcomes if o.finals == 0),
        "duplicated": sum(o.finals - 1 for o in out.outcomes if o.finals > 1),
        "injected_429": out.injected,
        "other_errors": out.other_errors,
        "p50_s": percentile(times, 50),
        "p95_s": percentile(times, 95),
        "wait_p50_s": percentile(waits, 50),
        "per_minute": 60 * len(times) / elapsed,
        "generations": cache.misses,
        "cache_hits": cache.hits,
        "joined": cache.joins,
        "elapsed_s": elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(args: argparse.Namespace) -> int:
    """Run one configuration in this process and print its figures as one JSON line."""
    backend = Backend(args.child, args.slots, args.llm_url, args.llm_model)
    repeat = 0.3 if args.mix == "repeat30" else 0.0
    asks = questions(args.users * args.questions, args.facqa, repeat=repeat)
    with tempfile.TemporaryDirectory(prefix="warta-load-") as tmp:
        out, state, elapsed = asyncio.run(bench(args, Path(tmp), backend, asks))
    print(json.dumps(figures(out, state, elapsed)))
    return 0


CONFIGS = ("in-process", "server-1", "server-2")
MIXES = ("distinct", "repeat30")


def start_backend(
    name: str, model: Path, stack: contextlib.ExitStack, logs: Path
) -> tuple[Backend, list[int]]:
    """Start the servers a configuration needs; return it and the server pids."""
    if name == "in-process":
        return Backend(name, 1), []
    if name == "server-1":
        server = stack.enter_context(llm_server(model, logs / "s1.log", api_key=None))
        return Backend(name, 1, server.url, server.model), [server.process.pid]
    servers = [
        stack.enter_context(llm_server(model, logs / f"s2-{i}.log", api_key=None, n_threads=1))
        for i in range(2)
    ]
    port = free_port()
    roots = [s.url.removesuffix("/v1") for s in servers]
    command = [sys.executable, "-m", "benchmarks.llm_proxy", "--port", str(port)]
    proxy = subprocess.Popen([*command, *(x for r in roots for x in ("--backend", r))])
    stack.callback(stop_process, proxy)
    url = f"http://127.0.0.1:{port}/v1"
    wait_http(f"{url}/models", timeout_s=30)
    return Backend(name, 2, url, servers[0].model), [s.process.pid for s in servers]


def wait_http(url: str, *, timeout_s: float) -> None:
    """Wait until ``url`` answers 200."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")


def run_child(args: argparse.Namespace, backend: Backend, mix: str, model: Path) -> dict[str, Any]:
    """Run one configuration and mix in a fresh process; return its figures."""
    command = [
        sys.executable, "-m", "benchmarks.load", "--child", backend.name,
        "--slots", str(backend.slots), "--mix", mix, "--model", str(model),
        "--users", str(args.users), "--questions", str(args.questions),
        "--flood-every", str(args.flood_every), "--timeout", str(args.timeout),
        "--facqa", str(args.facqa),
        *(("--llm-url", backend.llm_url, "--llm-model", backend.llm_model or "")
          if backend.llm_url else ()),
    ]  # fmt: skip
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"backend": backend.name, "mix": mix, **result}


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print the runs side by side, as a Markdown table."""
    print(
        "| backend | mix | delivered | lost | duplicated | p50 | p95 | answers/min | "
        "generations | bot peak RSS | server RSS |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        server = f"{r['server_rss_mb']:.0f} MB" if r["server_rss_mb"] else "–"
        print(
            f"| {r['backend']} | {r['mix']} | {r['delivered']}/{r['questions']} | {r['lost']} | "
            f"{r['duplicated']} | {r['p50_s']:.1f} s | {r['p95_s']:.1f} s | "
            f"{r['per_minute']:.1f} | {r['generations']} | {r['peak_rss_mb']:.0f} MB | {server} |"
        )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate a helper process and reap it."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    """Run the configurations side by side and print their figures; 1 if any lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=3, help="questions per user")
    parser.add_argument("--model", type=Path, default=os.environ.get("WARTA_MODEL_PATH") or None)
    parser.add_argument("--data-dir", type=Path, help="where the default model is assembled")
    parser.add_argument("--facqa", type=Path, default=FACQA)
    parser.add_argument("--flood-every", type=float, default=10.0, help="seconds between bursts")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per question, seconds")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated")
    parser.add_argument("--mixes", default=",".join(MIXES), help="comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--slots", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--mix", default="distinct", help=argparse.SUPPRESS)
    parser.add_argument("--llm-url", help=argparse.SUPPRESS)
    parser.add_argument("--llm-model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.child:
        return child(args)
    model = args.model or ensure_model(None, data_dir=args.data_dir or REPO / "data")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="warta-load-logs-") as logs:
        for name in args.configs.split(","):
            with contextlib.ExitStack() as stack:
                backend, pids = start_backend(name, model, stack, Path(logs))
                for mix in args.mixes.split(","):
                    row = run_child(args, backend, mix, model)
                    rss = sum(psutil.Process(pid).memory_info().rss for pid in pids)
                    rows.append({**row, "server_rss_mb": rss / 2**20})
                    print(json.dumps(rows[-1]), file=sys.stderr)
    print(f"{args.users} users x {args.questions} questions, {rows[0]['articles']} articles")
    for mix in dict.fromkeys(r["mix"] for r in rows):
        row = next(r for r in rows if r["mix"] == mix)
        print(f"{mix}: {row['questions']} questions, {row['distinct']} distinct")
    print_table(rows)
    bad = [r for r in rows if r["lost"] or r["duplicated"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
