"""Candidate answer phrases of the kind a question asks for: names, numbers, dates."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from bot.answering.measure import THING_COUNTERS, UNITS
from bot.answering.qtype import AnswerType
from bot.answering.shape import DATE_RE, NUMBER_PHRASE_RE
from bot.answering.vocab import DAYS, MONTHS, TITLES, alternation
from retrieval.analysis import Lang, analyze, stopwords, tokenize

# A run of capitalised words (or numbers inside a name: "GA-181", "Universiade 2005"), with
# the short lower-case links names carry ("bin", "van", "de", "al-", "dan" is not one).
_LINKS = "bin binti van von de der da di la al el dos del of the untuk dan".split()
_RUN_LINKS = frozenset(_LINKS)
_NAME_RUN_RE = re.compile(
    rf"(?:\b[A-Z][\w'’.-]*|\b\d+[\w-]*)(?:\s+(?:(?:{alternation(_LINKS)})\s+)?"
    r"(?:[A-Z][\w'’.-]*|\d+[\w-]*))*"
    # its acronym, or what the acronym stands for: "Institut Teknologi Bandung (ITB)", "JICA
    # (Japan International Cooperation Agency)"
    r"(?:\s*\([A-Z][\w-]*(?:\s+(?:(?:of|for|and|the|dan|untuk)\s+)?[A-Z][\w-]*){0,6}\))?"
)
_PERSON_TITLE_RE = re.compile(
    r"(?:Presiden|President|Wakil|Menteri|Minister|Gubernur|Governor|Bupati|Wali Kota|Mayor|"
    r"Senator|Jenderal|General|Kapolri|Kapolda|Ketua|Direktur|Director|Dr|Prof|Mr|Mrs|Ms|"
    r"Sir|Pak|Bu|Raja|King|Queen|Ratu|Paus|Pope)\b"
)
_IN_RE = re.compile(r"\s(?:di|in)\s")
# A company is no place ("PT Baruna Mekar", "Apple Inc").
_COMPANY_RE = re.compile(r"^(?:PT|CV|UD|Perum|Persero)\s|\s(?:Tbk|Inc|Corp|Ltd|LLC|Co)\b\.?$")
# Nor is a law or a regulation ("Peraturan Menteri Perdagangan Nomor 12", "UU Nomor 7").
_DOCUMENT_RE = re.compile(
    r"^(?:Peraturan|Undang-[Uu]ndang|UU|Keputusan|Instruksi|Surat Edaran|Perpres|Permen\w*|"
    r"Perda|Perppu|Keppres|Inpres|Regulation|Executive Order)\b"
)
# A sentence-initial word that starts a run only because it starts the sentence.
_INITIAL_VERB_RE = re.compile(r"^(di|me|ber|ter|se|ke|pe)\w+(kan|an|i|nya)$|^\w+(nya|lah|kah)$")
# A number's unit may run past the one word the number pattern takes ("67 derajat Celcius",
# "10,23 mm per tahun"): up to UNIT_WORDS more words are offered as longer candidates.
UNIT_WORDS = 2
_NEXT_WORD_RE = re.compile(r"\s+([A-Za-z][\w-]*)")
_UNIT_LINKS = frozenset({"per"})
# A news dateline opens a story ("Yogyakarta, Kompas-", "Caracas, Rabu-", "Bisnis.com,
# JAKARTA -", "JAKARTA (ANTARA) -"): where it was filed, never an answer.
_DATELINE_RE = re.compile(
    r"^\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,2}"
    r"(?:,\s*[A-Z][\w.]*(?:\s\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\))?|\s\([A-Z][\w.]*\))\s*[-–—]"
)
_CAPITAL_RE = re.compile(r"[A-Z]")
_BARE_NUMBER_RE = re.compile(r"\d[\d.,]*")
_LATIN_NAME_RE = re.compile(r"\(([A-Z][a-z]+(?: [a-z]+){1,2})\)")
# An English possessive ends a name: "President Barack Obama's final defense secretary",
# "Yellowstone National Park's Rescue Creek" (two names).
_POSSESSIVE_RE = re.compile(r"['’]s?(?=\s|$)")


def dateline_end(sentence: str) -> int:
    """Return where the sentence's dateline ends ("Sichuan, Kompas-"), 0 when it has none."""
    m = _DATELINE_RE.match(sentence)
    return m.end() if m else 0


