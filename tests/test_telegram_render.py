"""Rendering answers as Telegram HTML pages: escaping and splitting (pure functions)."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering import Answer
from bot.citations import Citation
from bot.telegram import texts
from bot.telegram.render import (
    cut,
    escape,
    pack,
    plain,
    render_answer,
    render_passage,
    render_preview,
    render_report,
    text_segments,
    utf16_len,
)
from tests.fakebotapi import parse_html


def answer(text: str, citations: tuple[Citation, ...] = (), lang: str = "en") -> Answer:
    return Answer(
        question="q",
        language=lang,  # type: ignore[arg-type]
        text=text,
        abstained=not citations,
        citations=citations,
        model="fake",
        timings_ms={"total": 1.0},
        mode="generated",
    )


def citation(
    n: int, *, title: str = "T", url: str | None = None, date: str | None = None
) -> Citation:
    return Citation(n, f"a{n}", title, url, date, "quote", 0, 5)


def visible(page: str) -> str:
    """Return what Telegram shows for a page (the fake parses like Telegram, strictly)."""
    return parse_html(page)[0]


def test_escape_leaves_no_markup_and_round_trips() -> None:
    hostile = '<b>x</b> & &amp; "q" <a href="javascript:alert(1)">'
    assert escape(hostile) == (
        '&lt;b&gt;x&lt;/b&gt; &amp; &amp;amp; "q" &lt;a href="javascript:alert(1)"&gt;'
    )
    assert visible(escape(hostile)) == hostile


def test_answer_with_sources_links_titles_and_escapes_everything() -> None:
    cited = (
        citation(1, title="<Kim> & Putin", url="https://example.com/?a=1&b='2'", date="2023-09-11"),
        citation(2, title="", url="javascript:alert(1)"),
    )
    [page] = render_answer(answer("Kim met Putin [1] & <said> so [2].", cited))
    assert page == (
        "Kim met Putin [1] &amp; &lt;said&gt; so [2].\n\n<b>Sources</b>\n"
        "[1] <a href=\"https://example.com/?a=1&amp;b='2'\">&lt;Kim&gt; &amp; Putin</a>"
        " · 2023-09-11\n[2] (untitled)"
    )
    text, entities = parse_html(page)
    assert [e["type"] for e in entities] == ["bold", "text_link"]
    assert entities[1]["url"] == "https://example.com/?a=1&b='2'"
    assert text.endswith("[2] (untitled)")


def test_indonesian_answer_uses_indonesian_headings() -> None:
    [page] = render_answer(answer("Ya [1].", (citation(1, title=""),), lang="id"))
    assert visible(page) == "Ya [1].\n\nSumber\n[1] (tanpa judul)"


def test_a_long_answer_is_split_between_sentences() -> None:
    sentences = [f"Sentence number {i} says a & b < c [1]." for i in range(300)]
    text = " ".join(sentences)
    pages = render_answer(answer(text, (citation(1),)))
    assert len(pages) == 3  # 12,000 characters
    shown = [visible(p) for p in pages]
    assert all(utf16_len(s) <= 4096 for s in shown)
    assert all(s.endswith("[1].") for s in shown[:-1])
    assert " ".join(shown) == text + "\n\nSources\n[1] T"


def test_a_sentence_longer_than_a_page_is_cut_at_spaces() -> None:
    text = "word & " * 1000  # 7,000 characters, no sentence end
    pages = render_answer(answer(text.strip()))
    shown = [visible(p) for p in pages]
    assert len(shown) == 2
    assert all(len(s) <= 4096 for s in shown)
    assert " ".join(shown) == text.strip()


def test_cut_never_splits_a_surrogate_pair() -> None:
    pieces = cut("😀" * 5, 3)
    assert pieces == ["😀", "😀", "😀", "😀", "😀"]
    with pytest.raises(ValueError, match="limit must be at least 2"):
        cut("abc", 1)


def test_pack_refuses_a_segment_larger_than_a_page() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        pack([plain("x" * 11)], limit=10)


def test_preview_is_cut_to_one_page_and_marked_unfinished() -> None:
    assert render_preview("  Kim & <Putin>  ") == "Kim &amp; &lt;Putin&gt; …"
    long = render_preview("a & b " * 2000)
    assert utf16_len(visible(long)) <= 4096
    assert visible(long).endswith(" …")


def test_passage_shows_title_date_quote_and_link() -> None:
    [page] = render_passage(
        title="A <title>", date="2024-01-02", url="https://x.test/a", quote="He said <no> & left.",
        lang="en",
    )  # fmt: skip
    text, entities = parse_html(page)
    assert text == "A <title>\n2024-01-02\nHe said <no> & left.\nhttps://x.test/a"
    assert [e["type"] for e in entities] == ["bold", "expandable_blockquote", "text_link"]


def test_a_huge_passage_is_quoted_over_several_pages() -> None:
    quote = "kata " * 2000
    pages = render_passage(title="", date=None, url=None, quote=quote, lang="id")
    assert len(pages) == 3  # 10,000 characters, the title on the first page
    assert all(parse_html(p)[1][-1]["type"] == "expandable_blockquote" for p in pages)
    assert "".join(visible(p).removeprefix("(tanpa judul)\n") for p in pages).split() == (
        quote.split()
    )


def test_report_breaks_between_lines() -> None:
    lines = [f"  skipped: file{i}.txt: <bad> & ugly" for i in range(300)]
    pages = render_report(texts.text("reload_done", "en"), lines)
    assert len(pages) == 3
    shown = [visible(p) for p in pages]
    assert shown[0].startswith("✅ Reload finished.\n  skipped: file0.txt: <bad> & ugly")
    # Whole lines on every page; only the indentation at a page start is trimmed.
    shown_lines = "\n".join(shown).splitlines()[1:]
    assert [line.strip() for line in shown_lines] == [line.strip() for line in lines]


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab <>&\"'.!?\n😀é")), min_size=0, max_size=400),
    limit=st.integers(min_value=8, max_value=60),
)
def test_pages_are_valid_html_within_the_limit_and_lose_nothing(text: str, limit: int) -> None:
    pages = pack(text_segments(text, limit=limit), limit=limit)
    shown = [visible(page) for page in pages]
    assert all(utf16_len(s) <= limit for s in shown)
    assert all(s == s.strip() and s for s in shown)
    # Only whitespace at the cuts can differ.
    assert "".join(shown).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_texts_escape_values_but_not_their_templates() -> None:
    rendered = texts.text("upload_refused", "en", name="<x>.txt", reason="a & b")
    assert rendered == "❌ I did not add &lt;x&gt;.txt: a &amp; b. Nothing was written."
    assert visible(rendered) == "❌ I did not add <x>.txt: a & b. Nothing was written."
    assert html.unescape(texts.text("help", "id", articles=3, span="", mention="@b")).startswith(
        "👋 Saya <b>Warta</b>"
    )


@pytest.mark.parametrize(
    ("n", "en", "id_"),
    [(1, "1st", "ke-1"), (2, "2nd", "ke-2"), (3, "3rd", "ke-3"), (4, "4th", "ke-4"),
     (11, "11th", "ke-11"), (12, "12th", "ke-12"), (13, "13th", "ke-13"), (21, "21st", "ke-21"),
     (102, "102nd", "ke-102"), (111, "111th", "ke-111")],
)  # fmt: skip
def test_ordinal_places_in_line(n: int, en: str, id_: str) -> None:
    assert texts.ordinal(n, "en") == en
    assert texts.ordinal(n, "id") == id_


@pytest.mark.parametrize(
    ("code", "message", "lang"),
    [("id", "What?", "id"), ("in", "", "id"), ("en-US", "Apa kabar?", "en"), ("de", "", "en"),
     (None, "Siapa yang bertemu Putin di Rusia?", "id"), (None, "Who met Putin?", "en"),
     (None, "", "en")],
)  # fmt: skip
def test_user_language_from_telegram_setting_else_message(
    code: str | None, message: str, lang: str
) -> None:
    assert texts.user_lang(code, message) == lang


def test_durations() -> None:
    assert [texts.duration(s) for s in (5, 65, 3600 + 7 * 60 + 30)] == [
        "5 s",
        "1 min 05 s",
        "1 h 07 min",
    ]
