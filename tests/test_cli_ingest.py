"""`warta feed add|list|remove|poll` and `warta add URL` through the real entry point."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.builders import clear_warta_env
from tests.newsserver import NewsServer, Route, news_server, rss
from tests.test_ingest import D0, D1, item, serve_story

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a tmp directory with a copy of the seeds as corpus, loopback fetches allowed."""
    clear_warta_env(monkeypatch)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WARTA_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("WARTA_FETCH_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("WARTA_FETCH_TIMEOUT_S", "3")
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, tmp_path / "corpus")
    level = logging.getLogger("retrieval").level
    yield tmp_path
    logging.getLogger("retrieval").setLevel(level)


@pytest.fixture
def server() -> Iterator[NewsServer]:
    with news_server() as s:
        yield s


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_feed_add_list_poll_search_remove(
    work: Path, server: NewsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    a = serve_story(server, "/cabai", "cabai")
    b = serve_story(server, "/bawang", "bawang", day=D1)
    server.routes["/rss"] = Route(rss([item(a, "cabai"), item(b, "bawang", D1)]))
    feed_url = server.url("/rss")

    assert run(capsys, "feed", "add", feed_url) == (
        0, f"feed 1 added: {feed_url} (Kabar Kota, 2 items now)\n", "",
    )  # fmt: skip
    code, out, err = run(capsys, "feed", "poll")
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[:4] == [
        "2 new, 0 removed by retention",
        f"  feed 1 {feed_url}: 2 new of 2 items",
        f"    added: Harga cabai naik ({D0.date().isoformat()})",
        f"    added: Harga bawang naik ({D1.date().isoformat()})",
    ]
    assert re.fullmatch(
        r"index: 3 added, 0 updated, 0 removed, 0 skipped; 3 articles, \d+ chunks in .*", lines[4]
    )

    code, out, _ = run(capsys, "search", "pasokan bawang berkurang", "--json", "-k", "1")
    (hit,) = json.loads(out)["results"]
    assert (hit["url"], hit["date"]) == (b, D1.date().isoformat())

    code, out, _ = run(capsys, "feed", "list")
    assert out.startswith(f"1. {feed_url} — Kabar Kota\n   last poll ")
    assert out.rstrip().endswith(": 2 new of 2 items; 2 articles")

    assert run(capsys, "feed", "remove", "1") == (0, f"feed 1 removed: {feed_url}\n", "")
    assert run(capsys, "feed", "list") == (0, "no feeds\n", "")
    assert run(capsys, "feed", "remove", "7") == (
        1, "", "warta: no feed number 7 (see `warta feed list`)\n",
    )  # fmt: skip


def test_add_url_reports_title_date_source_and_chunks(
    work: Path, server: NewsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve_story(server, "/cabai", "cabai")
    code, out, err = run(capsys, "add", url)
    assert (code, err) == (0, "")
    index_line, added = out.splitlines()
    # No index existed yet: the seed article is indexed along with the new story.
    assert index_line.startswith("index: 2 added, 0 updated, 0 removed, 0 skipped; 2 articles")
    assert added == f"added: Harga cabai naik ({D0.date().isoformat()}, Kabar Kota, 1 chunks)"
    assert run(capsys, "add", url)[0:2] == (1, "")


def test_add_refuses_private_addresses_by_default(
    work: Path,
    server: NewsServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WARTA_FETCH_ALLOW_PRIVATE")
    url = serve_story(server, "/cabai", "cabai")
    code, out, err = run(capsys, "add", url)
    assert (code, out) == (1, "")
    assert err == (
        "warta: 127.0.0.1 resolves to a non-public address (127.0.0.1); "
        "set WARTA_FETCH_ALLOW_PRIVATE=true to allow it\n"
    )
    assert server.hits["/cabai"] == 0
