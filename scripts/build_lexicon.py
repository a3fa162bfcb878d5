"""Build Warta's compact cross-lingual lexicon (retrieval/data/lexicon/{en-id,id-en}.tsv).

Reads the English-Indonesian lexicons in ../shared/data/lexicon (Wordnet Bahasa x WordNet 3.0,
FreeDict eng-ind) and the curated pairs in retrieval/data/lexicon/curated.tsv, stems both sides
with retrieval.analysis, scores every (source key, target terms) pair, keeps the best few per
key and writes one file per direction, plus one file per language ({en,id}-words.tsv) with the
written form of each first translation (a gloss shows "ammunition", not the stem "ammunit").
The output is byte-for-byte reproducible.

Usage (with the project installed, e.g. .venv/bin/python):
    python scripts/build_lexicon.py [--source DIR] [--output DIR] [--curated FILE]
                                    [--irregular FILE]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.analysis import ANALYZER_VERSION, Lang, stem, stopwords, tokenize

REPO = Path(__file__).resolve().parent.parent
LEXICON_DIR = REPO / "retrieval" / "data" / "lexicon"
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "lexicon"
FORMAT_VERSION = 1
DIRECTIONS: tuple[tuple[Lang, Lang], ...] = (("en", "id"), ("id", "en"))
_NUMBER_RE = re.compile(r"^[\d.,]+$")
LICENCE_FILES = ("LICENSE.wordnet-bahasa", "LICENSE.princeton-wordnet-3.0", "citation.bib")

# Wordnet Bahasa pairs beyond the English word's second most frequent sense are mostly noise.
MAX_SENSE_RANK = 2
# Longer entries are glosses, not translations a query word could match.
MAX_TOKENS = 3
# Translations kept per key; queries use the first few (expand_query's max_per_word).
TOP_K = 5
# Tuned against FreeDict as a held-out gold for the Wordnet Bahasa ranking: a pair shared by
# more synsets is a more general translation; a target linked to very many source words is a
# hub (makan, hidup) and is damped.
HUB_DAMPING = 0.25
# Evidence order: curated over FreeDict over Wordnet Bahasa (normalised to at most 1).
CURATED_SCORE = 4.0
FREEDICT_SCORE = 2.0


@dataclass(frozen=True, slots=True)
class Pair:
    """One English-Indonesian pair from a source lexicon."""

    english: str
    indonesian: str
    source: str  # "curated", "freedict" or "wnbahasa"
    wn_weight: float = 0.0  # synsets shared / sense rank, Wordnet Bahasa only


@dataclass(slots=True)
class _Evidence:
    curated: bool = False
    freedict: bool = False
    wn: float = 0.0


@dataclass(slots=True)
class _Table:
    by_stem: dict[str, dict[str, _Evidence]] = field(default_factory=dict)
    by_word: dict[str, dict[str, _Evidence]] = field(default_factory=dict)


# A curated surface form counts as this many lexicon pairs when the words file picks one.
CURATED_SURFACE_WEIGHT = 100


def surfaces_of(pairs: Iterable[Pair]) -> dict[Lang, dict[str, dict[str, int]]]:
    """Count, per language, the written forms behind each stemmed target ("ammunit": {
    "ammunition": 3}), so a gloss can show words, not stems."""
    out: dict[Lang, dict[str, dict[str, int]]] = {"en": {}, "id": {}}
    for pair in pairs:
        for lang, text in (("en", pair.english), ("id", pair.indonesian)):
            found = words(text, lang)
            if not found or len(found) > MAX_TOKENS:
                continue
            target = " ".join(s for s in stem(found, lang) if s not in stopwords(lang))
            counts = out[lang].setdefault(target, {})
            weight = CURATED_SURFACE_WEIGHT if pair.source == "curated" else 1
            counts[" ".join(found)] = counts.get(" ".join(found), 0) + weight
    return out


def words_lines(table: _Table, surfaces: dict[str, dict[str, int]]) -> list[str]:
    """Return ``stem<TAB>surface`` for the first translation of every key of ``table`` (what
    a gloss shows): the most frequent written form, the shorter on a tie."""
    keys = (*table.by_stem.values(), *table.by_word.values())
    out = []
    for target in sorted({rank(evidence)[0][0] for evidence in keys}):
        counts = surfaces.get(target)
        if counts:
            best = min(counts, key=lambda form: (-counts[form], len(form), form))
            out.append(f"{target}\t{best}")
    return out


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def read_pairs(source: Path, curated: Path) -> list[Pair]:
    """Read all pairs from the source lexicons and the curated list."""
    pairs = [Pair(en, id_, "curated") for en, id_ in _rows(curated)]
    pairs += [Pair(en, id_, "freedict") for en, id_ in _rows(source / "en_id_freedict.tsv")]
    for en, id_, rank, synsets in _rows(source / "en_id_wnbahasa.tsv"):
        if int(rank) <= MAX_SENSE_RANK:
            pairs.append(Pair(en, id_, "wnbahasa", len(synsets.split(",")) / int(rank)))
    return pairs


def words(text: str, lang: Lang, *, keep_stopwords: bool = False) -> list[str]:
    """Return the content tokens of ``text`` as a query would see them (no hyphen parts)."""
    out: list[str] = []
    skip = 0
    for token in tokenize(text):
        if skip:  # tokenize() follows a hyphenated token with its parts
            skip -= 1
            continue
        skip = sum(1 for part in token.split("-") if part) if "-" in token else 0
        out.append(token)
    stop = frozenset() if keep_stopwords else stopwords(lang)
    return [t for t in out if t not in stop and not (len(t) == 1 and t.isalpha())]


def _key_words(pair: Pair, lang: Lang) -> list[str]:
    text = pair.english if lang == "en" else pair.indonesian
    found = words(text, lang)
    if not found and pair.source == "curated":
        # A curated acronym may be a stopword ("us"); queries look it up only in capitals.
        found = words(text, lang, keep_stopwords=True)
    return found


def build_tables(pairs: Iterable[Pair]) -> dict[Lang, _Table]:
    """Collect the evidence for every (source key, target terms) pair in both directions."""
    tables: dict[Lang, _Table] = {"en": _Table(), "id": _Table()}
    fan_out: dict[Lang, dict[str, set[str]]] = {"en": defaultdict(set), "id": defaultdict(set)}
    for pair in pairs:
        for src, tgt in DIRECTIONS:
            src_words = _key_words(pair, src)
            tgt_words = words(pair.english if tgt == "en" else pair.indonesian, tgt)
            if not src_words or not tgt_words or max(len(src_words), len(tgt_words)) > MAX_TOKENS:
                continue
            if any(_NUMBER_RE.match(w) for w in src_words):
                continue  # numbers pass through a query untranslated
            src_stem = " ".join(stem(src_words, src))
            # A stem that is a stopword (berada -> ada) is not in the index: analyze() drops it.
            target = " ".join(s for s in stem(tgt_words, tgt) if s not in stopwords(tgt))
            if not target or target in (src_stem, " ".join(src_words)):
                continue  # the original query term already matches it
            table = tables[src]
            for index, key in ((table.by_stem, src_stem), (table.by_word, " ".join(src_words))):
                ev = index.setdefault(key, {}).setdefault(target, _Evidence())
                ev.curated |= pair.source == "curated"
                ev.freedict |= pair.source == "freedict"
                ev.wn += pair.wn_weight
            if pair.source == "wnbahasa":
                fan_out[src][target].add(src_stem)
    for src, table in tables.items():
        for index in (table.by_stem, table.by_word):
            for evidence in index.values():
                for target, ev in evidence.items():
                    ev.wn /= max(1, len(fan_out[src][target])) ** HUB_DAMPING
    return tables


def add_irregular_forms(table: _Table, forms: Iterable[tuple[str, str]]) -> None:
    """Give each English irregular form (sold) the translations of its base form (sell)."""
    for form, base in forms:
        base_evidence = table.by_stem.get(stem([base], "en")[0])
        if not base_evidence:
            continue
        targets = [table.by_stem.setdefault(stem([form], "en")[0], {})]
        if form in table.by_word:
            targets.append(table.by_word[form])
        for evidence in targets:
            for target, ev in base_evidence.items():
                mine = evidence.setdefault(target, _Evidence())
                mine.curated |= ev.curated
                mine.freedict |= ev.freedict
                mine.wn += ev.wn


def rank(evidence: dict[str, _Evidence]) -> list[tuple[str, float, bool]]:
    """Order the targets of one key: (target, confidence relative to the best, curated)."""
    top_wn = max(ev.wn for ev in evidence.values()) or 1.0
    scored = [
        (
            target,
            CURATED_SCORE * ev.curated + FREEDICT_SCORE * ev.freedict + ev.wn / top_wn,
        )
        for target, ev in evidence.items()
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    best = scored[0][1]
    return [(t, round(score / best, 2), evidence[t].curated) for t, score in scored[:TOP_K]]


def lexicon_lines(table: _Table, src: Lang) -> list[str]:
    """Return the sorted lines ``key<TAB>translations`` of one direction.

    A stem key is bare; a surface-word key starts with ``=`` and is written only when its
    translations differ from those of its stem (else the stem lookup finds the same).
    """
    ranked_stems = {key: rank(ev) for key, ev in table.by_stem.items()}
    lines = [f"{key}\t{_encode(ranked)}" for key, ranked in ranked_stems.items()]
    for word, evidence in table.by_word.items():
        ranked = rank(evidence)
        if ranked != ranked_stems.get(" ".join(stem(word.split(), src))):
            lines.append(f"={word}\t{_encode(ranked)}")
    lines.sort()
    return lines


def _encode(ranked: list[tuple[str, float, bool]]) -> str:
    # A curated translation is marked with "*": acronyms are translated by curated pairs only.
    return "|".join(f"{target}={conf:g}{'*' * curated}" for target, conf, curated in ranked)


def write(lines: list[str], output: Path) -> None:
    """Write the header and ``lines`` (plain text: git and wheels compress it anyway)."""
    header = (
        f"# warta-lexicon format={FORMAT_VERSION} analyzer={ANALYZER_VERSION}"
        " licence=CC-BY-SA-3.0 (see NOTICE.md)\n"
    )
    output.write_text(header + "\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    """Build the lexicon and copy the licence notices next to it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=LEXICON_DIR, help="output directory")
    parser.add_argument("--curated", type=Path, default=LEXICON_DIR / "curated.tsv")
    parser.add_argument("--irregular", type=Path, default=LEXICON_DIR / "en-irregular.tsv")
    args = parser.parse_args(argv)
    if not (args.source / "en_id_wnbahasa.tsv").is_file():
        print(f"error: no en_id_wnbahasa.tsv in --source {args.source}", file=sys.stderr)
        return 2
    pairs = read_pairs(args.source, args.curated)
    tables = build_tables(pairs)
    forms = [(form, base) for form, base in _rows(args.irregular)]
    add_irregular_forms(tables["en"], forms)
    args.output.mkdir(parents=True, exist_ok=True)
    surfaces = surfaces_of(pairs)
    for src, tgt in DIRECTIONS:
        lines = lexicon_lines(tables[src], src)
        write(lines, args.output / f"{src}-{tgt}.tsv")
        print(f"{src}-{tgt}.tsv: {len(lines)} keys")
        forms = words_lines(tables[src], surfaces[tgt])
        write(forms, args.output / f"{tgt}-words.tsv")
        print(f"{tgt}-words.tsv: {len(forms)} written forms")
    for name in LICENCE_FILES:
        shutil.copyfile(args.source / name, args.output / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
