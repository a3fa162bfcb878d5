"""Benchmark Warta's BM25 index against plain rank-bm25 (run: python -m benchmarks.retrieval).

For each corpus — synthetic Zipfian chunks (vocabulary 200k, ~60 tokens a chunk, seeded) at
10k and 100k chunks, and the real detik articles chunked and analysed as Warta does — both
sides run in their own subprocess on the same token lists: build time, query p50/p95 (ours:
``top_k``; rank-bm25: ``get_scores``), peak RSS (``ru_maxrss``), retained index memory
(tracemalloc, in a second subprocess) and whether the top-10 lists are identical (positive
scores, ties by chunk order). ``--scale 1000000`` adds an ours-only row at that size. Then
analysis throughput and reload times of the detik corpus written to a temporary directory.
Numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from benchmarks import scale
from benchmarks.paths import DETIK, REPO
from retrieval.analysis import analyze, detect_language, tokenize
from retrieval.bm25 import ARRAY_NAMES, CompactBM25
from retrieval.chunking import chunk_article
from retrieval.store import CorpusIndex

VOCAB, MEAN_LEN, SEED, STOP_RANKS = 200_000, 60, 20240911, 100
MB = 1 << 20

Docs = list[list[str]]


# -- corpora (rebuilt identically in every worker) --------------------------------------------


def zipf_ids(n_chunks: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (offsets, token ids) of ``n_chunks`` Zipf(1) chunks over ``VOCAB`` ranks."""
    rng = np.random.default_rng(SEED)
    lengths = np.clip(rng.poisson(MEAN_LEN, n_chunks), 5, None)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    cdf = np.cumsum(1.0 / np.arange(1, VOCAB + 1))
    cdf /= cdf[-1]
    ids = np.empty(int(offsets[-1]), dtype=np.int32)
    block = 1 << 22  # sample in blocks: float64 temporaries of 60M tokens would cost 1 GB
    for a in range(0, len(ids), block):
        z = min(a + block, len(ids))
        ids[a:z] = np.searchsorted(cdf, rng.random(z - a), side="right")
    return offsets, ids


WORDS = [f"w{i}" for i in range(VOCAB)]  # made at import: not part of any index's memory


def zipf_feed(offsets: np.ndarray, ids: np.ndarray) -> Iterator[list[str]]:
    """Yield the chunks as token lists, one at a time (so no side holds the whole corpus)."""
    words = WORDS
    for i in range(len(offsets) - 1):
        yield [words[t] for t in ids[offsets[i] : offsets[i + 1]].tolist()]


def zipf_queries(offsets: np.ndarray, ids: np.ndarray, n: int) -> Docs:
    """Pick 2-5 distinct non-top-rank terms of random chunks, like a question about a passage."""
    rng = np.random.default_rng(SEED + 1)
    queries: Docs = []
    while len(queries) < n:
        c = int(rng.integers(len(offsets) - 1))
        pool = np.unique(ids[offsets[c] : offsets[c + 1]])
        pool = pool[pool >= STOP_RANKS]  # the top ranks play the stopwords' part
        if len(pool):
            pick = rng.choice(pool, size=min(len(pool), int(rng.integers(2, 6))), replace=False)
            queries.append([f"w{t}" for t in pick.tolist()])
    return queries


def detik_corpus(n_queries: int) -> tuple[Docs, Docs]:
    """Chunk and analyse the detik articles as Warta's builder does; titles are the queries."""
    records = [json.loads(line) for line in DETIK.read_text(encoding="utf-8").splitlines()]
    docs: Docs = []
    for r in records:
        lang = detect_language(f"{r['title']}\n{r['text'][:3000]}")
        docs += [analyze(c.text, lang) for c in chunk_article(r["id"], r["text"])]
    rng = np.random.default_rng(SEED)
    picks = rng.choice(len(records), size=min(n_queries, len(records)), replace=False)
    queries = [q for i in picks.tolist() if (q := analyze(records[i]["title"], "id"))]
    return docs, queries


# -- one side, in its own process -------------------------------------------------------------


def _top10(scores: np.ndarray) -> np.ndarray:
    """Return the best 10 positive chunks, ties by chunk order (as CompactBM25.top_k)."""
    order = np.lexsort((np.arange(len(scores)), -scores))[:10]
    return order[scores[order] > 0]


