"""Cross-lingual query expansion: lexicon lookups, weights, caps, pass-through, the build."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from retrieval.analysis import ANALYZER_VERSION, LANGS, Lang, stem, stopwords
from retrieval.crosslingual import (
    Lexicon,
    QueryWord,
    expand_query,
    expand_with,
    load_lexicon,
    other,
    query_words,
)

REPO = Path(__file__).resolve().parent.parent
HEADER = f"# warta-lexicon format=1 analyzer={ANALYZER_VERSION}\n"


def make_lexicon(
    source: Lang, entries: dict[str, list[tuple[str, float]]], *, curated: bool = False
) -> Lexicon:
    """Build a lexicon from plain words: keys stemmed for ``source`` (``=word`` kept as is)."""
    target = other(source)
    lines = []
    for key, translations in entries.items():
        if not key.startswith("="):
            key = " ".join(stem(key.split(), source))
        encoded = "|".join(
            f"{' '.join(stem(words.split(), target))}={conf:g}{'*' * curated}"
            for words, conf in translations
        )
        lines.append(f"{key}\t{encoded}")
    return Lexicon.from_text(HEADER + "\n".join(lines) + "\n", source=source)


def id_stem(word: str) -> str:
    return stem([word], "id")[0]


# --- expansion logic on small inline lexicons -------------------------------------------------

TRAVEL = make_lexicon(
    "en", {"travel": [("perjalanan", 1.0), ("kereta api", 0.5), ("bepergian", 0.8)]}
)


def test_translations_weigh_less_than_originals_and_phrases_share_their_weight() -> None:
    assert expand_with(TRAVEL, "travel", weight=0.4) == [
        ("jalan", 0.4),
        ("reta", 0.1),  # 0.4 * 0.5, shared by the two terms of "kereta api"
        ("api", 0.1),
    ]


@pytest.mark.parametrize(
    ("cap", "expected"),
    [(0, []), (1, ["jalan"]), (2, ["jalan", "pergi"]), (3, ["jalan", "reta", "api"])],
)
def test_cap_counts_terms_and_skips_a_phrase_that_does_not_fit(
    cap: int, expected: list[str]
) -> None:
    assert [term for term, _ in expand_with(TRAVEL, "travels", max_per_word=cap)] == expected


def test_indonesian_word_entry_beats_its_overstripped_stem() -> None:
    # Snowball stems pemilu to pilu ("sad"); the surface entry keeps the right sense first.
    assert id_stem("pemilu") == id_stem("pilu")
    lexicon = make_lexicon("id", {"pilu": [("grief", 1.0)], "=pemilu": [("election", 1.0)]})
    assert expand_with(lexicon, "pemilu", max_per_word=1) == [("elect", 0.4)]
    assert expand_with(lexicon, "pilu", max_per_word=1) == [("grief", 0.4)]


def test_english_stem_entry_beats_a_rare_sense_of_the_inflected_word() -> None:
    lexicon = make_lexicon("en", {"tiger": [("harimau", 1.0)], "=tigers": [("macan tamil", 1.0)]})
    assert expand_with(lexicon, "tigers", max_per_word=1) == [("harimau", 0.4)]


def test_longest_phrase_wins_over_its_words() -> None:
    lexicon = make_lexicon(
        "en",
        {
            "united nations": [("pbb", 1.0)],
            "united": [("bersatu", 1.0)],
            "nations": [("bangsa", 1.0)],
        },
    )
    assert expand_with(lexicon, "what did the united nations say") == [("pbb", 0.4)]
    assert expand_with(lexicon, "a united team") == [(id_stem("bersatu"), 0.4)]
    # Capitalised, they are also names: passed through where the Indonesian stem differs.
    assert expand_with(lexicon, "What did the United Nations say?") == [
        ("pbb", 0.4),
        ("united", 1.0),
        ("nations", 1.0),
    ]


def test_a_phrase_translation_gets_the_weight_and_cap_of_each_word_it_covers() -> None:
    lexicon = make_lexicon(
        "en", {"national park": [("taman nasional", 1.0), ("kebun raya", 0.5), ("cagar", 0.5)]}
    )
    assert expand_with(lexicon, "a national park", max_per_word=2) == [
        ("taman", 0.4),
        ("nasional", 0.4),
        ("kebun", 0.2),
        ("raya", 0.2),
    ]


def test_acronyms_use_curated_translations_only_and_may_spell_a_stopword() -> None:
    curated = make_lexicon("en", {"us": [("amerika serikat", 1.0)]}, curated=True)
    assert "us" in stopwords("en")
    assert expand_with(curated, "in the US") == [("amerika", 0.2), ("serikat", 0.2)]
    assert expand_with(curated, "tell us") == []
    uncurated = make_lexicon("id", {"ma": [("massachusetts", 1.0)]})
    assert expand_with(uncurated, "menurut MA") == []
    assert expand_with(uncurated, "ma") == [("massachusett", 0.4)]


def test_names_pass_through_only_where_the_other_stem_differs() -> None:
    empty = Lexicon({}, source="en")
    assert stem(["bekele"], "en") == ["bekel"]  # so an Indonesian chunk's "bekele" is missed
    assert expand_with(empty, "When did Kenenisa Bekele win?") == [
        (id_stem("kenenisa"), 1.0),
        ("bekele", 1.0),
    ]
    assert expand_with(empty, "Where is Jakarta?") == []  # same stem in both languages


def test_numbers_pass_through_with_the_other_languages_separators() -> None:
    en = make_lexicon("en", {"metres": [("meter", 1.0)]})
    assert expand_with(en, "the 1,500 metres in 2005") == [("1.500", 1.0), ("meter", 0.4)]
    empty_id = Lexicon({}, source="id")
    assert expand_with(empty_id, "harga 2,04 miliar") == [("2.04", 1.0)]


def test_query_words_tell_names_acronyms_and_numbers_by_casing() -> None:
    words = query_words("Did the US meet Kim Jong-un in 2005? Kim left.", "en")
    assert words == [
        QueryWord("us", (), "acronym", True),
        QueryWord("meet", (), "word", False),
        QueryWord("kim", (), "name", True),
        QueryWord("jong-un", ("jong", "un"), "name", True),
        QueryWord("2005", (), "number", False),
        QueryWord("kim", (), "word", True),  # capitalised because it starts a sentence
        QueryWord("left", (), "word", False),
    ]
    assert [w.kind for w in query_words("WHERE IS KIM JONG-UN", "en")] == ["word", "word"]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"max_per_word": -1}, "max_per_word"),
        ({"weight": 0.0}, "weight"),
        ({"weight": 1.0}, "weight"),
    ],
)
def test_bad_arguments_are_rejected_by_name(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        expand_with(TRAVEL, "travel", **kwargs)  # type: ignore[arg-type]


def test_unknown_source_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="source"):
        expand_query("travel", source="fr")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["# not a lexicon\n", "# warta-lexicon format=9 analyzer=1\n", HEADER + "travel\n"],
)
def test_malformed_lexicon_text_is_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        Lexicon.from_text(text, source="en")


# --- the shipped lexicon ----------------------------------------------------------------------


def test_english_question_gets_indonesian_index_terms() -> None:
    expanded = dict(expand_query("How did Kim Jong-un travel to Russia?", source="en"))
    assert id_stem("perjalanan") in expanded or id_stem("kereta") in expanded
    assert expanded[id_stem("rusia")] == pytest.approx(0.4)
    assert all(0 < weight < 1 for weight in expanded.values())


def test_indonesian_question_gets_english_index_terms() -> None:
    expanded = dict(expand_query("Siapa yang memenangkan pemilu?", source="id"))
    assert "elect" in expanded
    assert "win" in expanded


def test_curated_acronyms_translate_both_ways() -> None:
    assert {"un", "unit", "nation"} <= dict(expand_query("Sikap PBB", source="id")).keys()
    assert id_stem("pbb") in dict(expand_query("the UN said", source="en"))


@pytest.mark.parametrize("lang", LANGS)
def test_stopwords_are_never_expanded(lang: Lang) -> None:
    for word in sorted(stopwords(lang)):
        assert expand_query(word, source=lang) == [], word


@pytest.mark.parametrize(("word", "lang"), [("travel", "en"), ("minyak", "id"), ("sold", "en")])
def test_cap_holds_on_the_shipped_lexicon(word: str, lang: Lang) -> None:
    for cap in range(4):
        expanded = expand_query(word, source=lang, max_per_word=cap, weight=0.5)
        assert len(expanded) <= cap
        assert all(0 < weight <= 0.5 for _, weight in expanded)
    assert len(expand_query(word, source=lang, max_per_word=3)) >= 1


def test_shipped_lexicons_were_built_with_the_current_analyzer() -> None:
    for source in LANGS:
        path = REPO / "retrieval" / "data" / "lexicon" / f"{source}-{other(source)}.tsv"
        header = path.read_text("utf-8").partition("\n")[0]
        assert header.startswith(f"# warta-lexicon format=1 analyzer={ANALYZER_VERSION} ")
        assert len(load_lexicon(source)) > 10_000


def test_lexicon_loads_lazily_one_direction_at_a_time() -> None:
    code = (
        "from retrieval import crosslingual as x\n"
        "print(x.load_lexicon.cache_info().currsize)\n"
        "x.expand_query('How did Kim travel?', source='en')\n"
        "print(x.load_lexicon.cache_info().currsize, x.load_lexicon.cache_info().misses)\n"
        "x.expand_query('Where did he go?', source='en')\n"
        "print(x.load_lexicon.cache_info().misses)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["0", "1", "1", "1"]


# --- the build script -------------------------------------------------------------------------


def load_build_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_lexicon", REPO / "scripts" / "build_lexicon.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses resolve their annotations through sys.modules.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def write_sources(root: Path) -> Path:
    source = root / "source"
    source.mkdir()
    (source / "en_id_freedict.tsv").write_text("# english\tindonesian\ntrain\tkereta api\n")
    (source / "en_id_wnbahasa.tsv").write_text(
        "# english\tindonesian\tbest_sense_rank\tpwn30_synsets\n"
        "train\tlatih\t1\t01-v\n"
        "sell\tmenjual\t1\t02-v,03-v\n"
        "tiger\tharimau\t2\t04-n\n"
        "tiger\tmacan\t3\t04-n\n"
        "the\tyang\t1\t05-n\n"
    )
    for name in ("LICENSE.wordnet-bahasa", "LICENSE.princeton-wordnet-3.0", "citation.bib"):
        (source / name).write_text(f"notice {name}\n")
    (root / "curated.tsv").write_text("# mine\nunited nations\tpbb\nun\tpbb\n")
    (root / "irregular.tsv").write_text("sold\tsell\n")
    return source


def test_build_script_is_reproducible_and_ranks_by_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = load_build_script(monkeypatch)
    source = write_sources(tmp_path)
    outputs = [tmp_path / "out1", tmp_path / "out2"]
    for out in outputs:
        argv = ["--source", str(source), "--output", str(out)]
        argv += ["--curated", str(tmp_path / "curated.tsv")]
        argv += ["--irregular", str(tmp_path / "irregular.tsv")]
        assert build.main(argv) == 0
    names = ("en-id.tsv", "id-en.tsv", "en-words.tsv", "id-words.tsv", "LICENSE.wordnet-bahasa")
    for name in (*names, "citation.bib"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes()
    # Each first translation's written form, for glosses: "reta api" is written "kereta api".
    id_words = (outputs[0] / "id-words.tsv").read_text("utf-8").splitlines()[1:]
    assert "reta api\tkereta api" in id_words and "harimau\tharimau" in id_words
    assert "latih\tlatih" not in id_words  # only a second translation: no gloss shows it

    en = Lexicon.from_text((outputs[0] / "en-id.tsv").read_text("utf-8"), source="en")
    assert [(t.terms, t.confidence) for t in en.lookup(["train"])] == [
        (("reta", "api"), 1.0),  # FreeDict outranks Wordnet Bahasa
        (("latih",), 0.5),
    ]
    assert [t.terms for t in en.lookup(["sold"])] == [("jual",)]  # irregular form of "sell"
    assert [t.terms for t in en.lookup(["tiger"])] == [("harimau",)]  # sense rank 3 dropped
    assert en.lookup(["the"]) == ()  # stopwords are never keys
    assert [(t.terms, t.curated) for t in en.lookup(["united", "nations"])] == [(("pbb",), True)]
    id_en = Lexicon.from_text((outputs[0] / "id-en.tsv").read_text("utf-8"), source="id")
    assert [t.terms for t in id_en.lookup(["kereta", "api"])] == [("train",)]
    assert [t.terms for t in id_en.lookup(["pbb"])] == [("un",), ("unit", "nation")]


def test_build_script_needs_the_source_lexicons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = load_build_script(monkeypatch)
    assert build.main(["--source", str(tmp_path), "--output", str(tmp_path / "out")]) == 2
    assert "en_id_wnbahasa.tsv" in capsys.readouterr().err
