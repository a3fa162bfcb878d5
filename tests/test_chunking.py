"""Chunking: sentence-aware exact spans of the article text, of bounded size, covering it all."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retrieval.chunking import Chunk, Span, chunk_article, chunk_spans, sentence_spans

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_76514cd01a3de205.txt"


def sentences(text: str) -> list[str]:
    """Return the sentence strings of ``text``."""
    return [text[s.start : s.end] for s in sentence_spans(text)]


def check_chunks(text: str, chunks: list[Chunk], target: int, overlap: int) -> None:
    """Assert every invariant the chunker guarantees for ``chunks`` of ``text``."""
    covered = bytearray(len(text))
    for n, chunk in enumerate(chunks):
        assert chunk.chunk_id == f"art#{n}"
        assert chunk.article_id == "art"
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start : chunk.end] == chunk.text
        # Pieces of an over-long sentence are cut to the target too, so no chunk is longer.
        assert len(chunk.text) <= target
        assert not chunk.text[0].isspace() and not chunk.text[-1].isspace()
        covered[chunk.start : chunk.end] = b"\x01" * len(chunk.text)
    for previous, chunk in pairwise(chunks):
        # Every chunk moves on: it starts and ends later, and re-uses at most ``overlap``.
        assert chunk.start > previous.start
        assert chunk.end > previous.end
        assert previous.end - chunk.start <= overlap
    uncovered = [i for i, c in enumerate(text) if not c.isspace() and not covered[i]]
    assert uncovered == []
    assert (chunks == []) == (text.strip() == "")


# -- sentences --------------------------------------------------------------------------------


def test_sentences_respect_numbers_dates_names_quotes_and_abbreviations() -> None:
    text = (
        "Melansir Reuters, Senin (11/9/2023), harga Rp 1.000 naik. Indeks ditutup di 38.875 "
        'poin. Kim Jong-un berangkat. Dr. Budi bilang "Kami siap." Lalu pergi! Apa? Ya… '
        '"Bagus," katanya. U.S. officials met J. Kirby. Mr. Smith left.\nBaca Juga\n'
        "“Kami mendesak DPRK,” kata Kirby. Jl. Sudirman No. 5 ditutup dll. sejak pukul 10.00 "
        'WIB. Harga naik 2,5 persen. Dia bertanya: "Kapan?" Lalu pergi... Semua diam.'
    )
    assert sentences(text) == [
        "Melansir Reuters, Senin (11/9/2023), harga Rp 1.000 naik.",
        "Indeks ditutup di 38.875 poin.",
        "Kim Jong-un berangkat.",
        'Dr. Budi bilang "Kami siap."',
        "Lalu pergi!",
        "Apa?",
        "Ya…",
        '"Bagus," katanya.',
        "U.S. officials met J. Kirby.",
        "Mr. Smith left.",
        "Baca Juga",
        "“Kami mendesak DPRK,” kata Kirby.",
        "Jl. Sudirman No. 5 ditutup dll. sejak pukul 10.00 WIB.",
        "Harga naik 2,5 persen.",
        'Dia bertanya: "Kapan?"',
        "Lalu pergi...",
        "Semua diam.",
    ]


def test_end_mark_before_a_lowercase_word_does_not_end_the_sentence() -> None:
    text = "“Kami siap!” katanya tegas. Menurut dia… itu cukup? tanya Budi."
    assert sentences(text) == ["“Kami siap!” katanya tegas.", "Menurut dia… itu cukup? tanya Budi."]


def test_line_breaks_end_sentences_and_spans_are_trimmed() -> None:
    text = "  Judul berita\n\n  Paragraf pertama tanpa titik\r\nParagraf kedua.  \n\n"
    assert sentence_spans(text) == [Span(2, 14), Span(18, 46), Span(48, 63)]
    assert sentences(text) == ["Judul berita", "Paragraf pertama tanpa titik", "Paragraf kedua."]


@pytest.mark.parametrize("text", ["", " ", "\n\n\t "])
def test_blank_text_has_no_sentences_or_chunks(text: str) -> None:
    assert sentence_spans(text) == []
    assert chunk_spans(text) == []


# -- chunks -----------------------------------------------------------------------------------


def test_short_sentences_group_up_to_target_with_sentence_overlap() -> None:
    text = "Satu. Dua. Tiga. Empat. Lima."
    assert chunk_spans(text, target_chars=12, overlap_chars=6) == [
        Span(0, 10),  # "Satu. Dua."
        Span(6, 16),  # "Dua. Tiga."
        Span(11, 23),  # "Tiga. Empat."
        Span(17, 29),  # "Empat. Lima."
    ]
    assert chunk_spans(text, target_chars=12, overlap_chars=0) == [
        Span(0, 10),
        Span(11, 23),
        Span(24, 29),
    ]
    assert chunk_spans(text, target_chars=100, overlap_chars=50) == [Span(0, 29)]


def test_overlap_never_makes_a_chunk_that_adds_nothing() -> None:
    # The overlap sentence B fits 50 chars, but B + C do not fit 100: carrying B over would
    # make a chunk "B" that lies wholly inside the first one.
    text = "A" * 59 + ". " + "B" * 29 + ". " + "C" * 89 + "."
    assert chunk_spans(text, target_chars=100, overlap_chars=50) == [Span(0, 91), Span(92, 182)]


def test_long_sentence_is_cut_at_spaces_and_long_words_anywhere() -> None:
    assert chunk_spans("kata " * 10, target_chars=12, overlap_chars=0) == [
        Span(0, 9),
        Span(10, 19),
        Span(20, 29),
        Span(30, 39),
        Span(40, 49),
    ]
    assert chunk_spans("abcdefghijklmnopqrstuvwxyz", target_chars=10, overlap_chars=0) == [
        Span(0, 10),
        Span(10, 20),
        Span(20, 26),
    ]


@pytest.mark.parametrize(("target", "overlap"), [(600, 120), (300, 0), (270, 200), (1000, 999)])
def test_seed_article_chunks(target: int, overlap: int) -> None:
    text = SEED.read_text(encoding="utf-8")
    chunks = chunk_article("art", text, target_chars=target, overlap_chars=overlap)
    check_chunks(text, chunks, target, overlap)
    # Chunks are made of whole sentences (the seed's longest has 260 chars, under every target).
    bounds = {s.start for s in sentence_spans(text)}, {s.end for s in sentence_spans(text)}
    assert all(c.start in bounds[0] and c.end in bounds[1] for c in chunks)
    assert "Kim Jong-un" in chunks[0].text


@pytest.mark.parametrize(
    ("target", "overlap", "message"),
    [
        (0, 0, "target_chars must be >= 1, got 0"),
        (100, 100, r"overlap_chars must be in \[0, target_chars\), got 100"),
        (100, -1, r"overlap_chars must be in \[0, target_chars\), got -1"),
    ],
)
def test_bad_sizes_are_rejected(target: int, overlap: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        chunk_spans("Teks.", target_chars=target, overlap_chars=overlap)


# Text made of the characters the chunker treats specially, so that the search finds edge cases
# (end marks, quotes, abbreviations, line breaks, odd whitespace) far more often than st.text().
_PIECES = [*"ab Kz.!?…\"'”’)]»\n\t\u00a0\u2028,-0123", "Dr", "U.S", "Jong-un", "1.000", " — "]
_NEWSY = st.lists(st.sampled_from(_PIECES), max_size=200).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(st.text(max_size=400), _NEWSY),
    target=st.integers(min_value=1, max_value=300),
    overlap_seed=st.integers(min_value=0, max_value=10_000),
)
@example(text="A" * 59 + ". " + "B" * 29 + ". " + "C" * 89 + ".", target=100, overlap_seed=50)
def test_chunks_are_exact_spans_of_any_text(text: str, target: int, overlap_seed: int) -> None:
    overlap = overlap_seed % target
    chunks = chunk_article("art", text, target_chars=target, overlap_chars=overlap)
    check_chunks(text, chunks, target, overlap)