def worker(side: str, spec: str, n_queries: int, memory: bool) -> dict[str, Any]:
    """Build one side's index over ``spec`` and measure it; return the figures."""
    if spec == "detik":
        docs, queries = detik_corpus(n_queries)
        feed: Any = docs
        n_chunks = len(docs)
    else:
        n_chunks = int(spec.split(":")[1])
        offsets, ids = zipf_ids(n_chunks)
        queries = zipf_queries(offsets, ids, n_queries)
        feed = zipf_feed(offsets, ids)
    out: dict[str, Any] = {"chunks": n_chunks, "rss_before": _maxrss()}
    if memory:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    bm: Any = CompactBM25(feed) if side == "ours" else BM25Okapi(feed)
    out["build_s"] = time.perf_counter() - t0
    if memory:
        out["retained"] = tracemalloc.get_traced_memory()[0] - before
        if side == "rank":
            held = tracemalloc.get_traced_memory()[0]
            bm.doc_freqs = None  # what rank-bm25 keeps per chunk: one dict each
            out["doc_freqs"] = held - tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return out
    if side == "ours":
        sizes = {n: getattr(bm, n).nbytes for n in (*ARRAY_NAMES, "_norm")}
        out["arrays"] = sum(sizes.values())
        out["forward"] = sum(v for n, v in sizes.items() if n.startswith("fwd_"))
    if spec != "detik":
        t0 = time.perf_counter()
        sum(len(doc) for doc in zipf_feed(offsets, ids))
        out["feed_s"] = time.perf_counter() - t0  # part of build_s on both sides
    times, tops, scores = [], [], []
    for q in queries[:3]:  # warm up caches and lazy allocations
        bm.top_k(q, 10) if side == "ours" else bm.get_scores(q)
    for q in queries:
        t0 = time.perf_counter_ns()
        if side == "ours":
            best, best_scores = bm.top_k(q, 10)
            times.append(time.perf_counter_ns() - t0)
        else:
            all_scores = bm.get_scores(q)
            times.append(time.perf_counter_ns() - t0)
            best = _top10(all_scores)
            best_scores = all_scores[best]
        tops.append(best.tolist())
        scores.append(best_scores.tolist())
    ms = np.asarray(times) / 1e6
    out.update(p50=float(np.percentile(ms, 50)), p95=float(np.percentile(ms, 95)))
    out.update(queries=len(queries), tops=tops, scores=scores, peak_rss=_maxrss())
    return out


