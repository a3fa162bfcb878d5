"""Query latency with and without cross-lingual expansion at ~100k chunks.

Run: python -m benchmarks.crosslingual [--copies 11]. The corpus is FacQA + RealTime QA +
detik (read from ../shared/data at run time), repeated ``--copies`` times under new ids in a
temporary directory (deleted afterwards) to reach about 100k chunks. Queries are the
cross-lingual dev questions and the FacQA valid questions, timed interleaved so machine noise
hits every variant alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.paths import DATA
from retrieval.search import search
from retrieval.store import CorpusIndex

SOURCES = ("facqa/corpus.jsonl", "realtimeqa/articles.jsonl", "detik/articles.jsonl")


def _questions(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def main() -> None:
    """Build the replicated corpus and print per-variant query latency."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=11)
    args = parser.parse_args()
    xl = _questions("crosslingual/questions-dev.jsonl")
    same = _questions("facqa/questions-valid.jsonl")
    with tempfile.TemporaryDirectory(prefix="warta-xl-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for copy in range(args.copies):
            with open(corpus / f"copy{copy:02d}.jsonl", "w", encoding="utf-8") as out:
                for source in SOURCES:
                    for line in (DATA / source).read_text(encoding="utf-8").splitlines():
                        record = json.loads(line)
                        record["id"] = f"{record['id']}~{copy}"
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        t0 = time.perf_counter()
        snap = CorpusIndex([corpus], Path(tmp) / "data").snapshot
        build_s = time.perf_counter() - t0
        variants = {
            "cross-lingual questions, expansion on": (xl, True),
            "cross-lingual questions, expansion off": (xl, False),
            "same-language questions, expansion on": (same, True),
            "same-language questions, expansion off": (same, False),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(3):
            for name, (questions, expand) in variants.items():
                for question in questions:
                    t = time.perf_counter()
                    search(snap, question, k=10, crosslingual=expand)
                    times[name].append((time.perf_counter() - t) * 1000)
    print(f"chunks: {snap.n_chunks:,} ({len(snap.articles):,} articles), built in {build_s:.1f} s")
    base = statistics.median(times["same-language questions, expansion off"])
    for name, values in times.items():
        p50 = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:<42} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  {p50 / base:5.2f}x")


if __name__ == "__main__":
    main()
