"""What a how-many question measures, and whether a number phrase measures that.

"Berapa jumlah penyu …" counts turtles: "17,5 kilometer" is a distance, no answer to it;
"Berapa luas …" asks for an area ("125 hektar"), "Berapa persen …" for a share ("94,8
persen"), "How many people …" for people ("1.200 warga"). A question names what it counts
(the word after "berapa" / "how many") or the dimension it measures ("luas", "harga", "how
far"); a number phrase names its unit (the word after the number, or its currency sign).
The two agree, disagree, or cannot tell: a ranking signal of +1 / -1 / 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.answering.shape import NUMBER_PHRASE_RE
from bot.answering.vocab import MULTIPLIERS, NUMBER_TENS, NUMBER_WORDS
from retrieval.analysis import Lang, analyze, normalise, stopwords

Dimension = Literal[
    "percent", "money", "length", "area", "duration", "mass", "volume", "power",
    "temperature", "people",
]  # fmt: skip


def _dims(table: Mapping[Dimension, str]) -> dict[str, Dimension]:
    return {word: dim for dim, words in table.items() for word in words.split()}


# Units written after a number (or before it, a currency), both languages.
UNITS: Mapping[str, Dimension] = _dims(
    {
        "percent": "% persen percent per-cent persentase",
        "money": (
            "rp rupiah sen cent cents dollar dolar dollars usd us$ $ € £ euro euros yen yuan "
            "ringgit won pound pounds poundsterling peso pesos rupee rupees"
        ),
        "length": (
            "meter metre meters metres m km kilometer kilometre kilometers kilometres cm "
            "sentimeter centimeter centimeters mm milimeter millimeter millimeters mil mile "
            "miles kaki feet foot ft inci inch inches mdpl dpl yard yards"
        ),
        "area": "hektar hektare hektare ha hectare hectares km2 m2 acre acres",
        "duration": (
            "tahun bulan minggu pekan hari jam menit detik dekade abad windu year years month "
            "months week weeks day days hour hours minute minutes second seconds decade "
            "decades century centuries"
        ),
        "mass": (
            "ton tons tonne tonnes kg kilogram kilograms kilo gram grams gr kuintal ons "
            "mikrogram microgram milligram miligram lb lbs"
        ),
        "volume": "liter litre liters litres barel barrel barrels kubik m3 gallon gallons",
        "power": "watt watts kw kwh kwp mw megawatt megawatts gw gigawatt wattjam volt",
        "temperature": "derajat celsius celcius fahrenheit degree degrees",
        "people": (
            "orang jiwa warga penduduk korban penumpang pengungsi peserta people persons "
            "residents victims passengers refugees participants"
        ),
    }
)
# Words that count things, never people.
THING_COUNTERS = frozenset(
    "unit units buah ekor potong lembar batang biji butir kali times pieces items".split()
)
# Dimensions that are no amount of anything counted ("35 kilometer" counts no bombs; "80.854
# meter kubik" is an amount of timber).
_NO_AMOUNT = frozenset({"length", "area", "duration", "temperature", "power"})
# A unit made cubic ("meter kubik", "cubic feet") measures a volume.
_CUBIC = frozenset({"kubik", "cubic"})
# A unit made square ("3.355 kilometer persegi", "square miles") measures an area.
_SQUARE = frozenset({"persegi", "square"})
# Words of the question that tell what it measures.
ASKED: Mapping[str, Dimension] = _dims(
    {
        "percent": "persen persentase percentage percent proportion share",
        "money": (
            "harga nilai biaya anggaran dana kerugian gaji pendapatan utang modal investasi "
            "ongkos tarif denda subsidi omzet price cost costs worth value budget fund funds "
            "money salary revenue fine paid pay spend spent"
        ),
        "length": ("tinggi ketinggian panjang jarak kedalaman lebar height distance depth length"),
        "area": "luas area",
        "duration": "lama lamanya durasi",
        "mass": "berat bobot weigh weighs weight",
        "temperature": "suhu temperatur temperature",
        "people": (
            "korban tewas meninggal penduduk warga penumpang pengungsi orang people killed "
            "died dead residents victims passengers refugees"
        ),
    }
)
# English asks a length by its adjective ("How far …").
_HOW: Mapping[str, Dimension] = {"far": "length", "tall": "length", "high": "length"}
_HOW_RE = re.compile(r"\bhow (far|tall|high)\b")
# Words between "berapa" and what it counts ("berapa jumlah korban", "how many more").
_FILLERS = frozenset(
    "jumlah banyak banyaknya total kira-kira kira sebenarnya angka besar besarnya more of the "
    "sekitar".split()
)
_COUNTED_RE = re.compile(
    r"\b(?:berapa(?:kah)?|how (?:many|much)|jumlah|banyaknya)((?:\s+[\w%$-]+){1,4})"
)
_COUNTS_RE = re.compile(r"\b(?:jumlah|banyak\w*|how many)\b")
_AGE_RE = re.compile(r"\b(?:usia|umur|how old|aged?)\b")
_NUMBER_WORDS = frozenset((*NUMBER_WORDS, *NUMBER_TENS, *MULTIPLIERS))


@dataclass(frozen=True)
class Measure:
    """What a how-many question asks: the word it counts (stemmed) and its dimension."""

    counted: frozenset[str]  # the counted noun and its qualifier, stemmed
    dimension: Dimension | None
    age: bool = False  # "Berapa usia …", "How old …": a bare number or years
    counts: bool = False  # "jumlah", "banyak", "how many": it counts things, measures none


def asked_measure(question: str, lang: Lang) -> Measure:
    """Return what ``question`` counts or measures (either may be None: it does not say)."""
    q = normalise(question)
    counted: frozenset[str] = frozenset()
    dimension: Dimension | None = None
    m = _COUNTED_RE.search(q)
    words = [_bare(w) for w in m.group(1).split()] if m else []
    for i, word in enumerate(words):
        if word in _FILLERS:
            continue
        if word in ASKED and word not in UNITS:
            dimension = ASKED[word]
            break
        if word in stopwords(lang):  # "How much did they pay?": it names nothing counted
            break
        dimension = UNITS.get(word)
        # a noun and the word that qualifies it ("medali perak", "orang laki-laki")
        nxt = words[i + 1] if i + 1 < len(words) and words[i + 1] not in stopwords(lang) else ""
        counted = frozenset(_stem(w, lang) for w in (word, nxt) if w)
        break
    how = _HOW_RE.search(q)
    if how is not None:  # "How tall …", "How far …"
        dimension = _HOW[how.group(1)]
    elif dimension is None and not counted:  # "Berapa total harga …", "… how much does it cost"
        after = q[m.start() :] if m else q
        dimension = next((ASKED[w] for w in re.findall(r"[\w%$]+", after) if w in ASKED), None)
    counts = bool(_COUNTS_RE.search(q))
    return Measure(counted, dimension, age=bool(_AGE_RE.search(q)), counts=counts)


def phrase_unit(phrase: str) -> tuple[str | None, Dimension | None]:
    """Return the unit word a number phrase gives and its dimension ("17,5 kilometer" -
    ("kilometer", "length"); "Rp 3.000" - ("rp", "money"); "737" - (None, None))."""
    words = normalise(phrase).replace("%", " % ").split()
    for word in words:
        for sign in ("rp", "us$", "$", "€", "£"):
            if word.startswith(sign):
                return sign, "money"
        if word in UNITS and UNITS[word] in ("money", "percent"):
            return word, UNITS[word]
    last = max((i for i, w in enumerate(words) if _is_number(w)), default=-1)
    if last < 0 or last + 1 >= len(words):
        return None, None
    unit = words[last + 1]
    after = words[last + 2] if last + 2 < len(words) else ""
    if unit not in UNITS and after in UNITS:  # "180 gross ton", "5 metrik ton"
        unit, after = after, words[last + 3] if last + 3 < len(words) else ""
    if unit in _SQUARE or after in _SQUARE:
        return unit, "area"
    if unit in _CUBIC or after in _CUBIC:
        return unit, "volume"
    return unit, UNITS.get(unit)


def unit_fit(measure: Measure | None, phrase: str, lang: Lang) -> float:
    """Return +1 when ``phrase`` measures what the question asks, -1 when it measures
    something else, 0 when either does not tell."""
    if measure is None:
        return 0.0
    unit, dimension = phrase_unit(phrase)
    if unit is not None and _stem(unit, lang) in measure.counted:
        return 1.0
    asked = measure.dimension
    if measure.age and (unit is None or dimension == "duration"):
        return 0.0 if unit is None else 1.0
    if asked is not None:
        if dimension is not None:
            return 1.0 if dimension == asked else -1.0
        # "45.000 unit" asked for the dead, "21 unit" for a price (another noun may count
        # people: "500 laki-laki")
        if unit is not None and (asked != "people" or unit in THING_COUNTERS):
            return -1.0
        return -1.0 if asked in ("percent", "money") else 0.0  # a share is never bare
    # What the question counts is unknown as a unit ("Berapa jumlah bom"): a measure of
    # something else is no count of it ("35 kilometer").
    if measure.counts and dimension in _NO_AMOUNT:
        return -1.0
    return 0.0


def states_measure(measure: Measure, text: str, lang: Lang) -> bool:
    """Tell whether ``text`` writes a number measuring what ``measure`` asks ("84
    penumpang", asked how many passengers)."""
    if measure.dimension is None and not measure.counted:
        return False
    return any(
        unit_fit(measure, text[m.start() : _unit_end(text, m.end())], lang) > 0
        for m in NUMBER_PHRASE_RE.finditer(text)
    )


_NEXT_WORDS_RE = re.compile(r"(?:\s+[^\W\d][\w-]*){0,2}")


def _unit_end(text: str, end: int) -> int:
    """Return where a number's unit may end: two words on ("180 gross ton")."""
    m = _NEXT_WORDS_RE.match(text, end)
    return m.end() if m else end


def _bare(word: str) -> str:
    """Return ``word`` without its question particle ("tahunkah" - "tahun")."""
    bare = re.sub(r"(?:kah|lah)$", "", word)
    return bare if bare != word and (bare in UNITS or bare in ASKED or bare in _FILLERS) else word


def _is_number(word: str) -> bool:
    return any(c.isdigit() for c in word) or word in _NUMBER_WORDS


def _stem(word: str, lang: Lang) -> str:
    terms = analyze(word, lang)
    return terms[0] if terms else word
