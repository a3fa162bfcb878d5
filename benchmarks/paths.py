"""Where the benchmarks find the repository, its seeds and the shared evaluation data."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
FACQA = DATA / "facqa"
DETIK = DATA / "detik" / "articles.jsonl"
HTML_PAGES = DATA / "html-pages"
# Questions the seed article answers (used when ../shared/data is absent).
SEED_QUESTIONS = (
    "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?",
    "Di kota mana Putin dan Kim kemungkinan bertemu?",
    "Siapa juru bicara Dewan Keamanan Nasional AS?",
)
