"""Callback data of source buttons: at most 64 bytes, persisted ids, changed articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.sources import MAX_BYTES, SourceKeys, SourceRef, quote_check

TEXT = "Kim Jong-un berangkat ke Rusia. Putin menunggu di Vladivostok."


def test_short_ids_travel_in_the_button_itself(tmp_path: Path) -> None:
    keys = SourceKeys(tmp_path / "keys.json")
    data = keys.encode("000_76514cd01a3de205", 32, 62, TEXT[32:62])
    assert data == f"src:20:3e:{quote_check(TEXT[32:62])}:=000_76514cd01a3de205"
    ref = keys.decode(data)
    assert ref == SourceRef("000_76514cd01a3de205", 32, 62, quote_check(TEXT[32:62]))
    assert ref.quote_in(TEXT) == "Putin menunggu di Vladivostok."
    assert not (tmp_path / "keys.json").exists()  # nothing to remember


def test_long_ids_are_hashed_and_remembered_across_restarts(tmp_path: Path) -> None:
    long_id = "https://news.example.com/2024/02/01/" + "very-long-slug-" * 5
    data = SourceKeys(tmp_path / "keys.json").encode(long_id, 0, 31, TEXT[:31])
    assert len(data.encode()) <= MAX_BYTES
    assert long_id not in data
    restarted = SourceKeys(tmp_path / "keys.json")
    ref = restarted.decode(data)
    assert ref is not None and ref.article_id == long_id
    assert ref.quote_in(TEXT) == "Kim Jong-un berangkat ke Rusia."


def test_a_changed_article_no_longer_yields_the_quote(tmp_path: Path) -> None:
    keys = SourceKeys(tmp_path / "keys.json")
    ref = keys.decode(keys.encode("a", 0, 31, TEXT[:31]))
    assert ref is not None
    assert ref.quote_in("Kim Jong-un berangkat ke China. Putin menunggu.") is None
    assert ref.quote_in("Kim") is None  # shorter than the span


@pytest.mark.parametrize(
    "data",
    ["", "src", "src:1:2:abc", "src:1:2:abcdef12:", "src:x:2:abcdef12:=a", "src:1:2:abcdef12:?a",
     "src:1:2:abcdef12:#0000000000000000", "other:1:2:abcdef12:=a"],
)  # fmt: skip
def test_foreign_or_broken_data_decodes_to_none(tmp_path: Path, data: str) -> None:
    assert SourceKeys(tmp_path / "keys.json").decode(data) is None


def test_an_unreadable_map_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text("[not json", encoding="utf-8")
    keys = SourceKeys(path)
    data = keys.encode("x" * 80, 0, 1, "K")
    assert keys.decode(data) is not None
    assert json.loads(path.read_text(encoding="utf-8")) == {data.rsplit("#", 1)[1]: "x" * 80}


def test_an_empty_span_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="0 <= start < end"):
        SourceKeys(tmp_path / "k.json").encode("a", 5, 5, "")


@settings(max_examples=100, deadline=None)
@given(
    article_id=st.text(min_size=1, max_size=120).filter(lambda s: s.strip() != ""),
    start=st.integers(min_value=0, max_value=10_000_000),
    length=st.integers(min_value=1, max_value=100_000),
)
def test_every_button_fits_and_round_trips(
    tmp_path_factory: pytest.TempPathFactory, article_id: str, start: int, length: int
) -> None:
    keys = SourceKeys(tmp_path_factory.mktemp("keys") / "keys.json")
    data = keys.encode(article_id, start, start + length, "quote")
    assert 1 <= len(data.encode("utf-8")) <= MAX_BYTES
    assert keys.decode(data) == SourceRef(article_id, start, start + length, quote_check("quote"))