def _maxrss() -> int:
    """Return this process's peak RSS in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_worker(side: str, spec: str, n_queries: int, *, memory: bool = False) -> dict[str, Any]:
    """Run ``worker`` in a fresh interpreter so that its peak RSS is its own."""
    argv = [sys.executable, "-m", "benchmarks.retrieval", "--worker", side, spec]
    argv += ["--queries", str(n_queries)] + (["--memory"] if memory else [])
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker {side} {spec} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


# -- extras: analysis throughput and reloads --------------------------------------------------


def analysis_rate() -> tuple[float, float]:
    """Return (tokens/s of analyze, chars/s of chunking) over the detik texts."""
    texts = [json.loads(line)["text"] for line in DETIK.read_text(encoding="utf-8").splitlines()]
    n_tokens = sum(len(tokenize(t)) for t in texts)
    t0 = time.perf_counter()
    for t in texts:
        analyze(t, "id")
    analyse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        chunk_article("a", t)
    chunk_s = time.perf_counter() - t0
    return n_tokens / analyse_s, sum(map(len, texts)) / chunk_s


def reload_times() -> dict[str, float]:
    """Time a full build, an unchanged reload, a restart and a one-file reload of detik."""
    with tempfile.TemporaryDirectory(prefix="warta-bench-") as tmp:
        corpus, data = Path(tmp) / "corpus", Path(tmp) / "data"
        corpus.mkdir()
        for line in DETIK.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            (corpus / f"{record['id']}.json").write_text(line, encoding="utf-8")
        figures = {}
        t0 = time.perf_counter()
        index = CorpusIndex([corpus], data)
        index.open()
        figures["full build"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert index.reload().changed is False
        figures["unchanged reload"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert CorpusIndex([corpus], data).open() is None
        figures["restart (load + check)"] = time.perf_counter() - t0
        first = sorted(corpus.iterdir())[0]
        first.write_text(first.read_text(encoding="utf-8").replace("a", "o"), encoding="utf-8")
        t0 = time.perf_counter()
        assert index.reload().updated == (first.name,)
        figures["one file changed"] = time.perf_counter() - t0
    return figures


# -- the table --------------------------------------------------------------------------------


def compare(name: str, spec: str, n_queries: int) -> tuple[list[str], dict[str, float]]:
    """Measure both sides on ``spec``; return table rows and the figures the targets need."""
    ours, rank = run_worker("ours", spec, n_queries), run_worker("rank", spec, n_queries)
    ours_mem = run_worker("ours", spec, 0, memory=True)["retained"]
    rank_mem = run_worker("rank", spec, 0, memory=True)
    same = sum(a == b for a, b in zip(ours["tops"], rank["tops"], strict=True))
    close = all(
        np.allclose(a, b, rtol=1e-12, atol=0)
        for a, b in zip(ours["scores"], rank["scores"], strict=True)
    )
    top10 = f"{same}/{len(ours['tops'])}" + ("" if close else " (scores differ)")
    speedup = rank["p50"] / ours["p50"]
    rows = [
        _row(name, "warta", ours, ours["arrays"], ours_mem, f"{speedup:.0f}x", top10),
        _row(name, "rank-bm25", rank, rank_mem["doc_freqs"], rank_mem["retained"], "1x", top10),
        f"{'':23}warta arrays: {(ours['arrays'] - ours['forward']) / MB:.1f} MB postings and "
        f"scoring + {ours['forward'] / MB:.1f} MB forward index (kept for incremental reloads); "
        f"RSS before building: {ours['rss_before'] / MB:.0f} MB"
        + (f"; token-list feed: {ours['feed_s']:.2f} s of each build" if "feed_s" in ours else ""),
    ]
    figures = {
        "p50": ours["p50"],
        "speedup": speedup,
        "identical": float(same == len(ours["tops"]) and close),
        "arrays_ratio": ours["arrays"] / rank_mem["doc_freqs"],
        "retained_ratio": ours_mem / rank_mem["retained"],
        "scoring_ratio": (ours["arrays"] - ours["forward"]) / rank_mem["doc_freqs"],
    }
    return rows, figures


def _row(corpus: str, impl: str, r: dict[str, Any], index: int, retained: int | None,
         speedup: str, top10: str) -> str:  # fmt: skip
    kept = f"{retained / MB:.1f}" if retained is not None else "-"
    return (
        f"{corpus:10} {impl:10} {r['chunks']:>9,} {r['build_s']:>8.2f} "
        f"{r['chunks'] / r['build_s']:>9,.0f} {r['p50']:>8.3f} {r['p95']:>8.3f} {speedup:>8} "
        f"{index / MB:>8.1f} {kept:>8} {r['peak_rss'] / MB:>8.0f} {top10:>9}"
    )


HEADER = (
    f"{'corpus':10} {'impl':10} {'chunks':>9} {'build s':>8} {'chunks/s':>9} {'p50 ms':>8} "
    f"{'p95 ms':>8} {'speed-up':>8} {'index MB':>8} {'kept MB':>8} {'peak RSS':>8} "
    f"{'top-10 ==':>9}"
)
NOTES = """\
index MB: warta = bytes of its numpy arrays; rank-bm25 = its doc_freqs dicts (tracemalloc).
kept MB: everything the built index retains (tracemalloc, separate process). peak RSS: MB,
ru_maxrss of the measuring process. p50/p95: warta top_k(10); rank-bm25 get_scores."""


def _check(label: str, ok: bool, detail: str) -> str:
    return f"  [{'ok' if ok else 'MISSED'}] {label}: {detail}"


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retrieval")
    parser.add_argument("--sizes", default="10000,100000", help="synthetic sizes to compare")
    parser.add_argument("--scale", type=int, action="append", default=[], help="ours-only size")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--only-scale", action="store_true", help="skip everything else")
    parser.add_argument("--worker", nargs=2, metavar=("SIDE", "CORPUS"), help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--articles",
        type=int,
        default=0,
        help="only measure warta index/search/ask on N synthetic articles (benchmarks.scale)",
    )
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.queries, args.memory)))
        return
    if args.articles:
        rows = scale.run(args.articles, 200, ask=True)
        print(scale.render(rows, articles=args.articles, files=200))
        return
    print(HEADER, flush=True)
    checks: list[str] = []
    if not args.only_scale:
        for size in (int(s) for s in args.sizes.split(",") if s):
            rows, f = compare(f"zipf {size // 1000}k", f"zipf:{size}", args.queries)
            print("\n".join(rows), flush=True)
            if size == 100_000:
                checks += [
                    _check("100k p50 <= 1 ms", f["p50"] <= 1, f"{f['p50']:.3f} ms"),
                    _check("100k >= 100x get_scores", f["speedup"] >= 100, f"{f['speedup']:.0f}x"),
                    _check("100k top-10 identical", f["identical"] == 1, "all queries"),
                    # The store serves each generation memory-mapped from disk, so the forward
                    # index (read only by the next reload) is not resident: what a served index
                    # holds in RAM is its postings and scoring arrays.
                    _check(
                        "100k served index memory <= 1/3",
                        f["scoring_ratio"] <= 1 / 3,
                        f"postings+scoring/doc_freqs {f['scoring_ratio']:.2f} (with the mapped "
                        f"forward index {f['arrays_ratio']:.2f}, kept/kept "
                        f"{f['retained_ratio']:.2f})",
                    ),
                ]
        if DETIK.is_file():
            print("\n".join(compare("detik", "detik", args.queries)[0]), flush=True)
    for size in args.scale:
        r = run_worker("ours", f"zipf:{size}", args.queries)
        name = f"zipf {size // 1000}k"
        print(_row(name, "warta", r, r["arrays"], None, "-", "-"), flush=True)
        checks += [
            _check(
                f"{name} peak RSS <= 2 GB", r["peak_rss"] <= 2 << 30, f"{r['peak_rss'] / MB:.0f} MB"
            ),
            _check(f"{name} p50 <= 10 ms", r["p50"] <= 10, f"{r['p50']:.3f} ms"),
        ]
    print(NOTES)
    if not args.only_scale and DETIK.is_file():
        tokens_s, chars_s = analysis_rate()
        print(
            f"\nanalysis (detik): {tokens_s:,.0f} tokens/s; chunking: {chars_s / 1e6:.1f}M chars/s"
        )
        print("reload, 1,000 detik articles (one .json file each, in a temporary directory):")
        print("\n".join(f"  {k:24} {v:7.3f} s" for k, v in reload_times().items()))
    if checks:
        print("\ntargets:\n" + "\n".join(checks))


if __name__ == "__main__":
    main()