_YEAR_RE = re.compile(r"(?:1[89]|20)\d\d\b(?![.,]\d)")
_YEAR_LEADS = frozenset(
    "pada tahun sejak hingga sampai akhir awal pertengahan in since until by of during year "
    "early late mid".split()
) | frozenset(MONTHS)
_DAY_RE = re.compile(
    rf"\b(?:{alternation([d.capitalize() for d in DAYS])})\b"
    r"(?:\s*\(\d{1,2}/\s?\d{1,2}(?:/\d{2,4})?\))?"
)


def _new(span: str, asked: set[str], lang: Lang) -> bool:
    """Tell whether ``span`` names something the question does not: its last word (a name's
    head: "Presiden Putin" is Putin) is not the question's, nor are all its terms."""
    words = tokenize(span)
    if not words:
        return False
    last = words[-1]
    if last in asked or set(analyze(last, lang)) & asked:
        return False
    return not set(analyze(span, lang)) <= asked or not set(analyze(span, lang))


def _strip_links(text: str, a: int, z: int, lang: Lang) -> tuple[int, int]:
    """Drop a trailing link word ("dan", "of") or full stop a name run swallowed, and leading
    words that are capitalised only because they start the sentence ("Menurut Ketua …") or
    are a bare number ("1992 Danau Beratan")."""
    piece = text[a:z]
    m = re.search(r"(?:\s+(?:dan|of|the|untuk|di|de|la))+$|[.]$", piece)
    if m:
        z = a + m.start()
    stop = stopwords(lang)
    while True:
        head = re.match(r"[^\s]+\s*", text[a:z])
        if head is None or head.end() >= z - a:
            break
        word = head.group().strip().casefold()
        # a year or count before a name starts no name ("sejak 1992 Danau Beratan")
        if (
            word in stop
            or _BARE_NUMBER_RE.fullmatch(word)
            or (_initial(text, a) and _INITIAL_VERB_RE.match(word))
        ):
            a += head.end()
            continue
        break
    return a, z


def _initial(text: str, a: int) -> bool:
    """Tell whether ``text[a:]`` starts the sentence (or a quote or a clause after a dash)."""
    return a == 0 or text[:a].rstrip().endswith((".", "-", "–", ":", '"', "“"))


def _lone_initial_verb(text: str, a: int, z: int) -> bool:
    """Tell whether ``text[a:z]`` is one word capitalised only as the sentence's first, an
    affixed verb or noun ("Diberitakan sebelumnya, …"): no name."""
    word = text[a:z]
    return " " not in word and _initial(text, a) and bool(_INITIAL_VERB_RE.match(word.casefold()))


_WORD_RUN_RE = re.compile(r"\S+")
_WORDS_BEFORE_RE = re.compile(r"(?:(?<!\S)([\w'’.-]+)[ \t]+)?(?<!\S)([\w'’.-]+)[ \t]+$")


def _word_spans(text: str, a: int, z: int) -> list[tuple[int, int]]:
    """Return the (start, end) of every whitespace-separated word of ``text[a:z]``."""
    return [m.span() for m in _WORD_RUN_RE.finditer(text, a, z)]


def _leading(
    text: str, words: list[tuple[int, int]], asked: AbstractSet[str], lang: Lang, is_asked: bool
) -> int:
    """Count the words at the start of ``words`` that are (or, with False, are not) asked."""
    n = 0
    while n < len(words) and _is_asked(text[words[n][0] : words[n][1]], asked, lang) == is_asked:
        n += 1
    return n


