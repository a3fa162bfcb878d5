"""Publication dates and source names: metadata strings, datelines, front matter, URLs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from retrieval.dates import dateline_date, dateline_source, iso_date, parse_date, url_source
from retrieval.documents import load_file, parse_file

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-09-11", date(2023, 9, 11)),
        ("2023-09-11T23:10:00+07:00", date(2023, 9, 11)),
        ("2023-09-11 08:00", date(2023, 9, 11)),
        ("Mon, 11 Sep 2023 10:00:00 +0700", date(2023, 9, 11)),
        ("10/21/2025 20:43", date(2025, 10, 21)),  # detik: month first
        ("9/10/2025 22:30", date(2025, 9, 10)),  # month first when both could be
        ("21/10/2025", date(2025, 10, 21)),  # day first when month first cannot be
        ("Senin, 11 Sep 2023 14:05 WIB", date(2023, 9, 11)),
        ("Selasa (12/9/2023)", date(2023, 9, 12)),
        ("12 Agustus 2024", date(2024, 8, 12)),
        ("3 Okt 2025", date(2025, 10, 3)),
        ("1 Desember 2022", date(2022, 12, 1)),
        ("September 11, 2023", date(2023, 9, 11)),
        ("Sept. 4th, 2022", date(2022, 9, 4)),
        ("20230911", date(2023, 9, 11)),
    ],
)
def test_parse_date_reads_feed_iso_numeric_and_month_name_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "kemarin sore", "2023-13-01", "31/02/2023", "99 Mei 2023"])
def test_parse_date_is_none_for_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_iso_date_formats_or_gives_none() -> None:
    assert (iso_date("10/21/2025 20:43"), iso_date(None), iso_date("besok")) == (
        "2025-10-21",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bisnis.com, JAKARTA - Kim berangkat. Melansir Reuters, Senin (11/9/2023), x.",
            "2023-09-11",
        ),
        ("Jakarta, 12 September 2023 - Harga beras naik.", "2023-09-12"),
        ("WASHINGTON, Sept. 12, 2023 (Reuters) - Talks went on.", "2023-09-12"),
        # The first date of the lead counts: the later one is an event date.
        ("Rapat digelar Kamis (5/10/2023). Keputusan diumumkan 9 Oktober 2023.", "2023-10-05"),
        ("Harga beras naik. Tidak ada tanggal di sini.", None),
    ],
)
def test_dateline_date_takes_the_first_date_of_the_lead(text: str, expected: str | None) -> None:
    found = dateline_date(text)
    assert (found.isoformat() if found else None) == expected


def test_dateline_date_ignores_dates_deep_in_the_text() -> None:
    assert dateline_date("Harga naik. " * 80 + "Senin (11/9/2023)") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bisnis.com, JAKARTA - Harga naik.", "Bisnis.com"),
        ("JAKARTA, KOMPAS.com - Harga naik.", "KOMPAS.com"),
        ("Jakarta (ANTARA) - Harga naik.", "ANTARA"),
        ("Reuters, WASHINGTON — Talks went on.", "Reuters"),
        ("Harga Naik Lagi\nJAKARTA, KOMPAS.com - Harga naik.", "KOMPAS.com"),
        ("Jakarta - Harga naik.", None),
        ("Harga beras naik, kata pedagang - katanya.", None),
    ],
)
def test_dateline_source_names_the_publication(text: str, expected: str | None) -> None:
    assert dateline_source(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.detik.com/berita/d-1/x", "detik.com"),
        ("https://www.bisnis.com/a", "bisnis.com"),
        ("https://ekonomi.bisnis.co.id/read/1", "bisnis.co.id"),
        ("http://127.0.0.1:8080/a", None),
        ("not a url", None),
        (None, None),
    ],
)
def test_url_source_is_the_site(url: str | None, expected: str | None) -> None:
    assert url_source(url) == expected


def test_seed_article_is_dated_and_sourced_from_its_dateline() -> None:
    path = next(SEEDS.glob("*.txt"))
    (article,) = load_file(path, path.name).articles
    assert (article.date, article.source, article.title) == ("2023-09-11", "Bisnis.com", "")
    assert article.text == path.read_text("utf-8")


def test_json_date_is_normalised_and_the_raw_value_kept() -> None:
    record = {"id": "d1", "url": "https://news.detik.com/x", "date": "10/21/2025 20:43",
              "text": "Harga cabai naik."}  # fmt: skip
    (article,) = parse_file("a.json", json.dumps(record).encode()).articles
    assert (article.date, article.source, article.metadata) == (
        "2025-10-21",
        "detik.com",
        {"date_raw": "10/21/2025 20:43"},
    )


def test_json_source_field_wins_and_a_missing_date_comes_from_the_dateline() -> None:
    record = {"id": "b", "source": "Bisnis.com", "url": "https://x.example.com/a",
              "text": "JAKARTA - Rupiah menguat, Senin (11/9/2023)."}  # fmt: skip
    (article,) = parse_file("a.json", json.dumps(record).encode()).articles
    assert (article.date, article.source, article.metadata) == ("2023-09-11", "Bisnis.com", {})


def test_unparseable_json_date_is_none_and_kept_raw() -> None:
    record = {"id": "x", "date": "kemarin sore", "text": "Hujan turun."}
    (article,) = parse_file("a.json", json.dumps(record).encode()).articles
    assert (article.date, article.metadata) == (None, {"date_raw": "kemarin sore"})


def test_markdown_front_matter_gives_title_date_source_and_is_not_text() -> None:
    data = (
        '---\ntitle: "Kim ke Rusia"\ndate: 12 September 2023\nsource: Bisnis.com\n'
        "url: https://bisnis.com/kim\ntags: korut\n---\nKim naik kereta lapis baja.\nIsi.\n"
    )
    (article,) = parse_file("kim.md", data.encode()).articles
    assert (article.title, article.date, article.source, article.url, article.text) == (
        "Kim ke Rusia",
        "2023-09-12",
        "Bisnis.com",
        "https://bisnis.com/kim",
        "Kim naik kereta lapis baja.\nIsi.\n",
    )
    assert article.metadata == {"tags": "korut"}


def test_front_matter_without_title_falls_back_to_the_heading() -> None:
    data = b"---\ndate: 2024-01-02\n---\n# Harga Beras\n\nHarga beras naik.\n"
    (article,) = parse_file("a.md", data).articles
    assert (article.title, article.date) == ("Harga Beras", "2024-01-02")


def test_dashes_in_a_txt_file_are_text_not_front_matter() -> None:
    data = b"---\ntitle: x\n---\nIsi.\n"
    (article,) = parse_file("a.txt", data).articles
    assert article.text == data.decode()


def test_long_headline_without_a_stop_is_a_title() -> None:
    headline = (
        "Presiden Banggakan Inflasi 2%, Ini Cara Kemendagri Jaga Stabilitas Harga di Semua Daerah"
    )
    assert len(headline) > 80
    (article,) = parse_file("a.txt", f"{headline}\nIsi berita.\n".encode()).articles
    assert article.title == headline
