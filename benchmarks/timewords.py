"""Recall of time-word questions with and without date handling.

Run: ``python -m benchmarks.timewords QUESTIONS.jsonl`` — lines like ``warta eval``'s
(``id``, ``question``, ``gold_ids``) plus ``now`` (ISO 8601 with offset: the clock the
question is asked at). The corpus is the detik articles (../shared/data), indexed in a
temporary directory. Recall@k counts a question when a gold article is among the first k
distinct articles retrieved (as ``warta eval`` does).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from benchmarks.paths import DETIK
from retrieval.search import Hit, search
from retrieval.snapshot import Snapshot
from retrieval.store import CorpusIndex
from retrieval.timesearch import dated_search

DEPTH = 100  # passages retrieved before taking the distinct articles


def first_gold(hits: list[Hit], gold: set[str]) -> int | None:
    """Return the 0-based rank of the first gold article among distinct articles."""
    seen: list[str] = []
    for h in hits:
        if h.article.id not in seen:
            seen.append(h.article.id)
    return next((i for i, a in enumerate(seen) if a in gold), None)


def metrics(ranks: list[int | None]) -> dict[str, float]:
    """Return Recall@1/5/10 and MRR@10."""
    n = max(len(ranks), 1)
    out = {f"recall@{k}": sum(r is not None and r < k for r in ranks) / n for k in (1, 5, 10)}
    out["mrr@10"] = sum(1 / (r + 1) for r in ranks if r is not None and r < 10) / n
    return out


def evaluate(snap: Snapshot, questions: list[dict[str, object]]) -> dict[str, object]:
    """Rank every question both ways; return the metrics and per-question ranks."""
    plain: list[int | None] = []
    dated: list[int | None] = []
    rows = []
    for q in questions:
        text, gold = str(q["question"]), set(q["gold_ids"])  # type: ignore[call-overload]
        now = datetime.fromisoformat(str(q["now"]))
        without = first_gold(search(snap, text, k=DEPTH), gold)
        hits, window = dated_search(snap, text, now=now, k=DEPTH)
        with_dates = first_gold(hits, gold)
        plain.append(without)
        dated.append(with_dates)
        span = f"{window.start}..{window.end}" if window and window.start else ""
        kind = ("latest " if window and window.latest else "") + span
        rows.append((q["id"], without, with_dates, kind.strip() or "-", text))
    return {"without": metrics(plain), "with": metrics(dated), "rows": rows}


def main() -> None:
    """Index the detik corpus in a temporary directory and print both columns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--details", action="store_true", help="print one line per question")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.questions.read_text("utf-8").splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        shutil.copy(DETIK, corpus / "detik.jsonl")
        index = CorpusIndex([corpus], Path(tmp) / "data")
        index.load()
        result = evaluate(index.snapshot, questions)
    print(f"{len(questions)} questions over {DETIK.name}")
    print(f"{'':<22} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}")
    for name in ("without", "with"):
        m = result[name]
        assert isinstance(m, dict)
        label = f"{name} date handling"
        print(f"{label:<22} {m['recall@1']:>6.3f} {m['recall@5']:>6.3f} "
              f"{m['recall@10']:>6.3f} {m['mrr@10']:>7.3f}")  # fmt: skip
    if args.details:
        for qid, a, b, kind, text in result["rows"]:  # type: ignore[attr-defined]
            print(f"{qid} {a!s:>4} -> {b!s:>4}  [{kind}] {text}")


if __name__ == "__main__":
    main()
