"""Copy-constrained decoding: which tokens may follow, on hand-made token sequences."""

from __future__ import annotations

from bot.llm.copy import CopyConstraint

# Token ids stand for pieces: even ids start a word (" Kota"), odd ids continue one ("stok").
WORD = {10: " Pertemuan", 12: " di", 14: " Kota", 16: " Vladi", 17: "vo", 19: "stok", 21: ","}


def constraint(*seqs: list[int], whole: bool = False) -> CopyConstraint:
    return CopyConstraint(
        seqs,
        word_start=lambda t: WORD[t].startswith(" "),
        word_char_start=lambda t: WORD[t][:1].isalnum(),
        whole=whole,
    )


def test_a_span_starts_at_a_word_and_continues_the_text_it_copies() -> None:
    c = constraint([10, 12, 14, 16, 17, 19, 21])

    assert c.allowed() == ({10, 12, 14, 16}, False)
    c.advance(14)
    assert c.allowed() == ({16}, True)  # "Kota" may end the span, or go on to "Vladi"
    c.advance(16)
    assert c.allowed() == ({17}, False)  # never end inside a word
    c.advance(17)
    c.advance(19)
    assert c.allowed() == ({21}, True)  # before punctuation the span may end


def test_the_end_of_the_text_ends_the_span() -> None:
    c = constraint([14, 16, 19])
    for token in (14, 16, 19):
        c.advance(token)

    assert c.allowed() == (set(), True)


def test_whole_mode_allows_only_one_of_the_phrases_entire() -> None:
    c = constraint([14, 16, 19], [12, 14], whole=True)

    assert c.allowed() == ({14, 12}, False)
    c.advance(14)
    assert c.allowed() == ({16}, False)  # "Kota" alone is not one of the phrases
    c.advance(16)
    c.advance(19)
    assert c.allowed() == (set(), True)
