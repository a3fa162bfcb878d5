"""End to end: /feed, an admin's link, /add and the scheduled poll, through the real PTB
Application and the fake Bot API, fetching from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ingest.cli import ingest_config
from bot.ingest.service import Ingestor
from bot.telegram import texts
from tests.newsserver import NewsServer, Route, news_server, rss
from tests.telegram_harness import ADMIN_ID, SEED_OUTPUT, SEED_QUESTION, running_bot
from tests.test_ingest import D0, item, serve_story

NO_POLL = {"fetch_allow_private": True, "fetch_timeout_s": 5.0, "feed_poll_minutes": 0.0}


@pytest.fixture
def server() -> Iterator[NewsServer]:
    with news_server() as s:
        yield s


async def test_feed_add_list_remove_for_admins_only(tmp_path: Path, server: NewsServer) -> None:
    a = serve_story(server, "/cabai", "cabai")
    server.routes["/rss"] = Route(rss([item(a, "cabai")]))
    url = server.url("/rss")
    async with running_bot(tmp_path, **NO_POLL) as bot:
        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        added = await bot.reply_text(admin, bot.say(admin, f"/feed add {url}"))
        assert added == f"Feed 1 added: {url} (Kabar Kota, 1 items). Polled every 0 minutes."
        listed = await bot.reply_text(admin, bot.say(admin, "/feed list"))
        assert listed.splitlines()[:2] == [
            "Feeds",
            f"1. {url} — Kabar Kota",
        ]
        stats = await bot.reply_text(admin, bot.say(admin, "/stats"))
        assert f"1. {url} — Kabar Kota" in stats

        user = bot.api.private_chat(3001, language_code="id")
        refused = await bot.reply_text(user, bot.say(user, "/feed remove 1"))
        assert refused == texts.text("admin_only", "id")

        removed = await bot.reply_text(admin, bot.say(admin, "/feed remove 1"))
        assert removed == f"Feed 1 removed: {url}"
        usage = await bot.reply_text(admin, bot.say(admin, "/feed frobnicate"))
        assert usage == "Usage: /feed add URL · /feed list · /feed remove N"
        bad = await bot.reply_text(admin, bot.say(admin, "/feed remove 9"))
        assert bad == "Could not: no feed number 9 (see `warta feed list`)"
    assert bot.api.rejected == []


async def test_an_admins_link_is_added_and_answerable(tmp_path: Path, server: NewsServer) -> None:
    url = serve_story(server, "/berita/cabai", "cabai")
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT], **NO_POLL) as bot:
        admin = bot.api.private_chat(ADMIN_ID, language_code="id")
        sent = bot.say(admin, url)
        done = await bot.reply_with(admin, sent, "Ditambahkan")
        snap = bot.state.index.snapshot
        (article,) = [a for a in snap.articles if a.url == url]
        assert (article.source, article.date) == ("Kabar Kota", D0.date().isoformat())
        chunks = int((snap.chunks[:, 0] == snap.article_index[article.id]).sum())
        assert chunks >= 1
        day = D0.date().isoformat()
        assert done == f"Ditambahkan: Harga cabai naik ({day}, Kabar Kota, {chunks} potongan)."
        assert len(bot.replies(admin, sent)) == 1  # the progress message became the result

        again = bot.say(admin, f"/add {url}")
        assert (await bot.reply_with(admin, again, "Tidak bisa")).startswith(
            "Tidak bisa: already in the corpus as "
        )
        # A user's link is a question like any other: nothing is fetched for them.
        user = bot.api.private_chat(3001, language_code="id")
        hits = server.hits["/berita/cabai"]
        await bot.answer(user, bot.say(user, url))
        assert server.hits["/berita/cabai"] == hits
    assert bot.api.rejected == []


async def test_a_link_that_cannot_be_fetched_says_why(tmp_path: Path, server: NewsServer) -> None:
    server.routes["/rusak"] = Route(b"no", 500)
    async with running_bot(tmp_path, **NO_POLL) as bot:
        admin = bot.api.private_chat(ADMIN_ID, language_code="en")
        sent = bot.say(admin, f"/add {server.url('/rusak')}")
        assert await bot.reply_with(admin, sent, "Could not") == (
            f"Could not: HTTP 500 from {server.url('/rusak')}"
        )


async def test_the_scheduled_poll_adds_stories_without_blocking_answers(
    tmp_path: Path, server: NewsServer
) -> None:
    fast = serve_story(server, "/cepat", "cabai")
    slow = serve_story(server, "/lambat", "bawang")
    server.routes["/lambat"].delay_s = 4.0  # the poll is busy fetching this page meanwhile
    server.routes["/rss"] = Route(rss([item(fast, "cabai"), item(slow, "bawang")]))
    settings = {**NO_POLL, "feed_poll_minutes": 0.01, "fetch_timeout_s": 10.0}  # every 0.6 s
    async with running_bot(tmp_path, outputs=[SEED_OUTPUT], **settings) as bot:
        Ingestor(ingest_config(bot.settings)).add_feed(server.url("/rss"))
        async with asyncio.timeout(10):  # the fake Bot API does not see this: poll for it
            while server.hits["/lambat"] == 0:
                await asyncio.sleep(0.02)
        user = bot.api.private_chat(3001, language_code="id")
        answer = await bot.ask(user, SEED_QUESTION)
        assert "kereta api lapis baja" in (answer.text or "").casefold()
        # The answer came while the poll still waited on the slow page: nothing was added yet.
        assert not any(a.url == slow for a in bot.state.index.snapshot.articles)

        def both() -> bool:
            urls = {a.url for a in bot.state.index.snapshot.articles}
            return {fast, slow} <= urls

        async with asyncio.timeout(20):
            while not both():
                await asyncio.sleep(0.05)
        assert bot.state.last_reload is not None and bot.state.last_reload.report is not None
    # Later rounds found nothing new: each story's page was fetched once.
    assert (server.hits["/cepat"], server.hits["/lambat"]) == (1, 1)
