"""Memory and incremental cost at scale (run: python -m benchmarks.scale [--articles N]).

Writes a synthetic corpus itself — ``--files`` .jsonl files (default 200) of short Indonesian-
looking articles (default 200,000 in all, seeded; a Zipfian vocabulary of 50k words) — and
measures real ``warta`` processes with ``/usr/bin/time -v`` (peak RSS, wall time):

- ``warta index`` full build, restart with nothing changed, one file changed (into a delta
  segment beside the base), another one, ten at once (the delta passes 10% of the base: one
  merged base again), ``--rebuild``;
- ``warta search`` (index loaded from disk) and ``warta ask`` (index + the default model).

``benchmarks.serve --articles N`` measures the serving bot and its /reload on the same corpus.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.llm.gguf import ensure_model
from tests.builders import env_without_warta

WARTA = Path(sys.executable).with_name("warta")
TIME = "/usr/bin/time"
COMMON = (
    "yang di dan ini itu dengan untuk dari pada dalam tidak akan juga ke oleh sudah harga "
    "pemerintah presiden menteri jakarta warga kota pasar rupiah bank saham tahun baru"
).split()
SEED = 20241201


def write_corpus(root: Path, *, files: int, articles: int) -> list[Path]:
    """Write ``articles`` synthetic articles into ``files`` .jsonl files; return the paths."""
    rng = random.Random(SEED)
    vocab = COMMON + [f"kata{i}" for i in range(50_000)]
    cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    root.mkdir(parents=True, exist_ok=True)
    per_file = max(1, articles // files)
    paths = []
    for f in range(files):
        lines = []
        for j in range(per_file):
            n = f * per_file + j
            words = rng.choices(vocab, cum_weights=cum, k=rng.randint(60, 120))
            sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, 120, 12)]
            text = f"Laporan kode{n}. " + " ".join(s for s in sentences if s != ".")
            record = {"id": f"syn{n}", "title": f"Berita kode{n}", "date": "2024-05-01"}
            lines.append(json.dumps({**record, "text": text}, ensure_ascii=False))
        path = root / f"part{f:04d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Measured:
    """One process run under /usr/bin/time -v."""

    seconds: float
    peak_mb: float
    stdout: str


def timed(*argv: str, env: dict[str, str]) -> Measured:
    """Run ``warta argv`` under ``/usr/bin/time -v``; return wall time, peak RSS, stdout."""
    done = subprocess.run(
        [TIME, "-v", str(WARTA), *argv], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"warta {' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr
    )
    assert peak is not None and wall is not None, done.stderr[-2000:]
    hours, minutes, seconds = (float(x) if x else 0.0 for x in wall.groups())
    return Measured(hours * 3600 + minutes * 60 + seconds, int(peak.group(1)) / 1024, done.stdout)


def touch_one(path: Path) -> None:
    """Change one article of ``path`` (one file changed, as an admin's edit would)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Laporan kode", "Laporan baru kode", 1), encoding="utf-8")


# Files changed at once to take the delta past the merge fraction (10% of the base): with the
# two single changes before, 12 of 200 files = 6% in the delta plus 6% deleted from the base.
MERGE_FILES = 10


def merge_files(paths: list[Path]) -> list[Path]:
    """Return the files a merging reload changes (not the ones changed before)."""
    return paths[:MERGE_FILES]


def scale_env(corpus: Path, data: Path) -> dict[str, str]:
    """Return the environment of the measured ``warta`` processes."""
    env = env_without_warta(os.environ)
    env.update(WARTA_CORPUS_DIR=str(corpus), WARTA_DATA_DIR=str(data))
    return env


def run(articles: int, files: int, *, ask: bool) -> list[tuple[str, Measured]]:
    """Measure the index commands on a fresh synthetic corpus; return labelled figures."""
    with tempfile.TemporaryDirectory(prefix="warta-scale-") as tmp:
        corpus, data = Path(tmp) / "corpus", Path(tmp) / "data"
        paths = write_corpus(corpus, files=files, articles=articles)
        env = scale_env(corpus, data)
        rows = [("warta index (full build)", timed("index", env=env))]
        rows.append(("warta index (nothing changed)", timed("index", env=env)))
        touch_one(paths[len(paths) // 2])
        rows.append(("warta index (one file changed)", timed("index", env=env)))
        touch_one(paths[len(paths) // 2 + 1])
        rows.append(("warta index (another file changed)", timed("index", env=env)))
        for path in merge_files(paths):
            touch_one(path)
        rows.append((f"warta index ({MERGE_FILES} files changed: merge)", timed("index", env=env)))
        rows.append(("warta search (index from disk)", timed("search", "harga beras", env=env)))
        if ask:
            ensure_model(None, data_dir=data)  # assembled once, outside the measured run
            question = "Berapa harga rupiah di pasar Jakarta?"
            rows.append(("warta ask (index + model)", timed("ask", question, env=env)))
        rows.append(("warta index --rebuild", timed("index", "--rebuild", env=env)))
    return rows


def render(rows: list[tuple[str, Measured]], *, articles: int, files: int) -> str:
    """Format the figures side by side with the full build."""
    full = rows[0][1]
    lines = [
        f"{articles:,} synthetic articles in {files} .jsonl files "
        f"({full.stdout.splitlines()[0].split('; ')[1].split(' in ')[0]})",
        f"{'':34} {'wall s':>8} {'peak RSS MB':>12} {'vs full build':>14}",
    ]
    for label, m in rows:
        ratio = f"{m.seconds / full.seconds:6.2f}x time, {m.peak_mb / full.peak_mb:4.2f}x RSS"
        lines.append(f"{label:34} {m.seconds:8.2f} {m.peak_mb:12.0f}   {ratio}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse options, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--no-ask", action="store_true", help="skip `warta ask` (no model)")
    args = parser.parse_args(argv)
    rows = run(args.articles, args.files, ask=not args.no_ask)
    print(render(rows, articles=args.articles, files=args.files))


if __name__ == "__main__":
    main()