def _drop_asked_title(
    text: str, a: int, z: int, asked: set[str], lang: Lang, person: bool
) -> tuple[int, int]:
    """Drop a title of two or more words that only repeats the question ("Juru Bicara Dewan
    Keamanan Nasional John Kirby" asked for the spokesman: John Kirby); its title word may
    be one the question says in the other language ("Who spoke for the National Security
    Council?"; only when a person is asked: a place never starts with a titled person's
    name, "Direktur PT TPPI Bambang Aji")."""
    words = _word_spans(text, a, z)
    n = _leading(text, words[:-1], asked, lang, True)  # the name's last word always stays
    title = _title_words(text, a)
    if person and title and n < title:  # a title, then words the question asks about
        more = _leading(text, words[title:-1], asked, lang, True)
        n = title + more if more else n
    return (words[n][0], z) if n >= 2 else (a, z)


_TITLE_RE = re.compile(
    rf"(?:{alternation(sorted({t for pair in TITLES for t in pair}, key=len, reverse=True))})\b"
)


def _title_words(text: str, a: int) -> int:
    """Return how many words of a title ("Juru Bicara", "Presiden") start ``text[a:]``."""
    m = _TITLE_RE.match(text, a) or _PERSON_TITLE_RE.match(text, a)
    return len(m.group().split()) if m else 0


# A place is written as a chain of up to this many names ("Desa X, Kecamatan Y, Kabupaten Z").
CHAIN_RUNS = 4
_TIME_WORD_SET = frozenset(w.casefold() for w in (*DAYS, *MONTHS))


def _names_something(run: str) -> bool:
    """Tell whether a capitalised run names something: not a bare number nor a date (nor
    two joined by a link word: "20 Agustus dan 8 September 1975")."""
    words = [w for w in tokenize(run) if w not in _RUN_LINKS]
    if not _CAPITAL_RE.search(run):
        return False
    return not all(w in _TIME_WORD_SET or w.replace("-", "").isdigit() for w in words)


def _chains(sentence: str, runs: list[tuple[int, int]], longest: int) -> list[tuple[int, int]]:
    """Return the runs joined by commas ("Kotabumi, Lampung Utara"), up to ``longest`` runs."""
    out: list[tuple[int, int]] = []
    for i, (a, _) in enumerate(runs):
        for j in range(i + 1, min(len(runs), i + longest)):
            if not re.fullmatch(r",\s*", sentence[runs[j - 1][1] : runs[j][0]]):
                break
            out.append((a, runs[j][1]))
    return out


def extend_chain(
    text: str, start: int, end: int, lang: Lang, asked: frozenset[str] | set[str] = frozenset()
) -> tuple[int, int]:
    """Run a place on through the names the news chains to it ("Kotabumi" - "Kotabumi,
    Lampung Utara"), up to CHAIN_RUNS names; never through a date, a person's title or a
    name the question gives ("Rusia, Maria Sharapova", asked about Sharapova)."""
    asked = set(asked)
    for _ in range(CHAIN_RUNS - 1):
        comma = re.match(r",\s*", text[end:])
        if comma is None:
            break
        m = _NAME_RUN_RE.match(text, end + comma.end())
        if m is None:
            break
        a, z = _strip_links(text, m.start(), m.end(), lang)
        run = text[a:z]
        if not _names_something(run) or _PERSON_TITLE_RE.match(run) or a != m.start():
            break
        if all(_is_asked(word, asked, lang) for word in run.split()):
            break
        end = z
    return start, end


