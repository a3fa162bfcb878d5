"""One feed poll: 50 items of which 10 are new (run: python -m benchmarks.ingest).

A local HTTP server on 127.0.0.1 serves an RSS feed whose items link to the real news pages
of ../shared/data/html-pages. The corpus is the detik articles (1,000) plus the managed
folder. A first poll takes 40 items in; then 10 new items appear and the second poll is
measured (fetch + extract + write), then the incremental reload that makes them
answerable, and a search that finds a new story. Runs in a subprocess for its peak RSS.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from benchmarks.paths import DETIK, HTML_PAGES, REPO


def _items(server: object, records: list[dict[str, object]]) -> list[tuple[str, str, str, str]]:
    day = datetime.now(UTC) - timedelta(hours=1)
    return [
        (server.url(f"/p/{i}"), str(r["html_title"] or r["file"]), format_datetime(day), "")  # type: ignore[attr-defined]
        for i, r in enumerate(records)
    ]


def child(workdir: Path) -> dict[str, float]:
    """Do the measured work; return the figures."""
    from bot.ingest.fetch import FetchPolicy
    from bot.ingest.service import IngestConfig, Ingestor
    from retrieval.search import search
    from retrieval.store import CorpusIndex
    from tests.newsserver import Route, news_server, rss

    records = [json.loads(x) for x in (HTML_PAGES / "expected.jsonl").read_text().splitlines()]
    records = records[:50]
    corpus = workdir / "corpus"
    corpus.mkdir()
    shutil.copy(DETIK, corpus / "detik.jsonl")
    index = CorpusIndex([corpus], workdir / "data")
    index.open()
    # The saved pages are from 2019: keep them (retention by age would drop them at once).
    policy = FetchPolicy(allow_private=True)
    config = IngestConfig(workdir / "data", corpus / "ingested", policy, max_article_age_days=36500)
    ingestor = Ingestor(config)
    with news_server() as server:
        for i, r in enumerate(records):
            server.routes[f"/p/{i}"] = Route((HTML_PAGES / "pages" / r["file"]).read_bytes())
        items = _items(server, records)
        server.routes["/rss"] = Route(rss(items[10:]))  # 40 items already in the feed
        ingestor.add_feed(server.url("/rss"))
        ingestor.poll()
        index.reload()
        server.routes["/rss"] = Route(rss(items))  # 10 new items appear at the top
        t0 = time.perf_counter()
        report = ingestor.poll(force=True)
        t1 = time.perf_counter()
        reload = index.reload()
        t2 = time.perf_counter()
        probe = str(records[0]["must_contain"][0])
        hits = search(index.snapshot, probe, k=1)
        t3 = time.perf_counter()
    found = bool(hits) and hits[0].article.url == server.url("/p/0")
    return {
        "new_items": report.added,
        "skipped": sum(len(f.skipped) for f in report.feeds),
        "poll_s": t1 - t0,
        "reload_s": t2 - t1,
        "search_s": t3 - t2,
        "articles": reload.articles,
        "found_new_story": float(found),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    """Run the child in a subprocess and print its figures."""
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.ingest", "--child", tmp],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    r = json.loads(out)
    print("one poll of a 50-item feed with 10 new items (real news pages from 127.0.0.1)")
    print(f"  new stories {r['new_items']}, skipped {r['skipped']}")
    print(f"  poll (fetch + extract + write)  {r['poll_s']:.2f} s")
    print(f"  incremental reload              {r['reload_s']:.2f} s ({r['articles']} articles)")
    print(
        f"  first search finding a new one  {r['search_s'] * 1000:.1f} ms "
        f"(found: {bool(r['found_new_story'])})"
    )
    print(
        f"  item appearing → answerable     {r['poll_s'] + r['reload_s']:.2f} s "
        "after the poll starts"
    )
    print(f"  peak RSS                        {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
