"""Tests of citation checking, quoting and the extractive fallback (pure functions)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.citations import (
    Citation,
    Cited,
    Source,
    best_quote,
    extractive,
    focus,
    is_degenerate,
    numbers,
    split_claims,
    support,
    verify,
)
from retrieval.analysis import analyze
from retrieval.documents import Article

# The passage is a span in the middle of its article, so quote offsets are article offsets.
KIM_HEAD = "Bisnis.com, JAKARTA - Laporan terbaru.\n"
KIM_1 = "Kim Jong-un berangkat ke Rusia dengan kereta api lapis baja."
KIM_2 = "Ia akan bertemu Presiden Vladimir Putin di Vladivostok pada 12 September."
KIM_TAIL = "\nBaca juga: berita lain."
KIM = Article(
    id="kim",
    title="Kim ke Rusia",
    text=f"{KIM_HEAD}{KIM_1} {KIM_2}{KIM_TAIL}",
    url="https://example.id/kim",
    date="2023-09-11",
)
BERAS_1 = "Harga beras di Jakarta naik 5 persen pada Februari."
BERAS_2 = "Pedagang menyebut panen terlambat sebagai penyebabnya."
BERAS = Article(id="beras", title="", text=f"{BERAS_1} {BERAS_2}")

K0 = len(KIM_HEAD)  # where the Kim passage starts in its article
K1 = K0 + len(KIM_1) + 1  # where its second sentence starts


def kim_source(n: int = 1) -> Source:
    """Return the Kim passage (both sentences, not the head or tail) as source n."""
    end = K1 + len(KIM_2)
    return Source(n, KIM, K0, end, "id", KIM.text[K0:end])


def beras_source(n: int = 2) -> Source:
    """Return the whole rice-price article as source n."""
    return Source(n, BERAS, 0, len(BERAS.text), "id", BERAS.text)


SOURCES = (kim_source(1), beras_source(2))
# Question "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?", hand-weighted.
WEIGHTS = {
    "ndara": 3.0,
    "kim": 1.0,
    "jong-un": 2.0,
    "jong": 1.0,
    "un": 1.0,
    "angkat": 1.0,
    "rusia": 1.0,
}
CITE_KIM_1 = Citation(
    1, "kim", "Kim ke Rusia", "https://example.id/kim", "2023-09-11", KIM_1, K0, K0 + len(KIM_1)
)


def cite_kim_2(n: int) -> Citation:
    """Return citation n quoting the Kim article's Putin sentence."""
    return Citation(
        n, "kim", "Kim ke Rusia", "https://example.id/kim", "2023-09-11", KIM_2, K1, K1 + len(KIM_2)
    )


def cite_beras_1(n: int) -> Citation:
    """Return citation n quoting the rice article's first sentence."""
    return Citation(n, "beras", "", None, None, BERAS_1, 0, len(BERAS_1))


# split_claims and numbers


def test_split_claims_reads_markers_per_sentence() -> None:
    claims = split_claims("Kim naik kereta [1]. Harga beras naik [2][3]!  Tanpa sumber.")

    assert claims == [
        ("Kim naik kereta.", [1]),
        ("Harga beras naik!", [2, 3]),
        ("Tanpa sumber.", []),
    ]


def test_split_claims_gives_a_marker_after_the_full_stop_to_the_sentence_before() -> None:
    assert split_claims("Kim naik kereta. [1] Harga beras naik. [2]") == [
        ("Kim naik kereta.", [1]),
        ("Harga beras naik.", [2]),
    ]


def test_split_claims_splits_sentences_with_a_marker_glued_to_the_full_stop() -> None:
    assert split_claims("Kim naik kereta.[1] Harga beras naik.[2]") == [
        ("Kim naik kereta.", [1]),
        ("Harga beras naik.", [2]),
    ]


def test_split_claims_reads_a_marker_list() -> None:
    assert split_claims("Kim naik kereta [1, 2]. Harga naik [3,4].") == [
        ("Kim naik kereta.", [1, 2]),
        ("Harga naik.", [3, 4]),
    ]