def _drop_descriptors(
    text: str, runs: list[tuple[int, int]], asked: set[str], lang: Lang
) -> list[tuple[int, int]]:
    """Drop a run that only describes the question's own name right after it: asked whom
    Kim Jong-un meets, "Pemimpin Korea Utara (Korut) Kim Jong-un" is Kim, no answer …"""
    starts = {a: z for a, z in runs}
    out = []
    for a, z in runs:
        gap = re.match(r"\s+", text[z:])
        nxt = z + gap.end() if gap else -1
        named = text[nxt : starts[nxt]].split() if nxt in starts else []
        # ... unless the question asks about the description itself ("Kepala Badan apakah
        # Mohamed ElBaradei?" - "Kepala Badan Tenaga Atom Internasional (IAEA) Mohamed …").
        if (
            named
            and _is_asked(named[0], asked, lang)
            and not any(_is_asked(w, asked, lang) for w in text[a:z].split())
        ):
            continue
        out.append((a, z))
    return out


# An office held over a place, written before the place and the holder's name.
_JURISDICTION_RE = re.compile(
    r"(?:Wakil\s+)?(?:Gubernur|Bupati|Wali\s?[Kk]ota|Kapolda|Kapolres|Pangdam|Kajati|Governor|"
    r"Mayor)\s+"
)


def _jurisdiction(text: str, a: int, z: int, asked: set[str], lang: Lang) -> tuple[int, int] | None:
    """Return the place in "Gubernur Sultra Ali Mazi" (an office, its place, then the holder
    the question names), None when the run is not written so."""
    office = _JURISDICTION_RE.match(text, a)
    if office is None or office.end() >= z:
        return None
    words = _word_spans(text, office.end(), z)
    n = _leading(text, words, asked, lang, False)
    if n == 0 or n == len(words):  # no place, or no holder the question names after it
        return None
    return words[0][0], words[n - 1][1]


def _before_date(text: str, a: int, z: int) -> tuple[int, int]:
    """End a place run before the date it runs into ("Paris 25 November 2005": Paris)."""
    m = DATE_RE.search(text, a, z)
    if m is None or m.start() == a:
        return a, z
    return a, len(text[: m.start()].rstrip(" ,"))


def _titled(text: str, runs: list[tuple[int, int]], start: int) -> bool:
    """Tell whether the run at ``start`` follows a person's title run ("Direktur Jenderal
    IRRI Robert E Zeigler", "Presiden Prancis Emmanuel Macron"): a person, no place."""
    return any(
        z <= start and not text[z:start].strip() and _PERSON_TITLE_RE.match(text, a)
        for a, z in runs
    )


def _may_be_place(text: str, a: int, z: int) -> bool:
    """Tell whether the run ``text[a:z]`` may name a place: not a titled person ("President
    Joe Biden", "Duta Besar Inggris untuk Korea Utara"), a company ("PT Baruna Mekar") nor a
    law ("Peraturan Menteri …")."""
    run = text[a:z]
    titled = _PERSON_TITLE_RE.match(run) or _TITLE_RE.match(run)  # "Duta Besar Inggris …"
    return not (titled or _COMPANY_RE.search(run) or _DOCUMENT_RE.match(run))


def _not_given(
    text: str, a: int, z: int, named: frozenset[str], lang: Lang
) -> tuple[int, int] | None:
    """Return the person run ``text[a:z]`` without the names the question gives at its
    start. Asked whom Kim meets, "Kim Jong-un" is no answer (what follows the name is one
    word, the rest of it); asked who heads Bapedalda Bali, "Bali Ni Wayan Sutji" is "Ni
    Wayan Sutji"."""
    words = _word_spans(text, a, z)
    n = _leading(text, words, named, lang, True)
    if n == 0:
        return a, z
    return (words[n][0], z) if len(words) - n >= 2 else None


def _rest_of_given(text: str, a: int, z: int, named: frozenset[str], lang: Lang) -> bool:
    """Tell whether the one word ``text[a:z]`` ends a name the question gives by one word:
    asked where Putin and Kim meet, "Putin dan Kim Jong-un" trimmed of the asked names leaves
    "Jong-un" (a whole name given, "Bandar Udara Sultan Syarif Kasim II Pekanbaru", is
    followed by another name)."""
    if len(_word_spans(text, a, z)) != 1:
        return False
    before = _WORDS_BEFORE_RE.search(text[max(0, a - 80) : a])
    if before is None:
        return False
    second, first = (w or "" for w in before.groups())  # the word before, the one before it
    return _is_given(first, named, lang) and not _is_given(second, named, lang)


