"""Time words in questions resolve against a given clock; dated search ranks the right time."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from retrieval.builder import build
from retrieval.search import search
from retrieval.snapshot import BuildParams
from retrieval.timesearch import dated_search
from retrieval.timewords import TimeWindow, resolve_time, strip_time_words

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2025, 10, 22, 9, 30, tzinfo=JAKARTA)  # a Wednesday
D = date.fromisoformat


@pytest.mark.parametrize(
    ("question", "start", "end", "latest"),
    [
        ("Berita banjir hari ini?", "2025-10-22", "2025-10-22", False),
        ("What happened today in Jakarta?", "2025-10-22", "2025-10-22", False),
        ("Apa kata Prabowo kemarin?", "2025-10-21", "2025-10-21", False),
        ("What did the minister say yesterday?", "2025-10-21", "2025-10-21", False),
        ("Setahun Prabowo-Gibran kemarin lusa", "2025-10-20", "2025-10-20", False),
        ("Kasus korupsi minggu ini", "2025-10-20", "2025-10-22", False),
        ("Any floods this week?", "2025-10-20", "2025-10-22", False),
        ("Demo pekan lalu", "2025-10-13", "2025-10-19", False),
        ("What happened last week?", "2025-10-13", "2025-10-19", False),
        ("Inflasi bulan ini", "2025-10-01", "2025-10-22", False),
        ("Inflasi bulan lalu", "2025-09-01", "2025-09-30", False),
        ("Rupiah 3 hari lalu", "2025-10-19", "2025-10-19", False),
        ("Pajak pada 20 Oktober 2025", "2025-10-20", "2025-10-20", False),
        ("Pajak pada 20 Oktober", "2025-10-20", "2025-10-20", False),
        ("Trump on October 20", "2025-10-20", "2025-10-20", False),
        ("Berita 21/10/2025", "2025-10-21", "2025-10-21", False),
        ("Polusi bulan September", "2025-09-01", "2025-09-30", False),
        ("Demo mahasiswa pada Mei 2025", "2025-05-01", "2025-05-31", False),
        # A month after this one is last year's.
        ("Banjir pada bulan Desember", "2024-12-01", "2024-12-31", False),
        ("Latest news about the rupiah this week", "2025-10-20", "2025-10-22", True),
    ],
)
def test_time_words_resolve_against_the_clock(
    question: str, start: str, end: str, latest: bool
) -> None:
    window = resolve_time(question, NOW)
    assert window is not None
    assert (window.start, window.end, window.latest) == (D(start), D(end), latest)


@pytest.mark.parametrize(
    "question", ["Berita terbaru tentang inflasi?", "latest on the rupiah", "Kabar terkini"]
)
def test_latest_has_no_window(question: str) -> None:
    assert resolve_time(question, NOW) == TimeWindow(resolve_time(question, NOW).words, latest=True)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "question",
    [
        "Harga beras naik?",
        "Apa yang terjadi pada hari Minggu?",
        "Bagaimana May Day?",
        "Siapa menteri baru?",
    ],
)
def test_no_time_words_no_window(question: str) -> None:
    assert resolve_time(question, NOW) is None


def test_today_follows_the_time_zone() -> None:
    late_utc = datetime(2025, 10, 21, 20, 0, tzinfo=ZoneInfo("UTC"))  # 03:00 on the 22nd in Jakarta
    jakarta = resolve_time("hari ini", late_utc.astimezone(JAKARTA))
    utc = resolve_time("hari ini", late_utc)
    assert (jakarta.start, utc.start) == (D("2025-10-22"), D("2025-10-21"))  # type: ignore[union-attr]


def test_stripping_leaves_the_topic() -> None:
    window = resolve_time("Apa berita terbaru tentang inflasi kemarin?", NOW)
    assert window is not None
    assert (
        strip_time_words("Apa berita terbaru tentang inflasi kemarin?", window)
        == "Apa tentang inflasi ?"
    )


ARTICLES = [
    {
        "id": "old",
        "date": "2025-10-15",
        "text": "Harga cabai naik di pasar induk. Pedagang cabai mengeluh.",
    },
    {"id": "mid", "date": "2025-10-21", "text": "Harga cabai naik lagi di pasar induk kota."},
    {"id": "new", "date": "2025-10-22", "text": "Harga cabai naik di pasar."},
    {"id": "off", "date": "2025-12-01", "text": "Pertandingan sepak bola berakhir imbang."},
    {"id": "undated", "text": "Harga cabai naik di pasar induk, kata pedagang cabai di kota."},
]


@pytest.fixture
def snap(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "news.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES))
    snapshot, _ = build(
        [tmp_path], BuildParams(chunk_chars=600, overlap_chars=0), max_file_bytes=10**6
    )
    return snapshot


def ids(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.article.id for h in hits]


def test_a_window_puts_its_days_first(snap) -> None:  # type: ignore[no-untyped-def]
    plain = ids(search(snap, "harga cabai kemarin", k=5))
    hits, window = dated_search(snap, "harga cabai kemarin", now=NOW, k=5)
    assert window is not None and window.start == D("2025-10-21")
    assert ids(hits)[0] == "mid" and plain[0] != "mid"
    assert set(ids(hits)) == {"old", "mid", "new", "undated"}  # the rest still follows


def test_latest_prefers_the_newest_relevant_story_not_the_newest_story(snap) -> None:  # type: ignore[no-untyped-def]
    hits, _ = dated_search(snap, "berita terbaru harga cabai", now=NOW, k=5)
    assert ids(hits)[0] == "new"
    assert "off" not in ids(hits)


def test_without_time_words_recency_only_breaks_near_ties(snap) -> None:  # type: ignore[no-untyped-def]
    plain = search(snap, "pedagang cabai pasar induk kota", k=5)
    hits, window = dated_search(snap, "pedagang cabai pasar induk kota", now=NOW, k=5)
    assert window is None
    assert ids(hits) == ids(plain)  # clear score differences are kept
    assert [h.score for h in hits] == [p.score for p in plain]  # scores stay BM25's


def test_recency_breaks_an_exact_tie(tmp_path: Path) -> None:
    same = "Harga cabai naik di pasar induk."
    records = [{"id": "lama", "date": "2025-10-01", "text": same},
               {"id": "baru", "date": "2025-10-20", "text": same}]  # fmt: skip
    (tmp_path / "n.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    snapshot, _ = build(
        [tmp_path], BuildParams(chunk_chars=600, overlap_chars=0), max_file_bytes=10**6
    )
    assert ids(search(snapshot, "harga cabai", k=2)) == ["lama", "baru"]  # chunk order
    hits, _ = dated_search(snapshot, "harga cabai", now=NOW, k=2)
    assert ids(hits) == ["baru", "lama"]


def test_the_answerer_answers_from_the_day_asked_about(tmp_path: Path) -> None:
    from bot.answering import Answerer, AnswerOptions
    from retrieval.store import CorpusIndex
    from tests.fakes import FakeGenerator

    text = "Harga cabai di pasar induk Rp {} per kilogram."
    records = [
        {"id": "senin", "date": "2025-10-20", "text": text.format("60.000")},
        {"id": "selasa", "date": "2025-10-21", "text": text.format("75.000")},
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "n.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    index = CorpusIndex([corpus], tmp_path / "data")
    question = "Berapa harga cabai di pasar induk kemarin?"
    fake = FakeGenerator("Rp 75.000 per kilogram [1].")
    dated = Answerer(
        index, fake, AnswerOptions(crosslingual=False, read_sentences=1), clock=lambda: NOW
    )
    assert [c.article_id for c in dated.answer(question).citations] == ["selasa"]
    # Without date handling the other day's article ranks first (same words, file order).
    assert search(index.snapshot, question, k=1)[0].article.id == "senin"


def test_a_window_puts_only_its_stories_on_the_topic_first(tmp_path: Path) -> None:
    records = [
        # the story that answers, dated a day before "this week" opens (Monday 2025-10-20)
        {"id": "sunday", "date": "2025-10-19",
         "text": "Harga cabai rawit di pasar induk naik menjadi Rp 90.000 per kilogram."},
        # this week's story sharing one word with the question
        {"id": "tuesday", "date": "2025-10-21",
         "text": "Harga tiket pertandingan sepak bola di stadion naik."},
    ]  # fmt: skip
    (tmp_path / "n.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    snapshot, _ = build(
        [tmp_path], BuildParams(chunk_chars=600, overlap_chars=0), max_file_bytes=10**6
    )
    hits, window = dated_search(snapshot, "harga cabai rawit pasar induk minggu ini", now=NOW)
    assert window is not None and window.start == D("2025-10-20")
    assert ids(hits) == ["sunday", "tuesday"]
