"""Feeds and links into the corpus, end to end against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.ingest.dedupe import canonical_url, text_hash
from bot.ingest.fetch import FetchError, FetchPolicy, check_url, decode_text, fetch
from bot.ingest.service import IngestConfig, Ingestor
from bot.ingest.state import PollBusyError, load_state, poll_lock
from retrieval.documents import load_file
from tests.newsserver import NewsServer, Route, article_page, atom, news_server, rss

POLICY = FetchPolicy(allow_private=True, timeout_s=2.0, max_bytes=200_000, max_redirects=3)
TODAY = datetime.now(UTC)
D0, D1 = (TODAY - timedelta(days=1)), (TODAY - timedelta(days=2))


def paras(topic: str) -> list[str]:
    """Return three distinct paragraphs about ``topic``."""
    return [
        f"Harga {topic} di Pasar Induk Kramat Jati naik tajam pada Senin pagi menurut pedagang.",
        f"Pedagang {topic} menyebut pasokan dari Jawa Tengah berkurang karena hujan deras.",
        f"Pemerintah berjanji menggelar operasi pasar {topic} di lima wilayah mulai pekan depan.",
    ]


def serve_story(server: NewsServer, path: str, topic: str, *, day: datetime = D0) -> str:
    """Serve an article page about ``topic`` at ``path``; return its URL."""
    page = article_page(f"Harga {topic} naik", paras(topic), date=day.isoformat())
    server.routes[path] = Route(page)
    return server.url(path)


def item(url: str, topic: str, day: datetime = D0) -> tuple[str, str, str, str]:
    """Return an RSS item tuple for a story."""
    return (url, f"Harga {topic} naik", format_datetime(day), f"Ringkasan: harga {topic} naik.")


@pytest.fixture
def server() -> NewsServer:
    with news_server() as s:
        yield s  # type: ignore[misc]


def ingestor(tmp_path: Path, **kw: object) -> Ingestor:
    config = IngestConfig(tmp_path / "data", tmp_path / "corpus" / "ingested", POLICY, **kw)  # type: ignore[arg-type]
    return Ingestor(config)


def stories(tmp_path: Path) -> list[dict[str, object]]:
    folder = tmp_path / "corpus" / "ingested"
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]


# -- fetch safety -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https URLs are fetched, not 'file'"),
        ("ftp://example.com/x", "only http and https URLs are fetched, not 'ftp'"),
        ("http:///nohost", "the URL has no host"),
        ("http://127.0.0.1:9/x", "127.0.0.1 resolves to a non-public address (127.0.0.1)"),
        ("http://10.1.2.3/x", "10.1.2.3 resolves to a non-public address (10.1.2.3)"),
        ("http://169.254.169.254/latest", "resolves to a non-public address (169.254.169.254)"),
        ("http://[::1]:8080/", "::1 resolves to a non-public address (::1)"),
        ("http://localhost/", "resolves to a non-public address"),
    ],
)
def test_unsafe_urls_are_refused_before_any_request(url: str, reason: str) -> None:
    with pytest.raises(FetchError) as err:
        check_url(url, allow_private=False)
    assert reason in str(err.value)


def test_loopback_refusal_names_the_setting_and_the_setting_allows_it(server: NewsServer) -> None:
    url = serve_story(server, "/a", "cabai")
    with pytest.raises(FetchError, match="WARTA_FETCH_ALLOW_PRIVATE=true"):
        fetch(url, FetchPolicy())
    assert server.hits["/a"] == 0
    assert fetch(url, POLICY).status == 200


def test_redirects_are_followed_and_counted_and_loops_stop(server: NewsServer) -> None:
    final = serve_story(server, "/final", "cabai")
    server.routes["/old"] = Route(status=301, headers={"Location": "/final"})
    got = fetch(server.url("/old"), POLICY)
    assert (got.url, got.redirects) == (final, (server.url("/old"),))
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match=r"^more than 3 redirects$"):
        fetch(server.url("/loop"), POLICY)
    assert server.hits["/loop"] == 4


def test_errors_slow_servers_and_big_bodies_are_reasons(server: NewsServer) -> None:
    server.routes["/500"] = Route(b"oops", 500)
    server.routes["/slow"] = Route(b"late", delay_s=1.5)
    server.routes["/big"] = Route(b"x" * 300_000)
    bomb = gzip.compress(b"\0" * 5_000_000)
    server.routes["/bomb"] = Route(bomb, gzip=True)
    policy = FetchPolicy(allow_private=True, timeout_s=0.5, max_bytes=200_000)
    reasons = {}
    for path in ("/500", "/slow", "/big", "/bomb"):
        with pytest.raises(FetchError) as err:
            fetch(server.url(path), policy)
        reasons[path] = str(err.value)
    assert reasons["/500"] == f"HTTP 500 from {server.url('/500')}"
    assert reasons["/slow"] == f"no response within 0.5 s from {server.url('/slow')}"
    assert reasons["/big"] == "response is 300,000 bytes, over the 200,000-byte limit"
    assert len(bomb) < 200_000  # small on the wire: only the decompressed size gives it away
    assert reasons["/bomb"].startswith("response body passed the 200,000-byte limit")


def test_conditional_get_gets_304_with_the_etag(server: NewsServer) -> None:
    server.routes["/f"] = Route(b"<rss/>", etag='"v1"')
    first = fetch(server.url("/f"), POLICY)
    again = fetch(server.url("/f"), POLICY, etag=first.etag)
    assert (first.status, first.etag, again.not_modified) == (200, '"v1"', True)


@pytest.mark.parametrize(
    ("content", "content_type", "expected", "note"),
    [
        ("Harga naik ¼".encode(), "text/html; charset=utf-8", "Harga naik ¼", None),
        ("Café".encode("cp1252"), "text/html; charset=utf-8", "Café",
         "charset 'utf-8' did not fit; read as Windows-1252"),
        ("Café".encode(), "text/html; charset=iso-8859-1", "Café",
         "declared charset 'iso-8859-1' did not fit; read as UTF-8"),
        ("Café".encode("latin-1"), "text/html; charset=iso-8859-1", "Café", None),
        ('<meta charset="windows-1252">Caf\xe9'.encode("cp1252"), "text/html",
         '<meta charset="windows-1252">Café', None),
        ("Café".encode("cp1252"), "text/html; charset=no-such", "Café",
         "charset 'no-such' did not fit; read as Windows-1252"),
    ],
)  # fmt: skip
def test_wrong_charsets_fall_back_with_a_note(
    content: bytes, content_type: str, expected: str, note: str | None
) -> None:
    assert decode_text(content, content_type) == (expected, note)


# -- dedupe -----------------------------------------------------------------------------------


def test_canonical_url_and_text_hash_see_through_cosmetic_differences() -> None:
    assert canonical_url("HTTP://www.Kabar.example:80/a/b/?utm_source=x&z=1&a=2#top") == (
        canonical_url("https://kabar.example/a/b?a=2&z=1")
    )
    assert canonical_url("https://kabar.example/a?id=1") != canonical_url(
        "https://kabar.example/a?id=2"
    )
    assert text_hash("Harga  beras, naik!\n") == text_hash("harga beras naik")
    assert text_hash("Harga beras naik") != text_hash("Harga beras turun")


# -- feeds ------------------------------------------------------------------------------------


def test_rss_poll_writes_dated_sourced_stories_and_304_adds_nothing(
    server: NewsServer, tmp_path: Path
) -> None:
    a = serve_story(server, "/berita/cabai", "cabai")
    b = serve_story(server, "/berita/bawang", "bawang", day=D1)
    server.routes["/rss"] = Route(rss([item(a, "cabai"), item(b, "bawang", D1)]), etag='"e1"')
    ing = ingestor(tmp_path)
    feed, n = ing.add_feed(server.url("/rss"))
    assert (feed.id, feed.title, n) == (1, "Kabar Kota", 2)

    report = ing.poll()
    assert [s.title for s in report.feeds[0].added] == ["Harga cabai naik", "Harga bawang naik"]
    written = stories(tmp_path)
    cabai = next(s for s in written if s["url"] == a)
    assert (cabai["title"], cabai["date"], cabai["source"], cabai["extracted_from"]) == (
        "Harga cabai naik", D0.date().isoformat(), "Kabar Kota", "page",
    )  # fmt: skip
    assert all(p in str(cabai["text"]) for p in paras("cabai"))
    assert "Baca juga" not in str(cabai["text"]) and "iklan" not in str(cabai["text"])
    assert all(ua.startswith("Warta/") for ua in server.user_agents)

    again = ing.poll(force=True)
    assert (again.added, again.feeds[0].status) == (0, "not modified (304)")
    assert server.hits["/berita/cabai"] == 1
    (saved,) = ing.feeds()
    assert (saved.items, saved.errors, saved.etag) == (2, 0, '"e1"')


def test_a_story_file_loads_as_a_corpus_article(server: NewsServer, tmp_path: Path) -> None:
    url = serve_story(server, "/x", "cabai")
    story = ingestor(tmp_path).add_url(url)
    path = tmp_path / "corpus" / "ingested" / story.file
    (article,) = load_file(path, f"ingested/{story.file}").articles
    assert (article.id, article.title, article.date, article.source, article.url) == (
        story.article_id, "Harga cabai naik", D0.date().isoformat(), "Kabar Kota", url,
    )  # fmt: skip


def test_atom_feed_and_the_same_story_under_two_urls(server: NewsServer, tmp_path: Path) -> None:
    first = serve_story(server, "/a/cabai", "cabai")
    copy = serve_story(server, "/b/cabai-lagi", "cabai")
    stamp = D0.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = [(first, "Cabai", stamp, "Cabai naik."), (copy, "Cabai lagi", stamp, "Cabai naik.")]
    server.routes["/atom"] = Route(atom(entries), content_type="application/atom+xml")
    ing = ingestor(tmp_path)
    ing.add_feed(server.url("/atom"))
    report = ing.poll()
    assert [s.url for s in report.feeds[0].added] == [first]
    assert report.feeds[0].skipped == [(copy, f"same text as {report.feeds[0].added[0].file}")]
    assert len(stories(tmp_path)) == 1


def test_an_unreachable_page_falls_back_to_the_feed_summary(
    server: NewsServer, tmp_path: Path
) -> None:
    server.routes["/gone"] = Route(b"err", 500)
    desc = "<p>Gempa magnitudo 5,6 mengguncang Cianjur pada Senin siang.</p>"
    entry = (server.url("/gone"), "Gempa Cianjur", format_datetime(D0), desc)
    server.routes["/rss"] = Route(rss([entry]))
    ing = ingestor(tmp_path)
    ing.add_feed(server.url("/rss"))
    ing.poll()
    (story,) = stories(tmp_path)
    assert (story["text"], story["title"], story["extracted_from"]) == (
        "Gempa magnitudo 5,6 mengguncang Cianjur pada Senin siang.",
        "Gempa Cianjur",
        "feed summary",
    )
    assert story["notes"] == [
        f"page not used (HTTP 500 from {server.url('/gone')}); text is the feed's summary"
    ]


def test_a_huge_feed_is_capped_with_a_reason(server: NewsServer, tmp_path: Path) -> None:
    items = [(server.url(f"/n/{i}"), f"Item {i}", format_datetime(D0), "") for i in range(10_000)]
    server.routes["/big"] = Route(rss(items))
    for i in range(3):
        serve_story(server, f"/n/{i}", f"komoditas{i}")
    policy = FetchPolicy(allow_private=True, max_bytes=5_000_000)
    ing = Ingestor(IngestConfig(tmp_path / "data", tmp_path / "c" / "i", policy, max_feed_items=3))
    ing.add_feed(server.url("/big"))
    report = ing.poll()
    assert report.feeds[0].skipped == [(server.url("/big"), "9997 items over the 3-item cap")]
    assert report.added == 3
    assert sum(n for path, n in server.hits.items() if path.startswith("/n/")) == 3


def test_a_failing_feed_backs_off_and_a_later_success_resets_it(
    server: NewsServer, tmp_path: Path
) -> None:
    server.routes["/rss"] = Route(b"down", 500)
    ing = ingestor(tmp_path, poll_interval_s=600.0)
    with pytest.raises(FetchError):
        ing.add_feed(server.url("/rss"))
    server.routes["/rss"] = Route(rss([]))
    ing.add_feed(server.url("/rss"))
    server.routes["/rss"] = Route(b"down", 500)
    before = time.time()
    ing.poll()
    ing.poll(force=True)
    (feed,) = ing.feeds()
    assert (feed.errors, feed.last_status) == (2, f"error: HTTP 500 from {server.url('/rss')}")
    assert feed.next_poll >= before + 1200.0  # 600 s × 2^(2-1)
    hits = server.hits["/rss"]
    ing.poll()  # not due yet: no request
    assert server.hits["/rss"] == hits
    server.routes["/rss"] = Route(rss([]))
    ing.poll(force=True)
    (feed,) = ing.feeds()
    assert (feed.errors, feed.next_poll, feed.last_status) == (0, 0.0, "0 new of 0 items")


def test_not_a_feed_is_refused_on_add(server: NewsServer, tmp_path: Path) -> None:
    server.routes["/page"] = Route(b"<html><body>hello</body></html>")
    with pytest.raises(Exception, match=r"^not an RSS or Atom feed"):
        ingestor(tmp_path).add_feed(server.url("/page"))
    assert load_state(tmp_path / "data").feeds == []


def test_feed_remove_and_unknown_numbers(server: NewsServer, tmp_path: Path) -> None:
    server.routes["/rss"] = Route(rss([]))
    ing = ingestor(tmp_path)
    ing.add_feed(server.url("/rss"))
    with pytest.raises(Exception, match=r"^already subscribed to"):
        ing.add_feed(server.url("/rss") + "?utm_source=x")
    assert ing.remove_feed(1).url == server.url("/rss")
    with pytest.raises(Exception, match=r"^no feed number 1 \(see `warta feed list`\)$"):
        ing.remove_feed(1)


def test_a_poll_never_runs_twice_at_once(tmp_path: Path) -> None:
    ing = ingestor(tmp_path)
    with poll_lock(tmp_path / "data"), pytest.raises(PollBusyError):
        ing.poll()


# -- links and retention ----------------------------------------------------------------------


def test_add_url_refuses_a_second_copy_and_an_old_story(server: NewsServer, tmp_path: Path) -> None:
    ing = ingestor(tmp_path, max_article_age_days=30)
    url = serve_story(server, "/s", "cabai")
    story = ing.add_url(url)
    with pytest.raises(Exception, match=f"^already in the corpus as {story.file}$"):
        ing.add_url(url + "?utm_medium=share")
    old = serve_story(server, "/old", "gula", day=TODAY - timedelta(days=90))
    with pytest.raises(Exception, match=r"older than max_article_age_days \(30\)$"):
        ing.add_url(old)
    assert [s["url"] for s in stories(tmp_path)] == [url]


def test_retention_keeps_the_newest_within_age_and_count(
    server: NewsServer, tmp_path: Path
) -> None:
    ing = ingestor(tmp_path, max_article_age_days=30, max_articles=2)
    urls = [
        serve_story(server, f"/r{i}", f"barang{i}", day=TODAY - timedelta(days=i)) for i in range(3)
    ]
    for url in urls:
        ing.add_url(url)
    folder = tmp_path / "corpus" / "ingested"
    admin_file = folder / "catatan.json"
    admin_file.write_text('{"id": "x", "date": "2001-01-01", "text": "Catatan admin."}')
    os.utime(admin_file, (0, 0))  # an undated name counts by its modification time
    oldest = stories_name(folder, urls[2])
    report = ing.poll()
    assert sorted(report.removed) == sorted(["catatan.json", oldest])
    assert sorted(str(s["url"]) for s in stories(tmp_path)) == sorted(urls[:2])


def stories_name(folder: Path, url: str) -> str:
    return next(
        p.name for p in folder.glob("*.json") if json.loads(p.read_text()).get("url") == url
    )


def test_a_feed_item_whose_page_is_old_is_skipped(server: NewsServer, tmp_path: Path) -> None:
    old = serve_story(server, "/arsip", "gula", day=TODAY - timedelta(days=90))
    server.routes["/rss"] = Route(rss([item(old, "gula", D0)]))  # the feed calls it new
    ing = ingestor(tmp_path, max_article_age_days=30)
    ing.add_feed(server.url("/rss"))
    report = ing.poll()
    day = (TODAY - timedelta(days=90)).date().isoformat()
    assert report.feeds[0].skipped == [
        (old, f"published {day}, older than max_article_age_days (30)")
    ]
    assert (report.added, stories(tmp_path)) == (0, [])
