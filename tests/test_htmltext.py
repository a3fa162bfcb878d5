"""HTML extraction with trafilatura on pages shaped like real news pages (written here)."""

from __future__ import annotations

import base64

from retrieval.documents import parse_file
from retrieval.htmltext import MAX_TEXT_CHARS, clean_text, extract_html

PARAS = [
    "Harga cabai rawit di Pasar Induk Kramat Jati naik menjadi Rp 90.000 per kilogram pada "
    "Senin pagi, tertinggi sejak awal tahun.",
    "Pedagang menyebut pasokan dari Jawa Tengah dan Jawa Timur berkurang karena hujan deras "
    "merusak tanaman di sentra produksi.",
    "Kementerian Perdagangan berjanji menggelar operasi pasar di lima wilayah Jakarta mulai "
    "pekan depan untuk menahan kenaikan harga.",
    "Badan Pusat Statistik mencatat cabai menyumbang inflasi 0,12 persen pada bulan lalu.",
]
BOILERPLATE = [
    "Beranda", "Kanal Ekonomi", "Baca juga: Harga bawang merah turun", "Bagikan ke WhatsApp",
    "Komentar terbaru dari pembaca", "Hak cipta 2025 Kabar Kota", "Berlangganan buletin kami",
]  # fmt: skip


def news_page(*, wrapper: str = "main-wrapper", body: str | None = None, head: str = "") -> str:
    """Return a news page: metadata, navigation, the story, related links, share, comments."""
    story = body or "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Harga Cabai Rawit Tembus Rp 90.000 | Kabar Kota</title>{head}
<script>window.dataLayer = [{{"page": "artikel", "kanal": "ekonomi"}}];</script>
<style>.x{{color:red}}</style></head><body>
<div class="{wrapper}">
<header class="site-header"><nav><ul><li><a href="/">Beranda</a></li>
<li><a href="/ekonomi">Kanal Ekonomi</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Beranda</a> › <a href="/ekonomi">Ekonomi</a></div>
<article class="detail">
<h1 class="detail__title">Harga Cabai Rawit Tembus Rp 90.000 per Kilogram</h1>
<div class="detail__author">Rina Wulandari - Kabar Kota</div>
<div class="detail__body">{story}</div>
<div class="related"><h3>Berita terkait</h3><ul>
<li><a href="/a">Baca juga: Harga bawang merah turun</a></li></ul></div>
<div class="share"><a href="#">Bagikan ke WhatsApp</a> <a href="#">Bagikan ke X</a></div>
</article>
<section id="comments" class="comments"><h3>Komentar terbaru dari pembaca</h3>
<div class="comment"><p>Mahal sekali, semoga cepat turun harganya ya.</p></div></section>
<aside class="sidebar"><div class="newsletter">Berlangganan buletin kami</div></aside>
<footer><p>Hak cipta 2025 Kabar Kota</p></footer>
</div></body></html>"""


META = """
<meta property="og:site_name" content="Kabar Kota">
<meta property="og:title" content="Harga Cabai Rawit Tembus Rp 90.000 per Kilogram">
<meta property="article:published_time" content="2025-10-20T07:15:00+07:00">
<meta name="author" content="Rina Wulandari">
<link rel="canonical" href="https://www.kabarkota.example.id/ekonomi/d-123/harga-cabai">"""


def test_story_title_date_author_source_and_url_come_out_boilerplate_stays() -> None:
    page = extract_html(news_page(head=META))
    assert (page.title, page.date, page.author, page.source, page.url) == (
        "Harga Cabai Rawit Tembus Rp 90.000 per Kilogram",
        "2025-10-20",
        "Rina Wulandari",
        "Kabar Kota",
        "https://www.kabarkota.example.id/ekonomi/d-123/harga-cabai",
    )
    for paragraph in PARAS:
        assert paragraph in page.text
    assert [b for b in BOILERPLATE if b in page.text] == []
    assert "dataLayer" not in page.text and "Mahal sekali" not in page.text


def test_a_wrapper_class_naming_social_does_not_hide_the_article() -> None:
    # Issue 11.9: the old extractor dropped any element whose class *contained* "social".
    page = extract_html(news_page(wrapper="container has-social-bar", head=META))
    assert all(paragraph in page.text for paragraph in PARAS)


def test_without_metadata_the_dateline_gives_date_and_source() -> None:
    body = (
        "<p>Jakarta (ANTARA) - Bank Indonesia menahan suku bunga acuan di level 4,75 persen "
        "dalam rapat dewan gubernur, Rabu (22/10/2025).</p>" + "".join(f"<p>{p}</p>" for p in PARAS)
    )
    page = extract_html(news_page(body=body))
    assert (page.date, page.source) == ("2025-10-22", "ANTARA")
    assert page.text.split("\n")[:2] == [
        "Harga Cabai Rawit Tembus Rp 90.000 per Kilogram",
        body[3 : body.index("</p>")],
    ]


def test_a_sent_link_without_metadata_is_sourced_from_its_url() -> None:
    page = extract_html(news_page(), url="https://ekonomi.kabarkota.co.id/d-9/harga")
    assert (page.source, page.url) == (
        "kabarkota.co.id",
        "https://ekonomi.kabarkota.co.id/d-9/harga",
    )


def test_english_page_with_json_ld_date() -> None:
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"NewsArticle", "headline": "Chili prices hit a record", "datePublished": '
        '"2024-03-05T09:00:00Z", "author": {"@type": "Person", "name": "Sam Lee"}}</script>'
    )
    body = "".join(
        f"<p>{s}</p>"
        for s in (
            "Chili prices in Jakarta's main wholesale market hit a record on Monday morning.",
            "Traders blamed heavy rain in Central Java for the smaller harvest this season.",
            "The trade ministry promised market operations in five districts next week.",
        )
    )
    page = extract_html(news_page(body=body, head=ld))
    assert (page.date, page.author) == ("2024-03-05", "Sam Lee")
    assert "hit a record on Monday morning" in page.text


def test_base64_blobs_are_removed_with_a_note() -> None:
    blob = base64.b64encode(bytes(range(256)) * 3).decode()
    body = f"<p>{PARAS[0]} data:image/png;base64,{blob}</p>" + "".join(
        f"<p>{p}</p>" for p in PARAS[1:]
    )
    page = extract_html(news_page(body=body))
    assert blob[:50] not in page.text
    assert PARAS[0] in page.text
    assert page.notes == ("removed 1 base64/blob run(s)",)


def test_clean_text_caps_a_dump_at_a_line_end() -> None:
    line = "Kalimat berita yang cukup panjang untuk diulang. " * 4
    text, notes = clean_text("\n".join([line.strip()] * 2000))
    assert len(text) <= MAX_TEXT_CHARS and text.endswith("diulang.")
    assert notes == (f"text capped at {MAX_TEXT_CHARS:,} characters",)


def test_html_corpus_file_becomes_a_dated_sourced_article() -> None:
    (article,) = parse_file("kota/cabai.html", news_page(head=META).encode()).articles
    assert (article.id, article.title, article.date, article.source) == (
        "kota/cabai",
        "Harga Cabai Rawit Tembus Rp 90.000 per Kilogram",
        "2025-10-20",
        "Kabar Kota",
    )
    assert article.metadata == {"author": "Rina Wulandari"}
    assert article.text.count(PARAS[2]) == 1