def _is_given(word: str, named: frozenset[str], lang: Lang) -> bool:
    return word[:1].isupper() and _is_asked(word, named, lang)


def _is_asked(word: str, asked: AbstractSet[str], lang: Lang) -> bool:
    tokens, terms = set(tokenize(word)), set(analyze(word, lang))
    return bool(tokens) and (tokens <= asked or (bool(terms) and terms <= asked))


def _unasked_parts(text: str, a: int, z: int, asked: set[str], lang: Lang) -> list[tuple[int, int]]:
    """Return the parts of the name run ``text[a:z]`` between the question's own words, each
    also with the asked word before it: "Kepala Badan Tenaga Atom Internasional (IAEA)
    Mohamed ElBaradei", asked which Badan ElBaradei heads, holds "Tenaga Atom Internasional
    (IAEA)" and "Badan Tenaga Atom Internasional (IAEA)"."""
    words = _word_spans(text, a, z)
    flags = [_is_asked(text[x:y], asked, lang) for x, y in words]
    if not any(flags) or all(flags):
        return []
    parts: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and not flags[j + 1]:
            j += 1
        part = _strip_links(text, words[i][0], words[j][1], lang)
        parts.append(part)
        if i > 0 and text[words[i - 1][0]].isupper():
            parts.append((words[i - 1][0], part[1]))
        i = j + 1
    return [p for p in parts if _CAPITAL_RE.search(text[p[0] : p[1]])]


def typed_phrases(
    sentence: str,
    kind: AnswerType,
    asked: set[str],
    lang: Lang,
    named: frozenset[str] = frozenset(),
) -> list[str]:
    """Return the distinct phrases of ``sentence`` that could answer a question of ``kind``."""
    return [sentence[a:z] for a, z in typed_spans(sentence, kind, asked, lang, named)]


def typed_spans(
    sentence: str,
    kind: AnswerType,
    asked: set[str],
    lang: Lang,
    named: frozenset[str] = frozenset(),
) -> list[tuple[int, int]]:
    """Return the spans of ``sentence`` that could answer a question of ``kind`` (distinct
    phrases, each at its first place); ``named`` holds the names the question gives (its
    capitalised words, see ``shape.question_names``)."""
    found: list[tuple[int, int]] = []
    if kind in ("person", "place", "name"):
        found = _name_spans(sentence, kind, asked, lang, named)
    elif kind == "number":
        for m in NUMBER_PHRASE_RE.finditer(sentence):
            if _counts_nothing(sentence, m, asked):
                continue
            found += [(m.start(), m.end()), *_longer_units(sentence, m.end(), m.start(), lang)]
    elif kind == "time":
        found += [(m.start(), m.end()) for m in DATE_RE.finditer(sentence)]
        found += [(m.start(), m.end()) for m in _DAY_RE.finditer(sentence)]
    out: list[tuple[int, int]] = []
    seen: set[str] = set()
    for a, z in found:
        phrase = sentence[a:z].strip(" ,;:")
        if not phrase or phrase in seen:
            continue
        # A number's unit is often the question's own word ("Berapa penumpang" - "84
        # penumpang"): the number must be new, not the unit.
        new = (
            _new_number(phrase, asked) if kind in ("number", "time") else _new(phrase, asked, lang)
        )
        if new:
            seen.add(phrase)
            at = sentence.find(phrase, a)
            out.append((at, at + len(phrase)))
    return out


