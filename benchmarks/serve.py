"""Measure the whole bot as deployed (run: python -m benchmarks.serve).

Starts ``warta serve`` as a subprocess, exactly as a user would, against the fake Telegram Bot
API on 127.0.0.1, with the embedded default model and a corpus of the 1,000 detik articles
(read from ../shared/data at run time and copied to a temporary directory only) plus the seed
article. Prints:

- index build time (``warta index``, once) and cold start to "ready" with the persisted index
  and an assembled model (the ``serving @...`` log line), median of ``--starts`` starts;
- peak RSS of the serving process (VmHWM from /proc) after answering ``--questions`` questions.

``--articles N`` serves the synthetic corpus of ``benchmarks.scale`` instead (N short articles
in 200 .jsonl files) and adds what a reload costs there: one file changed, then an admin's
/reload — its time and the process's peak RSS — side by side with ``warta index`` (full
build) under ``/usr/bin/time -v``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import scale
from benchmarks.paths import DETIK, REPO
from bot.llm.gguf import ensure_model
from tests.fakebotapi import FakeBotAPI, FakeChat
from tests.telegram_harness import is_final, serve_env

WARTA = Path(sys.executable).with_name("warta")
QUESTIONS = (
    "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?",
    "Berapa inflasi yang dibanggakan Presiden Prabowo?",
    "Siapa Menteri Keuangan yang memantau anggaran Kementerian PU?",
    "Apa yang dibahas dalam sidang kabinet?",
    "Who won the 2022 World Cup?",
)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


async def _wait_ready(proc: asyncio.subprocess.Process, timeout: float) -> None:
    assert proc.stderr is not None
    async with asyncio.timeout(timeout):
        while True:
            line = await proc.stderr.readline()
            if not line:
                raise RuntimeError(f"warta serve exited with {await proc.wait()}")
            if b"serving @" in line:
                return


async def _start(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, float]:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        str(WARTA), "serve", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    await _wait_ready(proc, timeout=120)
    return proc, time.perf_counter() - started


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.terminate()
    await asyncio.wait_for(proc.wait(), timeout=30)


async def bench(starts: int, questions: int) -> None:
    with tempfile.TemporaryDirectory(prefix="warta-serve-bench-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        shutil.copy(DETIK, corpus / "detik.jsonl")
        for seed in (REPO / "seeds").iterdir():
            shutil.copy(seed, corpus / seed.name)
        data = root / "data"
        model = ensure_model(None, data_dir=data)
        async with FakeBotAPI() as api:
            env = serve_env(api, corpus=corpus, data=data, model=model)
            t0 = time.perf_counter()
            subprocess.run([str(WARTA), "index"], env=env, check=True, capture_output=True)
            index_s = time.perf_counter() - t0
            cold: list[float] = []
            for _ in range(starts - 1):
                proc, seconds = await _start(env)
                cold.append(seconds)
                await _stop(proc)
            proc, seconds = await _start(env)
            cold.append(seconds)
            ready_rss = _peak_rss_mb(proc.pid)
            chat = api.private_chat(4242, first_name="Bench")
            asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(questions)]
            for n, question in enumerate(asked, start=1):
                api.send_text(chat, chat.user, question)
                await api.wait_for(
                    lambda n=n: sum(is_final(m) for m in api.messages(chat)) >= n, timeout=300
                )
            peak = _peak_rss_mb(proc.pid)
            await _stop(proc)
    print(f"corpus: {DETIK.name} (1,000 detik articles) + seed article")
    print(f"warta index (first build):          {index_s:8.2f} s")
    print(
        f"cold start to ready (persisted):    {statistics.median(cold):8.2f} s median "
        f"of {len(cold)} (min {min(cold):.2f}, max {max(cold):.2f})"
    )
    print(f"peak RSS when ready:                {ready_rss:8.0f} MB")
    print(f"peak RSS after {questions} answers:            {peak:8.0f} MB  (target <= 600 MB)")


async def bench_scale(articles: int, files: int) -> None:
    """Serve the synthetic corpus: RSS when ready, after answers, and through a /reload."""
    with tempfile.TemporaryDirectory(prefix="warta-serve-scale-") as tmp:
        root = Path(tmp)
        corpus, data = root / "corpus", root / "data"
        paths = scale.write_corpus(corpus, files=files, articles=articles)
        model = ensure_model(None, data_dir=data)
        async with FakeBotAPI() as api:
            env = serve_env(api, corpus=corpus, data=data, model=model)
            env["WARTA_ADMIN_IDS"] = "[4242]"
            full = scale.timed("index", env=env)
            proc, ready_s = await _start(env)
            ready = _peak_rss_mb(proc.pid)
            chat = api.private_chat(4242, first_name="Admin")
            for n, question in enumerate(QUESTIONS, start=1):
                api.send_text(chat, chat.user, question)
                await api.wait_for(
                    lambda n=n: sum(is_final(m) for m in api.messages(chat)) >= n, timeout=300
                )
            answered = _peak_rss_mb(proc.pid)
            scale.touch_one(paths[len(paths) // 2])
            reload_s, done = await _reload(api, chat, 1)
            reloaded = _peak_rss_mb(proc.pid)
            for path in scale.merge_files(paths):
                scale.touch_one(path)
            merge_s, merged = await _reload(api, chat, 2)
            merge_peak = _peak_rss_mb(proc.pid)
            await _stop(proc)
    print(f"{articles:,} synthetic articles in {files} .jsonl files")
    print(f"warta index (full build):      {full.seconds:8.2f} s  peak {full.peak_mb:6.0f} MB")
    print(f"serve: ready in {ready_s:.2f} s        peak {ready:6.0f} MB (target <= 600 MB)")
    print(f"serve: after {len(QUESTIONS)} answers          peak {answered:6.0f} MB")
    print(
        f"serve: /reload, one file changed {reload_s:6.2f} s  peak {reloaded:6.0f} MB "
        f"(target <= 800 MB, <= 2 s); {reload_s / full.seconds:.2f}x the full build's time"
    )
    print(f"       {done}")
    print(
        f"serve: /reload, {scale.MERGE_FILES} files changed (merge) {merge_s:6.2f} s  "
        f"peak {merge_peak:6.0f} MB; {merge_s / full.seconds:.2f}x the full build's time"
    )
    print(f"       {merged}")


async def _reload(api: FakeBotAPI, chat: FakeChat, n: int) -> tuple[float, str]:
    """Send /reload and wait for its ``n``-th outcome; return seconds and the outcome line."""
    t0 = time.perf_counter()
    api.send_text(chat, chat.user, "/reload")
    done = await api.wait_for(
        lambda: [m for m in api.messages(chat) if (m.text or "").startswith(("✅", "❌"))][n - 1 :],
        timeout=900,
    )
    return time.perf_counter() - t0, (done[0].text or "").splitlines()[0]


def main() -> None:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts to time")
    parser.add_argument("--questions", type=int, default=5, help="questions to answer")
    parser.add_argument("--articles", type=int, default=0, help="serve N synthetic articles")
    parser.add_argument("--files", type=int, default=200, help="files of the synthetic corpus")
    args = parser.parse_args()
    if args.articles:
        asyncio.run(bench_scale(args.articles, args.files))
        return
    if not DETIK.exists():
        sys.exit(f"missing {DETIK}: the benchmark reads the detik articles from ../shared")
    asyncio.run(bench(args.starts, args.questions))


if __name__ == "__main__":
    main()
