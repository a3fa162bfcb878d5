"""Compare HTML extractors on real news pages (run: python -m benchmarks.extraction).

Over ../shared/data/html-pages (60 saved news pages with their true article bodies): how many
``must_contain`` sentences each extractor's text holds, how many of the derived boilerplate
snippets (``not_in_body_derived``: nav, footer, related, cookie, share…) get in, token
precision/recall/F1 against the true body, and seconds per page. Text is compared after the
data set's own normalisation (entities, quotes, dashes, spaces, case). Side by side: the old
selectolax extractor and trafilatura as Warta calls it.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from benchmarks.legacy_htmltext import html_to_text as legacy_html_to_text
from benchmarks.paths import HTML_PAGES
from retrieval.htmltext import extract_html

Extractor = Callable[[str], str]
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_WORD_RE = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Normalise as the data set did: entities, quotes, dashes, spaces, case, punctuation."""
    text = html.unescape(text).translate(_QUOTES)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return re.sub(r"\s+([.,;:!?)])", r"\1", text)


def token_prf(extracted: str, body: str) -> tuple[float, float, float]:
    """Return bag-of-words precision, recall and F1 of ``extracted`` against ``body``."""
    got = Counter(_WORD_RE.findall(extracted.lower()))
    want = Counter(_WORD_RE.findall(body.lower()))
    overlap = sum((got & want).values())
    p = overlap / max(sum(got.values()), 1)
    r = overlap / max(sum(want.values()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _legacy(page: str) -> str:
    _title, text = legacy_html_to_text(page)
    return text


def _trafilatura(page: str) -> str:
    return extract_html(page).text


EXTRACTORS: dict[str, Extractor] = {"old (selectolax)": _legacy, "trafilatura": _trafilatura}


def measure(records: list[dict[str, object]], extract: Extractor) -> dict[str, float]:
    """Run one extractor over every page and add up the figures."""
    found = wanted = leaked = snippets = empty = 0
    prf = [0.0, 0.0, 0.0]
    seconds = 0.0
    for rec in records:
        page = (HTML_PAGES / "pages" / str(rec["file"])).read_text("utf-8")
        t0 = time.perf_counter()
        text = extract(page)
        seconds += time.perf_counter() - t0
        norm = normalise(text)
        empty += not norm
        must = [normalise(s) for s in rec["must_contain"]]  # type: ignore[attr-defined]
        bad = [normalise(s) for s in rec["not_in_body_derived"]]  # type: ignore[attr-defined]
        found += sum(s in norm for s in must)
        wanted += len(must)
        leaked += sum(s in norm for s in bad)
        snippets += len(bad)
        for i, v in enumerate(token_prf(text, str(rec["body"]))):
            prf[i] += v
    n = max(len(records), 1)
    return {
        "pages": len(records),
        "must_found": found,
        "must_total": wanted,
        "boilerplate_in": leaked,
        "boilerplate_total": snippets,
        "empty_pages": empty,
        "precision": prf[0] / n,
        "recall": prf[1] / n,
        "f1": prf[2] / n,
        "ms_per_page": 1000 * seconds / n,
    }


def main() -> None:
    """Print the side-by-side table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--lang", choices=["id", "en"], default=None)
    args = parser.parse_args()
    expected = Path(HTML_PAGES / "expected.jsonl")
    records = [json.loads(line) for line in expected.read_text("utf-8").splitlines()]
    records = [r for r in records if args.lang in (None, r["lang"])]
    results = {name: measure(records, fn) for name, fn in EXTRACTORS.items()}
    if args.json:
        print(json.dumps(results))
        return
    print(f"{len(records)} pages from {HTML_PAGES}")
    head = f"{'extractor':<18} {'must_contain':>13} {'boilerplate in':>15} {'empty':>6}"
    print(head + f" {'P':>6} {'R':>6} {'F1':>6} {'ms/page':>8}")
    for name, r in results.items():
        print(
            f"{name:<18} {r['must_found']:>6}/{r['must_total']:<6} "
            f"{r['boilerplate_in']:>7}/{r['boilerplate_total']:<7} {r['empty_pages']:>6} "
            f"{r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {r['ms_per_page']:>8.1f}"
        )


if __name__ == "__main__":
    main()