def _raw_runs(
    sentence: str, kind: AnswerType, asked: set[str], lang: Lang
) -> list[tuple[int, int]]:
    """Return the capitalised runs of ``sentence`` that may name what ``kind`` asks, before
    they are trimmed: after the dateline, no stopword or lone sentence-first verb, none that
    only describes the question's own name."""
    # A dateline answers nothing: runs start after it.
    raw = [
        _strip_links(sentence, a, z, lang)
        for m in _NAME_RUN_RE.finditer(sentence, dateline_end(sentence))
        for a, z in _owners(sentence, m.start(), m.end())
    ]
    # A Latin name in brackets ("penyu tempurung (Caretta caretta)").
    raw += [(m.start(1), m.end(1)) for m in _LATIN_NAME_RE.finditer(sentence)]
    if kind == "place":  # "UNESCO di Paris": where UNESCO is, Paris
        raw += [(a + m.end(), z) for a, z in raw for m in _IN_RE.finditer(sentence[a:z])]
        raw = sorted(_before_date(sentence, a, z) for a, z in raw if not _titled(sentence, raw, a))
    raw = [
        r
        for r in raw
        if sentence[r[0] : r[1]].casefold() not in stopwords(lang)
        and not _lone_initial_verb(sentence, *r)
    ]
    return _drop_descriptors(sentence, raw, asked, lang)


def _owners(sentence: str, a: int, z: int) -> list[tuple[int, int]]:
    """Split the name run ``sentence[a:z]`` after each possessive, which is dropped."""
    out: list[tuple[int, int]] = []
    for m in _POSSESSIVE_RE.finditer(sentence, a, z):
        out.append((a, m.start()))
        a = m.end()
        while a < z and sentence[a].isspace():
            a += 1
    out.append((a, z))
    return [(x, y) for x, y in out if y > x]


def _name_spans(
    sentence: str, kind: AnswerType, asked: set[str], lang: Lang, named: frozenset[str]
) -> list[tuple[int, int]]:
    """Return the name runs of ``sentence`` that could answer a who / where / which
    question, with their chains and the parts a which-question or an office asks for."""
    raw = _raw_runs(sentence, kind, asked, lang)
    person = kind == "person"
    runs = [
        _strip_links(sentence, *_drop_asked_title(sentence, a, z, asked, lang, person), lang)
        for a, z in raw
    ]
    if kind == "place":
        runs = [r for r in runs if _may_be_place(sentence, *r)]
    # A bare number ("2005") or a date ("9-15 Oktober 2005", "Selasa") names nobody and
    # nowhere.
    found = [r for r in runs if _names_something(sentence[r[0] : r[1]])]
    # "Kourou, Perancis", "Gamawan Fauzi, Gubernur Sumatera Barat", "Kecamatan
    # Banjarharjo, Kabupaten Brebes, Jawa Tengah": a name and its place or title, as the
    # news writes them.
    found += _chains(sentence, found, CHAIN_RUNS if kind == "place" else 2)
    if kind == "place":  # "Di provinsi mana Ali Mazi gubernur?" - "Gubernur Sultra Ali Mazi"
        found += [j for a, z in raw if (j := _jurisdiction(sentence, a, z, asked, lang))]
    if kind == "name":  # "Kepala Badan apakah ElBaradei?": the run between the asked words
        found += [part for a, z in raw for part in _unasked_parts(sentence, a, z, asked, lang)]
    # A name the question gives is not what it asks for: asked where or whom Kim meets,
    # "Kim Jong-un" is no answer. (A which-question's own word may start its answer:
    # "Bandara Polonia", asked "Apakah nama Bandara di Medan?")
    if kind == "place":
        return [
            f
            for f in found
            if not _is_asked(sentence[f[0] : f[1]].split()[0], named, lang)
            and not _rest_of_given(sentence, *f, named, lang)
        ]
    if person:
        return [f for f in (_not_given(sentence, *f, named, lang) for f in found) if f]
    return found


def _is_year(sentence: str, start: int, phrase: str) -> bool:
    """Tell whether a number phrase at ``start`` is a year ("in 2022", "pada 2005", "Maret
    2005", "(2005)"), not a count ("2000 orang")."""
    if not _YEAR_RE.match(phrase):
        return False
    before = sentence[:start].rstrip()
    word = before.rsplit(None, 1)[-1].casefold() if before else ""
    return word in _YEAR_LEADS or before.endswith("(") or not before