def test_numbers_reads_digits_with_separators_and_dates() -> None:
    text = "Harga naik 5 persen, menjadi Rp1.250,50 pada 11/9/2023. Stok 38.875 ton."

    assert numbers(text) == {"5", "1.250,50", "11", "9", "2023", "38.875"}


# support


def test_support_is_the_share_of_sentence_terms_found_in_the_passage() -> None:
    # Terms kim, naik, reta, moskow: kim and reta (kereta) occur in the passage.
    assert support("Kim naik kereta ke Moskow.", kim_source()) == 0.5
    assert support("Kim Jong-un bertemu Putin pada 12 September.", kim_source()) == 1.0


def test_support_is_zero_when_a_number_is_not_in_the_passage() -> None:
    assert support("Kim Jong-un bertemu Putin pada 13 September.", kim_source()) == 0.0
    assert support("Harga beras naik 7 persen.", beras_source()) == 0.0


def test_support_is_zero_for_a_sentence_without_content_terms() -> None:
    assert support("Ya, itu dia.", kim_source()) == 0.0


def test_support_ignores_text_blanked_out_of_the_passage() -> None:
    blanked = Source(
        1, BERAS, 0, len(BERAS.text), "id", " " * len(BERAS_1) + BERAS.text[len(BERAS_1) :]
    )

    assert support("Harga beras naik 5 persen.", blanked) == 0.0


# verify


def test_verify_keeps_a_supported_marker() -> None:
    cited = verify("Kim Jong-un berangkat dengan kereta api lapis baja [1].", SOURCES, WEIGHTS)

    assert cited == Cited("Kim Jong-un berangkat dengan kereta api lapis baja [1].", (CITE_KIM_1,))


def test_verify_replaces_an_invented_marker_with_the_supporting_passage() -> None:
    cited = verify("Kim Jong-un berangkat dengan kereta api lapis baja [9].", SOURCES, WEIGHTS)

    assert cited == Cited("Kim Jong-un berangkat dengan kereta api lapis baja [1].", (CITE_KIM_1,))


def test_verify_replaces_a_marker_whose_passage_does_not_support_the_sentence() -> None:
    cited = verify("Kim Jong-un berangkat dengan kereta api lapis baja [2].", SOURCES, WEIGHTS)

    assert cited == Cited("Kim Jong-un berangkat dengan kereta api lapis baja [1].", (CITE_KIM_1,))


def test_verify_attaches_the_supporting_passage_to_an_unmarked_sentence() -> None:
    cited = verify("Harga beras di Jakarta naik 5 persen", SOURCES, WEIGHTS)

    assert cited == Cited("Harga beras di Jakarta naik 5 persen [1].", (cite_beras_1(1),))


def test_verify_attaches_the_better_ranked_of_equally_supporting_passages() -> None:
    copy = Article(id="kim-copy", title="", text=KIM_1)
    sources = (Source(1, copy, 0, len(KIM_1), "id", KIM_1), kim_source(2))

    cited = verify("Kim Jong-un naik kereta api lapis baja.", sources, WEIGHTS)

    quote = Citation(1, "kim-copy", "", None, None, KIM_1, 0, len(KIM_1))
    assert cited == Cited("Kim Jong-un naik kereta api lapis baja [1].", (quote,))


def test_verify_drops_unsupported_sentences_and_their_markers() -> None:
    output = "Kim Jong-un naik kereta api lapis baja [1]. Korea Utara menguji rudal baru [1]."

    cited = verify(output, SOURCES, WEIGHTS)

    assert cited == Cited("Kim Jong-un naik kereta api lapis baja [1].", (CITE_KIM_1,))


def test_verify_drops_a_sentence_with_a_number_not_in_the_passage() -> None:
    output = "Harga beras di Jakarta naik 7 persen [2]. Kim Jong-un naik kereta api lapis baja [1]."

    cited = verify(output, SOURCES, WEIGHTS)

    assert cited == Cited("Kim Jong-un naik kereta api lapis baja [1].", (CITE_KIM_1,))