def _counts_nothing(sentence: str, m: re.Match[str], asked: set[str]) -> bool:
    """Tell whether the number phrase ``m`` counts nothing: a year ("in 2022"), a number
    written on a name ("Boeing 737", "GA-181"; "Lin Dan 15 kali" counts) or a time of day
    ("pukul 08.06")."""
    if _is_year(sentence, m.start(), m.group()):
        return True
    digit = re.search(r"\d", m.group())
    at = m.start() + (digit.start() if digit else 0)  # after "sekitar", "Rp" …
    if _on_name(sentence, at) and not _counts_after(sentence, at, asked):
        return True
    return bool(_CLOCK_BEFORE_RE.search(sentence, max(0, at - 8), at))


# The word a number is written on, with one space or a hyphen between ("Boeing 737").
_WORD_ON_RE = re.compile(r"(?<![\w.,])([^\W_][\w]*)[\s-]$")
# Words a number follows as its label or currency, not as a name's ("Nomor 17", "Rp 5").
_NUMBER_LABELS = frozenset("rp us usd nomor no nomer pasal ayat number article".split())
_SENTENCE_START = frozenset(".!?:;\"“‘'(-–—")


def _on_name(sentence: str, start: int) -> bool:
    """Tell whether the number at ``start`` is written on a name, part of it ("Boeing 737
    400", "GA-181", "Shenzhou 6", "Apollo 11"): the word before it is capitalised and
    neither a date's ("Mei 2005", "Jumat 12") nor capitalised only as the sentence's first
    ("Sebanyak 1.200 warga", after a dateline too)."""
    m = _WORD_ON_RE.search(sentence, max(0, start - 40), start)
    if m is None:
        return False
    if m.group(1)[0].isdigit():  # "Boeing 737 400": on the number on the name
        return _on_name(sentence, m.start(1))
    if not m.group(1)[0].isupper():
        return False
    word = m.group(1).casefold()
    if word in _TIME_WORD_SET or word in _YEAR_LEADS or word in _NUMBER_LABELS:
        return False
    before = sentence[: m.start(1)].rstrip()
    first = not before or before[-1] in _SENTENCE_START or m.start(1) <= dateline_end(sentence)
    return not first


_CLOCK_BEFORE_RE = re.compile(r"\b(?:pukul|jam)\s+$", re.IGNORECASE)
_AFTER_NUMBER_RE = re.compile(r"[\d.,]+\s*(%|[^\W\d]+)")


def _counts_after(sentence: str, at: int, asked: set[str]) -> bool:
    """Tell whether the number at ``at`` is followed by what counts or measures ("15 kali",
    "112 penumpang", "5 persen"): a unit, or a word the question asks with."""
    m = _AFTER_NUMBER_RE.match(sentence, at)
    if m is None:
        return False
    word = m.group(1).casefold()
    return word in UNITS or word in THING_COUNTERS or word in asked


def _longer_units(sentence: str, end: int, start: int, lang: Lang) -> list[tuple[int, int]]:
    """Return the number phrase ``sentence[start:end]`` run on by one, two … following words
    (no punctuation between; not ending on a link word like "per")."""
    stop = stopwords(lang) - _UNIT_LINKS
    out = []
    for _ in range(UNIT_WORDS):
        m = _NEXT_WORD_RE.match(sentence, end)
        if m is None or m.group(1).casefold() in stop:
            break
        end = m.end()
        if m.group(1).casefold() not in _UNIT_LINKS:
            out.append((start, end))
    return out


def _new_number(phrase: str, asked: set[str]) -> bool:
    numbers = [t for t in tokenize(phrase) if any(c.isdigit() for c in t)]
    return not numbers or any(t not in asked for t in numbers)