def test_verify_returns_none_when_no_sentence_is_supported() -> None:
    assert (
        verify("Korea Utara menguji rudal baru [1]. Harga naik 7 persen [2].", SOURCES, WEIGHTS)
        is None
    )
    assert verify("[1] [2]", SOURCES, WEIGHTS) is None


def test_verify_numbers_citations_in_order_of_first_use() -> None:
    output = "Harga beras naik 5 persen [2]. Kim Jong-un naik kereta api lapis baja [1][1]."

    cited = verify(output, SOURCES, WEIGHTS)

    kim = Citation(2, *list(CITE_KIM_1.__dict__.values())[1:])
    assert cited == Cited(
        "Harga beras naik 5 persen [1]. Kim Jong-un naik kereta api lapis baja [2].",
        (cite_beras_1(1), kim),
    )


def test_verify_cites_a_passage_used_twice_once() -> None:
    output = "Kim Jong-un naik kereta api lapis baja [1]. Kim bertemu Putin di Vladivostok [1]!"

    cited = verify(output, SOURCES, WEIGHTS)

    assert cited == Cited(
        "Kim Jong-un naik kereta api lapis baja [1]. Kim bertemu Putin di Vladivostok [1]!",
        (CITE_KIM_1,),
    )


def test_verify_quotes_the_passage_sentence_that_backs_the_claim() -> None:
    # The question's words are all in the first sentence; the claim is in the second.
    cited = verify("Putin bertemu Kim di Vladivostok [1].", SOURCES, WEIGHTS)

    assert cited == Cited("Putin bertemu Kim di Vladivostok [1].", (cite_kim_2(1),))


def test_verify_keeps_markers_of_each_supporting_passage() -> None:
    other = Source(3, KIM, K1, K1 + len(KIM_2), "id", KIM_2)
    output = "Putin bertemu Kim di Vladivostok [3][1]."

    cited = verify(output, (*SOURCES, other), WEIGHTS)

    assert cited == Cited(
        "Putin bertemu Kim di Vladivostok [1][2].", (cite_kim_2(1), cite_kim_2(2))
    )


def test_verify_drops_questions_and_restated_questions() -> None:
    output = "Kim Jong-un berangkat ke Rusia [1]. Kim berangkat ke Rusia? Dengan kereta api [1]."

    cited = verify(output, SOURCES, WEIGHTS)

    assert cited == Cited("Dengan kereta api [1].", (CITE_KIM_1,))


def test_verify_reads_marker_lists_and_glued_markers() -> None:
    output = "Harga beras naik 5 persen.[2] Kim Jong-un naik kereta api lapis baja [1, 2]."

    cited = verify(output, SOURCES, WEIGHTS)

    kim = Citation(2, *list(CITE_KIM_1.__dict__.values())[1:])
    assert cited == Cited(
        "Harga beras naik 5 persen [1]. Kim Jong-un naik kereta api lapis baja [2].",
        (cite_beras_1(1), kim),
    )


@given(
    st.text(
        alphabet=st.sampled_from("Kim naik kereta harga beras 5 7 12 [1] [2] [9] . ?\n"),
        max_size=120,
    )
)
def test_verify_output_cites_every_marker_with_an_exact_quote(output: str) -> None:
    cited = verify(output, SOURCES, WEIGHTS)

    if cited is None:
        return
    marked = {int(n) for n in re.findall(r"\[(\d+)\]", cited.text)}
    assert marked == {c.n for c in cited.citations}
    articles = {"kim": KIM, "beras": BERAS}
    for c in cited.citations:
        assert articles[c.article_id].text[c.start : c.end] == c.quote != ""


# best_quote


def test_best_quote_returns_the_article_span_of_the_best_sentence() -> None:
    assert best_quote(kim_source(), {"putin": 1.0}) == (K1, K1 + len(KIM_2))
    assert best_quote(kim_source(), {"reta": 1.0}) == (K0, K0 + len(KIM_1))


# extractive


def test_extractive_quotes_the_best_matching_sentence() -> None:
    weights = {"harga": 2.0, "beras": 2.0, "naik": 1.0, "jakarta": 1.5}

    cited, best = extractive(SOURCES, weights, lead="Menurut sumber:")

    assert cited == Cited(f"Menurut sumber: “{BERAS_1}” [1]", (cite_beras_1(1),))
    assert best == 6.5 * (1.0 - 0.02)  # the second passage is discounted by rank


def test_extractive_quotes_two_sentences_that_match_about_as_well() -> None:
    weights = {"kim": 1.0, "reta": 1.0, "putin": 1.0, "vladivostok": 1.0}

    cited, best = extractive(SOURCES, weights, lead="According to the sources:")

    assert cited == Cited(
        f"According to the sources: “{KIM_1}” [1] “{KIM_2}” [2]", (CITE_KIM_1, cite_kim_2(2))
    )
    assert best == 2.0


def test_extractive_respects_max_quotes() -> None:
    weights = {"kim": 1.0, "reta": 1.0, "putin": 1.0, "vladivostok": 1.0}

    cited, _ = extractive(SOURCES, weights, lead="Menurut sumber:", max_quotes=1)

    assert cited == Cited(f"Menurut sumber: “{KIM_1}” [1]", (CITE_KIM_1,))


def test_extractive_prefers_the_better_ranked_passage_on_a_tie() -> None:
    weights = {"kim": 1.0, "harga": 1.0}

    cited, _ = extractive(
        (beras_source(1), kim_source(2)), weights, lead="Menurut sumber:", max_quotes=1
    )

    assert cited == Cited(f"Menurut sumber: “{BERAS_1}” [1]", (cite_beras_1(1),))


def test_extractive_finds_nothing_when_no_sentence_matches() -> None:
    assert extractive(SOURCES, {"rudal": 5.0}, lead="Menurut sumber:") == (Cited("", ()), 0.0)
    assert extractive((), {"kim": 1.0}, lead="Menurut sumber:") == (Cited("", ()), 0.0)


# is_degenerate


def test_is_degenerate_flags_empty_and_repeating_output() -> None:
    assert is_degenerate("")
    assert is_degenerate("  \n ")
    assert is_degenerate("kereta " * 10)
    assert is_degenerate("Kim naik kereta [1]. " * 4)
    # Few repeated words, but the same run of words twice.
    assert is_degenerate(
        "satu dua tiga empat lima enam satu dua tiga empat lima enam tujuh delapan"
    )


def test_is_degenerate_accepts_a_plain_answer() -> None:
    assert not is_degenerate("Kim Jong-un berangkat dengan kereta api lapis baja [1].")
    assert not is_degenerate("Ya.")


def test_focus_keeps_the_best_sentence_and_its_better_neighbour() -> None:
    text = "Cuaca cerah. Kim naik kereta lapis baja. Kereta itu menuju Vladivostok. Harga naik."
    weights = {t: 1.0 for t in analyze("kereta lapis baja Vladivostok", "id")}

    start, end = focus(text, "id", weights, max_chars=60)

    assert text[start:end] == "Kim naik kereta lapis baja. Kereta itu menuju Vladivostok."


def test_focus_returns_the_best_sentence_alone_when_neighbours_do_not_fit() -> None:
    text = "Cuaca cerah hari ini. Kim naik kereta lapis baja. Harga beras naik lagi."
    weights = {t: 1.0 for t in analyze("kereta", "id")}

    assert focus(text, "id", weights, max_chars=10) == (22, 49)


def test_verify_starts_the_reply_with_a_capital_letter() -> None:
    cited = verify("dengan kereta api lapis baja [1].", SOURCES, WEIGHTS)

    assert cited is not None
    assert cited.text == "Dengan kereta api lapis baja [1]."
